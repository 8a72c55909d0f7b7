//! A plan file read back whole for carrying it out: every stage's and wave's actions and
//! rollback ops as ops (`bundle`, `verify`, `plan --from-stage`), the hash and export it names,
//! and the groups whose ids are placeholders. `simulate --plan` reads only the actions
//! (`simulate::ops::read`), at less memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::docfile::ActionAt;
use crate::ingest::error::{InputError, InputErrors, Location};
use crate::simulate::ops::{Op, OpSource};

use super::doc::hash::PlanHasher;

/// Which list of a stage an action is in: the stage's own (or its rollback), or a wave's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum List {
    Stage(bool),
    Wave(usize, bool),
}

/// An action's place: its stage, its list, its index in the list.
type Place = (usize, List, usize);

/// A list of ops with their places.
type OpList = Vec<(OpSource, Op)>;

/// One stage's ops as they are read: its own, its rollback's, each wave's (actions, rollback).
#[derive(Default)]
struct Lists {
    actions: OpList,
    rollback: OpList,
    waves: Vec<(OpList, OpList)>,
}

impl Lists {
    fn list(&mut self, list: List) -> &mut OpList {
        match list {
            List::Stage(false) => &mut self.actions,
            List::Stage(true) => &mut self.rollback,
            List::Wave(w, undo) => {
                if self.waves.len() <= w {
                    self.waves.resize_with(w + 1, Default::default);
                }
                let (a, r) = &mut self.waves[w];
                if undo {
                    r
                } else {
                    a
                }
            }
        }
    }
}

/// A plan file as read.
#[derive(Debug, Clone)]
pub struct PlanFile {
    pub path: PathBuf,
    pub name: String,
    /// `plan_hash` as written (`None` in a plan written before plans had one).
    pub plan_hash: Option<String>,
    /// `export.hash` and `export.tenant_id` as written.
    pub export_hash: Option<String>,
    pub tenant_id: Option<String>,
    pub placeholders: Vec<PlaceholderRef>,
    pub stages: Vec<StageFile>,
    /// The rest of the document (moves, held-back users, seats, …) with every action replaced
    /// by its number: read it for what the typed fields above do not hold.
    pub doc: Value,
}

/// A group the plan creates: the placeholder id its ops name, its name and `uniqueName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderRef {
    pub group_id: String,
    pub group_name: String,
    pub unique_name: String,
}

/// One stage: its number and kind (`assign-groups`, …), its own actions and rollback, its waves.
#[derive(Debug, Clone)]
pub struct StageFile {
    pub number: u32,
    pub kind: String,
    pub actions: Vec<(OpSource, Op)>,
    pub rollback: Vec<(OpSource, Op)>,
    pub waves: Vec<WaveFile>,
}

#[derive(Debug, Clone)]
pub struct WaveFile {
    pub number: u32,
    /// `pilot` or `wave`.
    pub label: String,
    pub actions: Vec<(OpSource, Op)>,
    pub rollback: Vec<(OpSource, Op)>,
}

impl PlanFile {
    /// The hash of the ops as read, made as `licplan plan` makes it (equal to `plan_hash` when
    /// no op was edited).
    pub fn computed_hash(&self) -> String {
        let mut h = PlanHasher::new(self.export_hash.as_deref().unwrap_or(""));
        for s in &self.stages {
            h.stage(s.number);
            s.actions.iter().for_each(|(_, op)| h.op(op));
            h.rollback();
            s.rollback.iter().for_each(|(_, op)| h.op(op));
            for w in &s.waves {
                h.wave(w.number);
                w.actions.iter().for_each(|(_, op)| h.op(op));
                h.rollback();
                w.rollback.iter().for_each(|(_, op)| h.op(op));
            }
        }
        h.finish()
    }

    /// Checks that the plan was made from this export (its hash), for a command that replays
    /// the plan on it; `hint` says what to do instead.
    ///
    /// # Errors
    ///
    /// An error naming the plan file's `export.hash` when the two differ.
    pub fn check_export(
        &self,
        tenant: &crate::model::Tenant,
        hint: &str,
    ) -> Result<(), InputError> {
        let export = crate::model::fingerprint::export_hash(tenant);
        if self.export_hash.as_deref() == Some(export.as_str()) {
            return Ok(());
        }
        Err(InputError::new(
            &self.path,
            Location::Record {
                index: 0,
                path: "$.export.hash".into(),
            },
            format!(
                "the plan was made from another export (the plan names {}, the tenant given is {export})",
                self.export_hash.as_deref().unwrap_or("no export")
            ),
        )
        .field("export.hash")
        .hint(hint.to_owned()))
    }

