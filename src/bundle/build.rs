//! A bundle built in memory: the plan replayed to the unit's start, the unit and its rollback
//! translated, the undo proven on a second replay; then every file, made as it is written.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use crate::ingest::error::InputError;
use crate::model::{GroupId, Tenant, UserId};
use crate::plan::file::PlanFile;
use crate::simulate::engine::{Replayer, UserView};
use crate::simulate::rules::Rules;
use crate::simulate::state::State;

use crate::output::OutputError;

use super::folder::Sink;
use super::manifest::{
    ExportRef, Manifest, OpKind, Pacing, Placeholder, PlanRef, StageRef, UndoProof, WaveRef, SCHEMA,
};
use super::translate::{Built, Translator};
use super::unit::Unit;

/// Users named in an undo-proof reason, at most.
const NAMED: usize = 5;

/// A bundle: its manifest, from which [`write_files`] makes every file.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
}

fn placeholders(plan: &PlanFile) -> BTreeMap<GroupId, String> {
    plan.placeholders
        .iter()
        .filter_map(|p| Some((GroupId::parse(&p.group_id).ok()?, p.unique_name.clone())))
        .collect()
}

/// The tenant as the plan simulated it: with the organization's usage location the plan
/// relies on (the intent's `default_usage_location`, recorded in the plan's summary).
pub fn as_planned<'t>(tenant: &'t Tenant, plan: &PlanFile) -> Cow<'t, Tenant> {
    let planned = plan
        .doc
        .pointer("/summary/default_usage_location")
        .and_then(serde_json::Value::as_str)
        .and_then(|c| crate::model::CountryCode::parse_optional(c).ok().flatten());
    match planned {
        Some(c) if tenant.default_usage_location != Some(c) => {
            let mut t = tenant.clone();
            t.default_usage_location = Some(c);
            Cow::Owned(t)
        }
        _ => Cow::Borrowed(tenant),
    }
}

/// A replay of the plan up to the unit's start (give it the tenant [`as_planned`]) (a [`Translator`] ready for the unit).
///
/// # Errors
///
/// An action before the unit whose names do not resolve.
pub fn translator_at_start<'r>(
    tenant: &'r Tenant,
    rules: &'r Rules,
    unit: &Unit<'_>,
) -> Result<Translator<'r>, InputError> {
    let shared = crate::inspect::shared_proxy_addresses(tenant);
    translator_with(tenant, rules, unit, &shared)
}

/// [`translator_at_start`] with the tenant's shared proxy addresses found already.
fn translator_with<'r>(
    tenant: &'r Tenant,
    rules: &'r Rules,
    unit: &Unit<'_>,
    shared: &crate::inspect::SharedProxies,
) -> Result<Translator<'r>, InputError> {
    let rp = Replayer::new(State::with_shared(tenant, rules, shared), &unit.plan.path);
    let mut t = Translator::new(rp, placeholders(unit.plan), &unit.plan.path);
    t.replay(unit.before())?;
    Ok(t)
}

