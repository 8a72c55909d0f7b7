//! `licplan verify`: a fresh export compared with what a plan's stage must have achieved.