    /// Refuses a plan without a hash, or whose ops are not those its hash was made of.
    ///
    /// # Errors
    ///
    /// One error naming the file and `plan_hash`.
    pub fn check_hash(&self) -> Result<(), InputError> {
        let at = Location::Record {
            index: 0,
            path: "$.plan_hash".into(),
        };
        match &self.plan_hash {
            None => Err(InputError::new(&self.path, at, "the plan has no plan_hash")
                .field("plan_hash")
                .hint("write the plan again with this licplan (licplan plan … --format json --output plan.json)")),
            Some(h) if *h != self.computed_hash() => Err(InputError::new(
                &self.path,
                at,
                "the plan's ops are not those its plan_hash was made of: the file was edited after licplan wrote it",
            )
            .field("plan_hash")
            .hint("plan again and review the new report; a bundle is made only from a plan as licplan wrote it")),
            Some(_) => Ok(()),
        }
    }

    /// Frees the ops a command carrying one unit (stage `stage`, or its wave `wave`) never
    /// reads: every rollback but the unit's, and every action after the unit. Call it after
    /// [`PlanFile::check_hash`], which reads them all. Nothing is freed when the plan has no
    /// such unit (selecting it then says so).
    pub fn keep_only_unit(&mut self, stage: u32, wave: Option<u32>) {
        let Some(s) = self.stages.iter().position(|x| x.number == stage) else {
            return;
        };
        let w = match wave {
            None => None,
            Some(k) => match self.stages[s].waves.iter().position(|x| x.number == k) {
                Some(w) => Some(w),
                None => return,
            },
        };
        for (i, st) in self.stages.iter_mut().enumerate() {
            let unit_stage = i == s;
            if !(unit_stage && w.is_none()) {
                st.rollback = Vec::new();
            }
            if i > s {
                st.actions = Vec::new();
            }
            for (j, wf) in st.waves.iter_mut().enumerate() {
                if !(unit_stage && w == Some(j)) {
                    wf.rollback = Vec::new();
                }
                if i > s || (unit_stage && w.is_none_or(|w| j > w)) {
                    wf.actions = Vec::new();
                }
            }
        }
    }

    /// Keeps only the rollback ops `keep` accepts (freeing the others): for a command that
    /// reads a few kinds of them. Call it after [`PlanFile::check_hash`], which reads them all.
    pub fn retain_rollbacks(&mut self, keep: impl Fn(&Op) -> bool) {
        let retain = |v: &mut Vec<(OpSource, Op)>| {
            v.retain(|(_, op)| keep(op));
            v.shrink_to_fit();
        };
        for st in &mut self.stages {
            retain(&mut st.rollback);
            st.waves.iter_mut().for_each(|w| retain(&mut w.rollback));
        }
    }

    /// The stage numbered `number`.
    pub fn stage(&self, number: u32) -> Option<&StageFile> {
        self.stages.iter().find(|s| s.number == number)
    }
}

/// Reads a plan file (JSON or YAML) with every action and rollback op.
///
/// # Errors
///
/// Every problem of every op at once, each naming its place; or one error when the file cannot
/// be read, is not a plan, or its stages or waves are not as `licplan plan` writes them.
pub fn read(path: &Path) -> Result<PlanFile, InputErrors> {
    let text = crate::docfile::read_text(
        path,
        "the plan file",
        "name a plan written by licplan plan (--format json or yaml)",
    )
    .map_err(|e| InputErrors(vec![e]))?;
    parse(&text, path)
}