/// Builds the bundle of `unit`.
///
/// # Errors
///
/// An action whose names do not resolve or that has no Graph call.
pub fn build(tenant: &Tenant, rules: &Rules, unit: &Unit<'_>) -> Result<Bundle, InputError> {
    let plan = unit.plan;
    let tenant = &*as_planned(tenant, plan);
    let shared = crate::inspect::shared_proxy_addresses(tenant);
    // The undo proof's own replay to the unit's start runs beside the translation: the same
    // replay, so a name that does not resolve fails both alike (the translation's is reported).
    let (start, translated) = crate::par::join(
        || {
            let mut t = translator_with(tenant, rules, unit, &shared)?;
            t.rp.settle();
            Ok::<_, InputError>(t)
        },
        || {
            let mut t = translator_with(tenant, rules, unit, &shared)?;
            let fwd = t.translate(unit.actions(), &unit.id_prefix(false))?;
            let undo = t.translate(unit.rollback(), &unit.id_prefix(true))?;
            Ok::<_, InputError>((fwd, undo))
        },
    );
    let (mut fwd, undo) = translated?;
    link_inverses(&mut fwd, &undo);
    let proof = prove(start?, unit, &fwd, &undo)?;
    let mut kinds: BTreeSet<OpKind> = fwd.ops.iter().map(|o| o.kind).collect();
    kinds.extend(undo.ops.iter().map(|o| o.kind));
    // The roles that can make every write of the bundle, apply and undo (one role runs it).
    let (scopes, roles) = OpKind::scopes_and_roles(&kinds);
    let used = used_placeholders(plan, fwd.ops.iter().chain(&undo.ops));
    let manifest = Manifest {
        schema: SCHEMA.into(),
        plan: PlanRef {
            name: plan.name.clone(),
            hash: plan.plan_hash.clone().unwrap_or_default(),
        },
        export: ExportRef {
            hash: plan.export_hash.clone().unwrap_or_default(),
            tenant_id: plan.tenant_id.clone(),
        },
        stage: StageRef {
            number: unit.stage_number(),
            kind: unit.stage_file().kind.clone(),
            title: unit.title(),
        },
        wave: unit.wave_number().map(|number| WaveRef {
            number,
            label: unit.wave_label().unwrap_or("").to_owned(),
        }),
        scopes: scopes.into_iter().map(str::to_owned).collect(),
        roles: roles.into_iter().map(str::to_owned).collect(),
        pacing: Pacing {
            writes_per_window: crate::plan::builder::PACED_WRITES_PER_WINDOW,
            window_seconds: (crate::plan::builder::WINDOW_MINUTES * 60.0) as u64,
        },
        placeholders: plan
            .placeholders
            .iter()
            .filter(|p| used.contains(&p.unique_name))
            .map(|p| Placeholder {
                unique_name: p.unique_name.clone(),
                display_name: p.group_name.clone(),
                placeholder_id: p.group_id.clone(),
            })
            .collect(),
        ops: fwd.ops,
        undo: undo.ops,
        undo_proof: proof,
    };
    Ok(Bundle { manifest })
}

/// The `uniqueName`s whose placeholder token appears in an op (its JSON): one search for every
/// token at once, each op written into one buffer.
fn used_placeholders<'o>(
    plan: &PlanFile,
    ops: impl Iterator<Item = &'o super::manifest::Operation>,
) -> BTreeSet<String> {
    let tokens: Vec<String> = plan
        .placeholders
        .iter()
        .map(|p| super::translate::placeholder_token(&p.unique_name))
        .collect();
    let mut used = vec![false; tokens.len()];
    let Ok(ac) = aho_corasick::AhoCorasick::new(&tokens) else {
        return BTreeSet::new();
    };
    let mut buf = Vec::new();
    for op in ops {
        buf.clear();
        if serde_json::to_writer(&mut buf, op).is_err() {
            continue;
        }
        for m in ac.find_overlapping_iter(&buf) {
            used[m.pattern().as_usize()] = true;
        }
    }
    plan.placeholders
        .iter()
        .zip(used)
        .filter(|(_, u)| *u)
        .map(|(p, _)| p.unique_name.clone())
        .collect()
}

/// Each forward op's inverse: the undo ops that touch what it touches, in the undo's order.
/// The undo ops are indexed by key (a stage of 177,000 member additions has as many undo ops:
/// comparing every pair took minutes at a million users).
fn link_inverses(fwd: &mut Built, undo: &Built) {
    let mut by_key: BTreeMap<&super::translate::Key, Vec<usize>> = BTreeMap::new();
    for (i, keys) in undo.keys.iter().enumerate() {
        for k in keys {
            by_key.entry(k).or_default().push(i);
        }
    }
    for (op, keys) in fwd.ops.iter_mut().zip(&fwd.keys) {
        let mut hits: Vec<usize> = keys
            .iter()
            .filter_map(|k| by_key.get(k))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup();
        op.inverse = hits.into_iter().map(|i| undo.ops[i].id.clone()).collect();
    }
}

