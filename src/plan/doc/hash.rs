//! The plan's hash: SHA-256 of what the plan would run, so a bundle made from a plan file can
//! show that its operations are the ones the reviewed report listed.
//!
//! It covers the export's hash and, stage by stage and wave by wave, every action's op and every
//! rollback op as JSON (the op's own fields: display fields, titles and counts are left out, so
//! a report in any format of one plan shows the same hash). A plan file read back gives the same
//! hash when its ops are as written; an edited op gives another.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::fingerprint::{hex, HashWriter};

use super::{Action, Stage};

/// Builds a plan hash part by part, in the plan's order.
pub struct PlanHasher(HashWriter);

impl PlanHasher {
    pub fn new(export_hash: &str) -> Self {
        let mut h = HashWriter(Sha256::new());
        h.0.update(b"licplan plan v1\nexport ");
        h.0.update(export_hash.as_bytes());
        h.0.update(b"\n");
        PlanHasher(h)
    }

    /// A stage begins (its own actions follow).
    pub fn stage(&mut self, number: u32) {
        self.0 .0.update(format!("stage {number}\n").as_bytes());
    }

    /// A wave of the current stage begins (its actions follow).
    pub fn wave(&mut self, number: u32) {
        self.0 .0.update(format!("wave {number}\n").as_bytes());
    }

    /// The current stage's or wave's rollback ops follow.
    pub fn rollback(&mut self) {
        self.0 .0.update(b"rollback\n");
    }

    /// One op, as JSON (an op of any view: files write every view the same way).
    pub fn op(&mut self, op: &impl Serialize) {
        // Serialising an op into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut self.0, op);
        self.0 .0.update(b"\n");
    }

    /// `sha256:<hex>`.
    pub fn finish(self) -> String {
        hex("sha256:", &self.0 .0.finalize())
    }
}

/// The hash of a plan's stages made from the export with `export_hash`.
pub fn of_stages(export_hash: &str, stages: &[Stage]) -> String {
    let mut h = PlanHasher::new(export_hash);
    let ops = |h: &mut PlanHasher, actions: &[Action]| {
        for a in actions {
            h.op(&a.op);
        }
    };
    for s in stages {
        h.stage(s.number);
        ops(&mut h, &s.actions);
        h.rollback();
        ops(&mut h, &s.rollback_actions);
        for w in &s.waves {
            h.wave(w.number);
            ops(&mut h, &w.actions);
            h.rollback();
            ops(&mut h, &w.rollback_actions);
        }
    }
    h.finish()
}
