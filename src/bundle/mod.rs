//! `licplan bundle`: one stage (or wave) of a plan as a folder to carry out and undo.

pub mod runner;