/// From the plan replayed to the unit's start (processing completed), replays the unit, then
/// its undo (processing completed), and compares every user the unit touches with the start.
fn prove(
    mut t: Translator<'_>,
    unit: &Unit<'_>,
    fwd: &Built,
    undo: &Built,
) -> Result<UndoProof, InputError> {
    let mut users: BTreeSet<UserId> = fwd.users.union(&undo.users).copied().collect();
    for g in fwd.groups.iter().chain(&undo.groups) {
        if let Some(i) = t.rp.group_index(g) {
            let st = t.rp.state();
            users.extend(st.groups[i].members.iter().map(|u| st.user_record(*u).id));
        }
    }
    let start: Vec<(UserId, usize, UserView)> = users
        .iter()
        .filter_map(|id| {
            let i = t.rp.user_index(id)?;
            Some((*id, i, licensing(t.rp.user_view(i))))
        })
        .collect();
    t.replay(unit.actions().iter())?;
    let (errors, violations) = (t.rp.errors().len(), t.rp.violations().len());
    t.replay(unit.rollback().iter())?;
    t.rp.settle();
    let mut reasons = Vec::new();
    for e in &t.rp.errors()[errors..] {
        let who = e.user.as_deref().or(e.group.as_deref()).unwrap_or("");
        reasons.push(format!("the undo fails: {} {who}: {}", e.error, e.detail));
    }
    for v in &t.rp.violations()[violations..] {
        reasons.push(match v.user.as_deref() {
            Some(who) => format!("the undo takes from {who}: {}", v.lost),
            None => format!("the undo runs short of seats: {}", v.lost),
        });
    }
    let differ: Vec<String> = start
        .iter()
        .filter(|(_, i, view)| licensing(t.rp.user_view(*i)) != *view)
        .map(|(id, i, _)| {
            t.rp.state()
                .user_record(*i)
                .upn
                .clone()
                .unwrap_or_else(|| id.to_string())
        })
        .collect();
    if !differ.is_empty() {
        let mut named: Vec<String> = differ.iter().take(NAMED).cloned().collect();
        if differ.len() > NAMED {
            named.push(format!("and {} more", differ.len() - NAMED));
        }
        reasons.push(format!(
            "{} of {} user(s) do not hold after the undo what they held when the unit began: {}",
            differ.len(),
            start.len(),
            named.join(", ")
        ));
    }
    Ok(UndoProof {
        proven: reasons.is_empty(),
        users_checked: start.len() as u64,
        reasons,
    })
}

/// What the undo proof compares: licenses, paths and memberships. The usage location is left
/// out, as the planner's proof leaves it out: the engine may give a user the organization's
/// location when a license reaches them (R6), and no undo takes a location back.
fn licensing(mut v: UserView) -> UserView {
    v.location = None;
    v
}

fn json(w: &mut dyn Write, v: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, v)?;
    w.write_all(b"\n")
}

/// Where [`write_files`] puts each file: a bundle folder ([`Sink`]) or, for tests, a list.
pub trait Files {
    /// Writes the file `rel` (a path inside the bundle) with `write`.
    ///
    /// # Errors
    ///
    /// The file cannot be written.
    fn file(
        &mut self,
        rel: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError>;
}

impl Files for Sink<'_> {
    fn file(
        &mut self,
        rel: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        Sink::file(self, rel, write)
    }
}

impl Files for Vec<(String, Vec<u8>)> {
    fn file(
        &mut self,
        rel: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let mut bytes = Vec::new();
        write(&mut bytes).map_err(|source| OutputError::Io {
            path: rel.into(),
            source,
        })?;
        self.push((rel.to_owned(), bytes));
        Ok(())
    }
}

impl Bundle {
    /// Every file of the bundle with its bytes, in writing order.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        // Writing into memory cannot fail.
        let _ = write_files(&self.manifest, &mut out);
        out
    }
}

/// Writes every file of the bundle into `out`, in writing order (the manifest last, so a
/// folder holding a manifest holds the rest), each made as it is written.
///
/// # Errors
///
/// A file that cannot be written.
pub fn write_files(m: &Manifest, out: &mut dyn Files) -> Result<(), OutputError> {
    write_all_but_manifest(m, out)?;
    out.file(MANIFEST, &mut |w| json(w, m))
}

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// Writes the manifest into `w` as [`write_files`] does.
///
/// # Errors
///
/// `w` cannot be written.
pub fn write_manifest(m: &Manifest, w: &mut dyn Write) -> io::Result<()> {
    json(w, m)
}

/// Every file of [`write_files`] but the manifest, in writing order.
///
/// # Errors
///
/// A file that cannot be written.
pub fn write_all_but_manifest(m: &Manifest, out: &mut dyn Files) -> Result<(), OutputError> {
    out.file("apply.ps1", &mut |w| {
        w.write_all(&super::runner::apply_ps1())
    })?;
    out.file("undo.ps1", &mut |w| w.write_all(&super::runner::undo_ps1()))?;
    for (dir, ops, undo) in [("batch", &m.ops, false), ("undo-batch", &m.undo, true)] {
        for (i, b) in super::batch::Batches::new(ops).enumerate() {
            out.file(&format!("{dir}/{:03}.json", i + 1), &mut |w| json(w, &b))?;
        }
        out.file(&format!("{dir}/README.md"), &mut |w| {
            w.write_all(super::batch::readme(undo).as_bytes())
        })?;
    }
    out.file("README.md", &mut |w| {
        w.write_all(super::readme::readme(m).as_bytes())
    })
}
