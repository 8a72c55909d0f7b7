//! One integration-test binary (faster builds): each module tests one area through the real CLI
//! or the library.

mod bad_input;
mod cli;
mod common;
mod csv_quirks;
mod error_reports;
mod formats;
mod fuzz_regressions;
mod hostile;
mod ingest_hostile;
mod layouts;
mod limits;
mod output_safety;
mod plan_addons;
mod plan_file;
mod plan_groups;
mod plan_ops;
mod plan_rollback;
mod plan_time;
mod plans;
mod prop_plan;
mod prop_rollback;
mod prop_scopes;
mod prop_sim;
mod real_graph;
mod redact;
mod render_safety;
mod runner;
mod scenarios;
mod scenarios_removal;
mod silent_changes;
mod snapshots;
mod verdict;
mod yaml11;
mod yaml_safety;
