//! Graph `$batch` bodies of a list of operations: at most 20 requests each, in run order, a
//! new batch whenever a request writes what a request of the current batch writes or relies
//! on, or relies on what it writes (a group's creation, its licenses, its members; two writes
//! on one user), since Graph runs a batch's requests in any order. Waits end a batch and are
//! not in any.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::manifest::{Check, OpKind, Operation};

/// Requests in one `$batch`, at most (Graph's limit).
pub const REQUESTS_PER_BATCH: usize = 20;

/// What an operation writes, and what it relies on being written before it, as tokens: a
/// group (`g:<id>`, its existence), a group's licenses (`l:<id>`), a user (`u:<id>`).
fn tokens(op: &Operation) -> (BTreeSet<String>, BTreeSet<String>) {
    let t = &op.target.id;
    let (g, l, u) = (format!("g:{t}"), format!("l:{t}"), format!("u:{t}"));
    let one = |s: &String| BTreeSet::from([s.clone()]);
    match op.kind {
        OpKind::CreateGroup => (one(&g), BTreeSet::new()),
        OpKind::DeleteGroup => (BTreeSet::from([g, l]), BTreeSet::new()),
        OpKind::AssignGroupLicense | OpKind::ChangeGroupLicense | OpKind::RemoveGroupLicense => {
            (one(&l), one(&g))
        }
        OpKind::AddMembers | OpKind::RemoveMember => {
            let users = op
                .precondition
                .checks
                .iter()
                .chain(&op.postcondition.checks)
                .filter_map(|c| match c {
                    Check::Member { user, .. } => Some(format!("u:{user}")),
                    _ => None,
                })
                .collect();
            (users, BTreeSet::from([g, l]))
        }
        OpKind::AssignDirectLicense
        | OpKind::ChangeDirectLicense
        | OpKind::RemoveDirectLicense
        | OpKind::SetUsageLocation
        | OpKind::Reprocess => (one(&u), BTreeSet::new()),
        OpKind::WaitForProcessing => (BTreeSet::new(), BTreeSet::new()),
    }
}

fn request_value(op: &Operation) -> Option<Value> {
    let r = op.request.as_ref()?;
    let mut m = Map::new();
    m.insert("id".into(), Value::from(op.id.clone()));
    m.insert("method".into(), Value::from(r.method.clone()));
    m.insert("url".into(), Value::from(r.url.clone()));
    if !r.headers.is_empty() {
        m.insert("headers".into(), json!(r.headers));
    }
    if let Some(b) = &r.body {
        m.insert("body".into(), b.clone());
    }
    Some(Value::Object(m))
}

/// The `$batch` bodies of `ops`, in order.
pub fn batches(ops: &[Operation]) -> Vec<Value> {
    Batches::new(ops).collect()
}

/// The `$batch` bodies of a list of operations, made one at a time (a stage's undo of 177,000
/// member removals is 8,900 bodies, written one by one instead of held together).
pub struct Batches<'a> {
    ops: std::slice::Iter<'a, Operation>,
    current: Vec<Value>,
    /// What the current batch writes, and what its requests rely on.
    written: BTreeSet<String>,
    relied: BTreeSet<String>,
}

impl<'a> Batches<'a> {
    pub fn new(ops: &'a [Operation]) -> Self {
        Batches {
            ops: ops.iter(),
            current: Vec::new(),
            written: BTreeSet::new(),
            relied: BTreeSet::new(),
        }
    }

    /// Ends the current batch: its body, if it holds a request.
    fn flush(&mut self) -> Option<Value> {
        self.written.clear();
        self.relied.clear();
        if self.current.is_empty() {
            return None;
        }
        Some(json!({ "requests": std::mem::take(&mut self.current) }))
    }
}

impl Iterator for Batches<'_> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        while let Some(op) = self.ops.next() {
            let Some(req) = request_value(op) else {
                match self.flush() {
                    Some(b) => return Some(b),
                    None => continue,
                }
            };
            let (w, r) = tokens(op);
            let conflict = w
                .iter()
                .any(|t| self.written.contains(t) || self.relied.contains(t))
                || r.iter().any(|t| self.written.contains(t));
            let done = if self.current.len() >= REQUESTS_PER_BATCH || conflict {
                self.flush()
            } else {
                None
            };
            self.written.extend(w);
            self.relied.extend(r);
            self.current.push(req);
            if done.is_some() {
                return done;
            }
        }
        self.flush()
    }
}

/// `batch/README.md`: what the batch files are and how to read their answers.
pub fn readme(undo: bool) -> String {
    let (what, dir) = if undo {
        ("the undo operations", "undo-batch")
    } else {
        ("the operations", "batch")
    };
    format!(
        "# {dir}/\n\n\
         Each `NNN.json` is the body of one `POST https://graph.microsoft.com/v1.0/$batch` holding \
         {what} of `manifest.json` in run order (at most {REQUESTS_PER_BATCH} requests; the request \
         ids are the operation ids). Send them one after another, in file order, and only for a \
         reviewed run: the runners (`apply.ps1`, `undo.ps1`) check each operation's precondition \
         first, and these files do not.\n\n\
         - A `200 OK` on the batch says nothing about each request: read every response's own \
         `status` (and retry a `429` after its `Retry-After`).\n\
         - Requests that depend on each other (a group's creation, its licenses, its members; \
         two writes on one user) are in separate files, since Graph runs a batch's requests in \
         any order.\n\
         - A url or body holding `{{placeholder:<uniqueName>}}` names a group this plan creates: \
         replace the token with the group's object id (the runner's journal records it) before \
         sending.\n\
         - Waits for group processing are not in any batch: wait between files as the manifest \
         says.\n"
    )
}
