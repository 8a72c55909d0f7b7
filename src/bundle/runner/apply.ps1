# licplan bundle runner (written by the runner helper)