/// Parses a plan file from text; `path` only names it in messages.
///
/// # Errors
///
/// As [`read`].
pub fn parse(text: &str, path: &Path) -> Result<PlanFile, InputErrors> {
    let one = |e: InputError| InputErrors(vec![e]);
    // Each op goes straight to its stage's or wave's list as it is read (no list of every op
    // of the file in between: a million-user plan has 800,000), and a bad one's problems are
    // kept with its place, to be reported in the order the stages are walked below.
    let mut lists: Vec<Lists> = Vec::new();
    let mut bad: BTreeMap<Place, Vec<InputError>> = BTreeMap::new();
    let mut count = 0usize;
    let doc = crate::docfile::read_plan_actions(text, path, &mut |at, v| {
        let index = count;
        count += 1;
        let op = crate::simulate::ops::file::convert(path, &at, index, &v);
        let (s, list, i) = match at {
            ActionAt::Stage(s, i) => (s, List::Stage(false), i),
            ActionAt::StageRollback(s, i) => (s, List::Stage(true), i),
            ActionAt::Wave(s, w, i) => (s, List::Wave(w, false), i),
            ActionAt::WaveRollback(s, w, i) => (s, List::Wave(w, true), i),
            // Not in a plan's stages (an ops file's `ops`): the stages are checked below.
            ActionAt::Op(_) => return Value::from(index),
        };
        match op {
            Ok(op) => {
                let mut source = at.to_string();
                source.shrink_to_fit();
                let entry = (OpSource { path: source }, op);
                if lists.len() <= s {
                    lists.resize_with(s + 1, Lists::default);
                }
                lists[s].list(list).push(entry);
            }
            Err(e) => {
                bad.insert((s, list, i), e);
            }
        }
        Value::from(index)
    })
    .map_err(one)?;
    let at = |p: &str| Location::Record {
        index: 0,
        path: p.to_owned(),
    };
    let Value::Object(top) = &doc else {
        return Err(one(InputError::new(path, at("$"), "a plan is a mapping")
            .hint("name a plan written by licplan plan")));
    };
    let Some(Value::Array(stages_v)) = top.get("stages") else {
        return Err(one(InputError::new(
            path,
            at("$.stages"),
            "no plan `stages` list",
        )
        .field("stages")
        .hint("name a plan written by licplan plan, not an ops file")));
    };
    let mut errors = Vec::new();
    // A list's problems, in its ops' order.
    let mut problems = |s: usize, list: List, errors: &mut Vec<InputError>| {
        let lo = (s, list, 0);
        let hi = (s, list, usize::MAX);
        let keys: Vec<Place> = bad.range(lo..=hi).map(|(k, _)| *k).collect();
        for k in keys {
            errors.extend(bad.remove(&k).unwrap_or_default());
        }
    };
    let number = |v: &Value, p: &str, errors: &mut Vec<InputError>| -> u32 {
        match v
            .get("number")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
        {
            Some(n) => n,
            None => {
                errors.push(
                    InputError::new(path, at(&format!("{p}.number")), "no stage or wave number")
                        .field("number")
                        .hint("a plan file comes from licplan plan; check the hand edits"),
                );
                0
            }
        }
    };
    let text_of =
        |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut stages = Vec::new();
    for (s, st) in stages_v.iter().enumerate() {
        let p = format!("$.stages[{s}]");
        let mut own = if s < lists.len() {
            std::mem::take(&mut lists[s])
        } else {
            Lists::default()
        };
        let mut waves = Vec::new();
        for (w, wave) in st
            .get("waves")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let number = number(wave, &format!("{p}.waves[{w}]"), &mut errors);
            problems(s, List::Wave(w, false), &mut errors);
            problems(s, List::Wave(w, true), &mut errors);
            let (actions, rollback) = own.waves.get_mut(w).map(std::mem::take).unwrap_or_default();
            waves.push(WaveFile {
                number,
                label: text_of(wave, "label"),
                actions,
                rollback,
            });
        }
        let number = number(st, &p, &mut errors);
        problems(s, List::Stage(false), &mut errors);
        problems(s, List::Stage(true), &mut errors);
        stages.push(StageFile {
            number,
            kind: text_of(st, "kind"),
            actions: own.actions,
            rollback: own.rollback,
            waves,
        });
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let export = top.get("export");
    let placeholders = top
        .get("placeholders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| PlaceholderRef {
            group_id: text_of(p, "group_id"),
            group_name: text_of(p, "group_name"),
            unique_name: text_of(p, "unique_name"),
        })
        .collect();
    Ok(PlanFile {
        path: path.to_owned(),
        name: s(top.get("name")).unwrap_or_default(),
        plan_hash: s(top.get("plan_hash")),
        export_hash: s(export.and_then(|e| e.get("hash"))),
        tenant_id: s(export.and_then(|e| e.get("tenant_id"))),
        placeholders,
        stages,
        doc,
    })
}
