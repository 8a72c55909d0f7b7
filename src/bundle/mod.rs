//! `licplan bundle`: one stage (or wave) of a plan as a folder to carry out and undo.
//!
//! The plan is replayed on the simulator to the unit's start; each action of the unit becomes
//! an operation of the manifest (docs/BUNDLE.md) with its Graph request and the conditions the
//! simulated state gives before and after it; the unit's rollback becomes the undo, proven on
//! a second replay. The runners (`runner`) are fixed bytes that read the manifest as data.

mod app;
pub mod batch;
pub mod build;
mod conditions;
mod folder;
pub mod graph;
pub mod manifest;
pub mod partner;
mod readme;
pub mod runner;
pub mod translate;
pub mod unit;

pub use app::{bundle, BundleRequest};
