#!/usr/bin/env python3
"""Reads licplan's YAML output with PyYAML (YAML 1.1) and checks it equals the JSON output.

Usage: python3 .ci/yaml-roundtrip.py path/to/licplan
Runs `plan` and `inspect` on testdata/hostile-yaml (names such as yes, no, on, 2001-12-14,
12:30:45, 0x1F, <<, ~) and on testdata/contoso, in YAML and JSON, and fails if PyYAML reads any
value differently from the JSON (a boolean, date or number where the JSON has a string).
Exits 2 when PyYAML is not installed, so a missing reader is never mistaken for a pass.
"""
import json
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.stderr.write("PyYAML is not installed (apt-get install python3-yaml)\n")
    sys.exit(2)

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CASES = [
    ["inspect", "testdata/hostile-yaml"],
    ["plan", "testdata/hostile-yaml", "--intent", "testdata/hostile-yaml-intent.yaml"],
    ["inspect", "testdata/contoso"],
    ["plan", "testdata/contoso", "--intent", "plans/e1-to-e3.yaml"],
]


def run(binary, args, fmt):
    out = subprocess.run([binary, *args, "--format", fmt], capture_output=True, check=False)
    if out.returncode not in (0, 3, 4):
        sys.stderr.write(out.stderr.decode("utf-8", "replace"))
        sys.exit(f"{args} --format {fmt}: exit {out.returncode}")
    return out.stdout.decode("utf-8")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/licplan"
    failed = 0
    for args in CASES:
        from_json = json.loads(run(binary, args, "json"))
        from_yaml = yaml.load(run(binary, args, "yaml"), Loader=Loader)
        if from_json != from_yaml:
            failed += 1
            print(f"FAIL {' '.join(args)}: PyYAML reads the YAML differently from the JSON")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
