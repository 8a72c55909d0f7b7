//! Drawing the staged plan for a set of movers: carrying groups, the five steps of R12, the
//! product-change stages of R11, and waves. The result is both the document's stages and the op
//! sequence the simulator replays, each op tagged with its stage and wave.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::Catalog;
use crate::model::{GroupId, PlanId, PlanIds, SkuId, Tenant, UserId};
use crate::simulate::engine::planned_group_id;
use crate::simulate::ops::{LicenseSpec, Op, OpSource};
use crate::simulate::rules::Rules;

use super::doc::{Action, ActionLicense, Stage, StageKind, Text, Wave};
use super::intent::{Carrier, Intent, Strategy, WaveSize};
use super::select::Mover;

/// Graph's documented write throttling for identity writes: 3,000 per 2.5 minutes per app and
/// tenant. A wave of N writes takes at least ceil(N / 3000) windows.
pub const WRITES_PER_WINDOW: u64 = 3000;
pub const WINDOW_MINUTES: f64 = 2.5;

pub fn min_minutes(writes: u64) -> f64 {
    writes.div_ceil(WRITES_PER_WINDOW) as f64 * WINDOW_MINUTES
}

/// A group that carries a license for some movers.
#[derive(Debug, Clone)]
pub struct Carrying {
    pub id: GroupId,
    pub name: String,
    pub created: bool,
    /// The plan assigns the license (a new group, or an existing one without it).
    pub assigns: bool,
    pub sku: SkuId,
    pub disabled: PlanIds,
    pub mv: usize,
    /// Movers (indexes, ascending) the plan adds as members.
    pub add: Vec<usize>,
    /// Every mover (index, ascending) the group carries the license for, members already or
    /// added.
    pub movers: Vec<usize>,
    /// For migrate-then-change: the product and disabled plans the group changes to.
    pub change_to: Option<(SkuId, PlanIds)>,
}

/// The plan as stages, and as ops for the simulator.
pub struct Drawn {
    pub stages: Vec<Stage>,
    /// For each op: its stage number and wave number.
    pub segments: Vec<(u32, Option<u32>)>,
    pub carrying: Vec<Carrying>,
}

/// Names and plans of products, for actions people read.
pub struct Names<'a> {
    pub t: &'a Tenant,
}

impl Names<'_> {
    pub fn sku(&self, s: SkuId) -> String {
        self.t
            .skus
            .get(&s)
            .and_then(|x| x.part_number.clone())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.part_number.clone()))
            .unwrap_or_else(|| s.to_string())
    }

    pub fn plans_of(&self, s: SkuId) -> Vec<crate::model::ServicePlan> {
        self.t
            .skus
            .get(&s)
            .map(|x| x.service_plans.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| Catalog::bundled().sku(s).map(|c| c.service_plans.clone()))
            .unwrap_or_default()
    }

    pub fn plan(&self, s: SkuId, p: PlanId) -> String {
        self.plans_of(s)
            .into_iter()
            .find(|x| x.id == p)
            .map_or_else(|| p.to_string(), |x| x.name)
    }

    pub fn plan_list(&self, s: SkuId, ps: &PlanIds) -> Vec<String> {
        let mut v: Vec<String> = ps.iter().map(|p| self.plan(s, *p)).collect();
        v.sort();
        v
    }
}

/// The disabled plans of `to` that keep at least every service a user had in `from` (or its
/// successor) and mirror what the user had disabled (R11).
pub fn map_disabled(
    names: &Names<'_>,
    rules: &Rules,
    from: SkuId,
    to: SkuId,
    disabled: &PlanIds,
) -> PlanIds {
    if from == to {
        return disabled.clone();
    }
    let from_plans: PlanIds = names.plans_of(from).iter().map(|p| p.id).collect();
    let enabled: PlanIds = from_plans.difference(disabled).copied().collect();
    let carries = |set: &PlanIds, q: PlanId| {
        set.contains(&q) || set.iter().any(|p| rules.successors(*p).contains(&q))
    };
    names
        .plans_of(to)
        .iter()
        .map(|p| p.id)
        .filter(|q| carries(disabled, *q) && !carries(&enabled, *q))
        .collect()
}

fn action(op: &'static str) -> Action {
    Action {
        op,
        group: None,
        group_id: None,
        group_name: None,
        security_enabled: None,
        user: None,
        user_upn: None,
        sku: None,
        sku_part_number: None,
        disabled_plans: Vec::new(),
        add: Vec::new(),
        remove: Vec::new(),
    }
}

/// The op an action stands for (ids where the action has them, so a plan replays exactly).
pub fn to_op(a: &Action) -> Op {
    let text = |t: &Option<Text>| t.as_deref().unwrap_or_default().to_owned();
    let group = text(&a.group);
    let user = text(&a.user);
    let sku = text(&a.sku);
    match a.op {
        "create-group" => Op::CreateGroup {
            group,
            security_enabled: a.security_enabled.unwrap_or(true),
        },
        "assign-group-license" => Op::AssignGroupLicense {
            group,
            sku,
            disabled_plans: a.disabled_plans.clone(),
        },
        "change-group-license" => Op::ChangeGroupLicense {
            group,
            add: a
                .add
                .iter()
                .map(|l| LicenseSpec {
                    sku: l.sku.clone(),
                    disabled_plans: l.disabled_plans.clone(),
                })
                .collect(),
            remove: a.remove.iter().map(|s| s.to_string()).collect(),
        },
        "add-member" => Op::AddMember { group, user },
        "reprocess" => Op::Reprocess {
            group: None,
            user: Some(user),
        },
        "remove-direct-license" => Op::RemoveDirectLicense { user, sku },
        "change-direct-license" => Op::ChangeDirectLicense {
            user,
            add: a
                .add
                .iter()
                .map(|l| LicenseSpec {
                    sku: l.sku.clone(),
                    disabled_plans: l.disabled_plans.clone(),
                })
                .collect(),
            remove: a.remove.iter().map(|s| s.to_string()).collect(),
        },
        _ => Op::WaitForProcessing {
            group: a.group.as_deref().map(str::to_owned),
        },
    }
}

/// Chooses carrying groups: one per distinct (product, disabled plans) set of each move, the
/// intent's group for the most common set.
fn carrying_groups(
    t: &Tenant,
    rules: &Rules,
    intent: &Intent,
    movers: &[Mover],
    names: &Names<'_>,
) -> Vec<Carrying> {
    let mut out: Vec<Carrying> = Vec::new();
    let mut used_names: BTreeSet<String> = t
        .groups
        .values()
        .filter_map(|g| g.display_name.as_ref().map(|n| n.to_lowercase()))
        .collect();
    for (mi, mv) in intent.moves.iter().enumerate() {
        // The product the carrying groups hold while users join them.
        let staged = match mv.strategy {
            Strategy::MigrateThenChange => mv.from,
            Strategy::ChangeThenMigrate => mv.to,
        };
        let mut sets: BTreeMap<PlanIds, Vec<usize>> = BTreeMap::new();
        let moving: rustc_hash::FxHashSet<UserId> = movers
            .iter()
            .filter(|m| m.mv == mi)
            .map(|m| m.user)
            .collect();
        for (i, m) in movers.iter().enumerate().filter(|(_, m)| m.mv == mi) {
            let d = if staged == mv.from {
                m.disabled.clone()
            } else {
                m.target_disabled.clone()
            };
            // Covered already: an existing group gives the user the staged product with at
            // least the same plans enabled (R1, R3) — no new membership needed.
            let u = m.record;
            let covered = {
                mv.from == mv.to
                    && u.assignments.iter().any(|a| {
                        let carried = match a.path {
                            crate::model::AssignmentPath::Group(g) => {
                                t.groups.get(&g).is_some_and(|g| {
                                    g.security_enabled == Some(true)
                                        && g.has_user(m.user)
                                        && g.licenses.iter().any(|l| l.sku == staged)
                                })
                            }
                            _ => false,
                        };
                        a.sku == staged
                            && carried
                            && !a.is_error()
                            && a.disabled_plans.is_subset(&d)
                    })
            };
            if !covered {
                sets.entry(d).or_default().push(i);
            } else {
                sets.entry(d).or_default();
            }
        }
        sets.retain(|_, v| !v.is_empty());
        if sets.is_empty() {
            continue;
        }
        // The most common set first (ties: fewer disabled plans, then by plans).
        let mut order: Vec<(PlanIds, Vec<usize>)> = sets.into_iter().collect();
        order.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then(a.0.len().cmp(&b.0.len()))
                .then(a.0.cmp(&b.0))
        });
        let existing = match &mv.group {
            Carrier::Existing(g) => t.groups.get(g),
            Carrier::New(_) => None,
        };
        let base = match &mv.group {
            Carrier::Existing(_) => existing.map_or_else(|| mv.group_text.clone(), |g| g.label()),
            Carrier::New(n) => n.clone(),
        };
        for (k, (d, members)) in order.into_iter().enumerate() {
            // An existing group is used as it is when it already carries this set, or when it
            // carries nothing yet and takes the most common set; otherwise the plan creates one.
            let reuse = existing.and_then(|g| {
                let lic = g.licenses.iter().find(|l| l.sku == staged);
                // A dynamic or synced group cannot take new members, so it carries the license
                // itself; a group with other products is otherwise left alone.
                let fixed_membership = g.kind() != crate::model::GroupKind::Static;
                // Licensing an existing group licenses all its members: only when each is a
                // user this move moves.
                let only_movers = g.user_members().all(|u| moving.contains(&u));
                match lic {
                    Some(l) if l.disabled_plans == d => Some((g.id, false)),
                    None if k == 0
                        && only_movers
                        && (g.licenses.is_empty() || fixed_membership) =>
                    {
                        Some((g.id, true))
                    }
                    _ => None,
                }
            });
            let (id, name, created, assigns) = match reuse {
                Some((id, assigns)) => (id, base.clone(), false, assigns),
                None => {
                    let mut parts = Vec::new();
                    if existing.is_some_and(|g| !g.licenses.iter().any(|l| l.sku == staged)) {
                        if staged == mv.from && mv.from != mv.to {
                            // A staging group: it holds the old product until the change.
                            parts.push(format!("from {}", names.sku(staged)));
                        } else {
                            parts.push(names.sku(staged));
                        }
                    }
                    if !d.is_empty() {
                        parts.push(format!(
                            "without {}",
                            names.plan_list(staged, &d).join(", ")
                        ));
                    }
                    let mut name = if parts.is_empty() {
                        base.clone()
                    } else {
                        format!("{base} ({})", parts.join(" "))
                    };
                    let stem = name.clone();
                    let mut n = 2;
                    while used_names.contains(&name.to_lowercase()) {
                        name = format!("{stem} {n}");
                        n += 1;
                    }
                    used_names.insert(name.to_lowercase());
                    (planned_group_id(&name), name, true, true)
                }
            };
            let change_to = (mv.strategy == Strategy::MigrateThenChange && mv.from != mv.to)
                .then(|| (mv.to, map_disabled(names, rules, mv.from, mv.to, &d)));
            let all = members.clone();
            let add: Vec<usize> = members
                .into_iter()
                .filter(|i| {
                    created
                        || !t
                            .groups
                            .get(&id)
                            .is_some_and(|g| g.has_user(movers[*i].user))
                })
                .collect();
            out.push(Carrying {
                id,
                name,
                created,
                assigns,
                sku: staged,
                disabled: d,
                mv: mi,
                add,
                movers: all,
                change_to,
            });
        }
    }
    out
}

/// Splits users into the pilot and later waves.
fn waves(n: usize, pilot: u64, size: WaveSize) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    // Sizes beyond the users left mean "everyone left": saturating, never wrapping (a wave size
    // of u64::MAX once wrapped `i + step` and panicked).
    let pilot = usize::try_from(pilot).unwrap_or(usize::MAX).min(n);
    if pilot > 0 {
        out.push(("pilot".to_owned(), 0..pilot));
    }
    let rest = n - pilot;
    let step = match size {
        WaveSize::Count(c) => usize::try_from(c).unwrap_or(usize::MAX),
        // `as` saturates float-to-int casts; the share is at most 100% of `rest`.
        WaveSize::Percent(p) => ((rest as f64) * p / 100.0).ceil() as usize,
    }
    .max(1);
    let mut i = pilot;
    while i < n {
        let end = i.saturating_add(step).min(n);
        out.push(("wave".to_owned(), i..end));
        i = end;
    }
    out
}

struct Builder {
    stages: Vec<Stage>,
    segments: Vec<(u32, Option<u32>)>,
}

impl Builder {
    fn stage(&mut self, kind: StageKind, title: &str, purpose: String) -> usize {
        let number = self.stages.len() as u32 + 1;
        self.stages.push(Stage {
            number,
            kind,
            title: title.to_owned(),
            purpose,
            gates: Vec::new(),
            actions: Vec::new(),
            waves: Vec::new(),
            risks: Vec::new(),
            rollback: Vec::new(),
            writes: 0,
            min_minutes: 0.0,
        });
        self.stages.len() - 1
    }

    fn act(&mut self, s: usize, a: Action) {
        let st = &mut self.stages[s];
        self.segments.push((st.number, None));
        st.actions.push(a);
    }

    /// Splits the movers (sorted by UPN) into the pilot and later waves of stage `s`, each wave
    /// with its gate, and its users' actions made by `action`.
    fn waves(
        &mut self,
        s: usize,
        intent: &Intent,
        mut movers: Vec<&Mover>,
        gates: (&str, &str),
        action: &dyn Fn(&Mover) -> Action,
    ) {
        movers.sort_by(|a, b| a.key().cmp(&b.key()));
        for (label, range) in waves(movers.len(), intent.pilot, intent.size) {
            let w = self.stages[s].waves.len();
            let gate = if label == "pilot" { gates.0 } else { gates.1 };
            self.stages[s].waves.push(Wave {
                number: w as u32 + 1,
                label,
                users: range.len() as u64,
                actions: Vec::new(),
                gates: vec![gate.to_owned()],
                writes: 0,
                min_minutes: 0.0,
            });
            for m in &movers[range] {
                self.wave_act(s, w, action(m));
            }
        }
    }

    fn wave_act(&mut self, s: usize, w: usize, a: Action) {
        let st = &mut self.stages[s];
        let wave = &mut st.waves[w];
        self.segments.push((st.number, Some(wave.number)));
        wave.actions.push(a);
    }

    fn finish(&mut self) {
        for st in &mut self.stages {
            for w in &mut st.waves {
                w.writes = w
                    .actions
                    .iter()
                    .filter(|a| a.op != "wait-for-processing")
                    .count() as u64;
                w.min_minutes = min_minutes(w.writes);
            }
            st.writes = st
                .actions
                .iter()
                .filter(|a| a.op != "wait-for-processing")
                .count() as u64
                + st.waves.iter().map(|w| w.writes).sum::<u64>();
            st.min_minutes = min_minutes(
                st.actions
                    .iter()
                    .filter(|a| a.op != "wait-for-processing")
                    .count() as u64,
            ) + st.waves.iter().map(|w| w.min_minutes).sum::<f64>();
        }
    }
}

fn user_action(op: &'static str, m: &Mover) -> Action {
    let mut a = action(op);
    a.user = Some(m.id_text.clone());
    a.user_upn = m.upn.clone();
    a
}

/// Draws the plan for these movers.
pub fn draw(t: &Tenant, rules: &Rules, intent: &Intent, movers: &[Mover]) -> Drawn {
    let names = Names { t };
    let carrying = carrying_groups(t, rules, intent, movers, &names);
    let mut b = Builder {
        stages: Vec::new(),
        segments: Vec::new(),
    };
    let products: Vec<String> = {
        let mut v: Vec<String> = intent
            .moves
            .iter()
            .flat_map(|m| [names.sku(m.from), names.sku(m.to)])
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let direct_products: Vec<String> = {
        let mut v: Vec<String> = intent.moves.iter().map(|m| names.sku(m.from)).collect();
        v.sort();
        v.dedup();
        v
    };

    // Each product's id and part number, made once for every action that names it.
    let sku_texts: BTreeMap<SkuId, (Text, Text)> = intent
        .moves
        .iter()
        .flat_map(|m| [m.from, m.to])
        .chain(carrying.iter().map(|c| c.sku))
        .map(|s| (s, (Text::from(s.to_string()), Text::from(names.sku(s)))))
        .collect();
    let sku_text = |s: SkuId| {
        sku_texts
            .get(&s)
            .cloned()
            .unwrap_or_else(|| (s.to_string().into(), names.sku(s).into()))
    };
    let pair_text = |from: SkuId, to: SkuId| -> Text {
        format!("{} -> {}", sku_text(from).1, sku_text(to).1).into()
    };

    // Stage 1 (R12 step 1).
    let s = b.stage(
        StageKind::KeepAutomation,
        "Keep the existing license automation running",
        "Microsoft's first step: leave the scripts or tools that assign licenses today running as they are, so no user is left without a license while groups take over.".into(),
    );
    b.stages[s].gates.push(format!(
        "The automation that assigns {} directly keeps running unchanged and removes no license from users in this plan.",
        direct_products.join(", ")
    ));
    b.stages[s].gates.push("Before the removal waves, switch off only the part that would re-assign the removed direct licenses; nothing else.".into());
    b.stages[s].risks.push("Automation that removes licenses from users it no longer manages would strip the direct path before groups take over.".into());
    b.stages[s]
        .rollback
        .push("Nothing to roll back: no change is made.".into());

    // Product changes done on direct assignments first (change-then-migrate, R11).
    let change_first: Vec<&Mover> = movers
        .iter()
        .filter(|m| {
            let mv = &intent.moves[m.mv];
            mv.strategy == Strategy::ChangeThenMigrate && mv.from != mv.to
        })
        .collect();
    if !change_first.is_empty() {
        let s = b.stage(
            StageKind::ChangeDirect,
            "Change the direct licenses atomically, in waves",
            "Each user's direct license is changed in one call that adds the new product and removes the old one, so the user never holds neither (R11); the services the user had stay enabled (or their successors).".into(),
        );
        b.waves(
            s,
            intent,
            change_first.clone(),
            (
                "Pilot users hold the new product directly, state Active, and confirm their services work for at least one business day.",
                "Every user of the wave holds the new product directly, state Active; no user reports lost services.",
            ),
            &|m| {
                let mv = &intent.moves[m.mv];
                let mut a = user_action("change-direct-license", m);
                a.add.push(ActionLicense {
                    sku: mv.to.to_string(),
                    disabled_plans: names.plan_list(mv.to, &m.target_disabled),
                });
                a.remove.push(sku_text(mv.from).0);
                a.sku_part_number = Some(pair_text(mv.from, mv.to));
                a
            },
        );
        b.stages[s].gates.push(
            "Seats of the new product suffice for every wave (see the seat forecast).".into(),
        );
        b.stages[s].risks.push("A user holding the old product through a group too gets a conflict (MutuallyExclusiveViolation); such users are held back.".into());
        b.stages[s].rollback.push("Change the user back in one call: add the old product with its former disabled plans and remove the new one.".into());
    }

    // Stage 2 (R12 step 2).
    let s = b.stage(
        StageKind::AssignGroups,
        "Create the licensing groups, assign their licenses, add the users",
        "Groups that carry the same licenses the users hold directly (one group per distinct set of disabled plans, so every user keeps exactly the services it has), with the users as direct members.".into(),
    );
    // Each carrying group's id and name, made once for every action that names it.
    let group_texts: Vec<(Text, Text)> = carrying
        .iter()
        .map(|c| (c.id.to_string().into(), c.name.as_str().into()))
        .collect();
    for (c, (gid, gname)) in carrying.iter().zip(&group_texts) {
        if c.created {
            // The simulator derives a created group's id from its name, as the plan did.
            let mut a = action("create-group");
            a.group = Some(gname.clone());
            a.group_id = Some(gid.clone());
            a.security_enabled = Some(true);
            b.act(s, a);
        }
        if c.assigns {
            let mut a = action("assign-group-license");
            let (sku, part_number) = sku_text(c.sku);
            a.group = Some(gid.clone());
            a.group_name = Some(gname.clone());
            a.sku = Some(sku);
            a.sku_part_number = Some(part_number);
            a.disabled_plans = names.plan_list(c.sku, &c.disabled);
            b.act(s, a);
        }
    }
    for (c, (gid, gname)) in carrying.iter().zip(&group_texts) {
        let mut adds: Vec<&Mover> = c.add.iter().map(|i| &movers[*i]).collect();
        adds.sort_by(|a, b| a.key().cmp(&b.key()));
        for m in adds {
            let mut a = user_action("add-member", m);
            a.group = Some(gid.clone());
            a.group_name = Some(gname.clone());
            b.act(s, a);
        }
        // Members already, yet not licensed by the group (an error state cleared since, or an
        // export taken mid-processing): reprocessing makes the group license them (R8).
        let mut again: Vec<&Mover> = c
            .movers
            .iter()
            // `add` is a subsequence of `movers`, both in ascending order.
            .filter(|i| c.add.binary_search(i).is_err())
            .map(|i| &movers[*i])
            .collect();
        again.sort_by(|a, b| a.key().cmp(&b.key()));
        for m in again {
            let mut a = user_action("reprocess", m);
            a.group = None;
            b.act(s, a);
        }
    }
    b.stages[s].gates.push("Every carrying group exists, is security-enabled and carries the product with exactly the disabled plans listed (Get-MgGroup -GroupId <id> -Property assignedLicenses), and every listed user is a direct member (Get-MgGroupMember -GroupId <id> -All).".into());
    b.stages[s].risks.push("A user with a conflicting, dependent or location-restricted license, or a duplicate proxy address, would get an error instead of the group license; the simulation holds such users back.".into());
    b.stages[s].rollback.push("Remove the added members and the groups' licenses, then delete the groups the plan created; the direct licenses are untouched.".into());

    // Stage 3 (R12 step 3).
    let s = b.stage(
        StageKind::VerifyDualAssignment,
        "Verify dual assignment",
        "Wait for group processing, then check that every user holds the license both directly and inherited; no extra seat is consumed (R2).".into(),
    );
    let mut wait = action("wait-for-processing");
    wait.group = None;
    b.act(s, wait);
    b.stages[s].gates.push("Each carrying group's licenseProcessingState is ProcessingComplete (Get-MgGroup -GroupId <id> -Property licenseProcessingState).".into());
    b.stages[s].gates.push(format!(
        "Every moving user's licenseAssignmentStates lists {} twice: once with assignedByGroup null and once with the carrying group's id, both state Active (Get-MgUser -UserId <upn> -Property licenseAssignmentStates).",
        products.join(" / ")
    ));
    b.stages[s]
        .gates
        .push("Consumed seats are unchanged by the groups (see the seat forecast).".into());
    b.stages[s].risks.push(
        "Large groups take long to process (R8); do not go on before processing completes.".into(),
    );
    b.stages[s].rollback.push("As stage 2.".into());

    // Stage 4 (R12 step 4).
    let s = b.stage(
        StageKind::CheckErrors,
        "Check the groups for licensing errors",
        "No carrying group may have a member in a licensing error state before any direct license is removed.".into(),
    );
    b.stages[s].gates.push("Get-MgGroup -All -Filter \"hasMembersWithLicenseErrors eq true\" returns none of the carrying groups; the admin center shows \"All licenses assigned\" for each.".into());
    b.stages[s].risks.push("A member in error holds only its direct license: removing it in stage 5 would leave the user without the product.".into());
    b.stages[s]
        .rollback
        .push("Nothing to roll back: this stage only checks.".into());

    // Stage 5 (R12 step 5).
    let s = b.stage(
        StageKind::RemoveDirect,
        "Remove the direct assignments in waves",
        "Remove the direct licenses gradually, a pilot first, checking each wave before the next; the inherited licenses keep every service.".into(),
    );
    b.waves(
        s,
        intent,
        movers.iter().collect(),
        (
            "Pilot users hold the license only inherited, state Active, and confirm their services work for at least one business day before the next wave.",
            "Every user of the wave holds the license inherited, state Active; no user reports lost services.",
        ),
        &|m| {
            let mv = &intent.moves[m.mv];
            let sku = match mv.strategy {
                Strategy::ChangeThenMigrate => mv.to,
                Strategy::MigrateThenChange => mv.from,
            };
            let mut a = user_action("remove-direct-license", m);
            let (sku, part_number) = sku_text(sku);
            a.sku = Some(sku);
            a.sku_part_number = Some(part_number);
            a
        },
    );
    b.stages[s].risks.push("Removing a direct license that enables more than the group does loses services; the plan's groups mirror each user's disabled plans so none is lost.".into());
    b.stages[s].risks.push("Users who later leave a carrying group lose the license: membership now decides licensing (R10).".into());
    b.stages[s].rollback.push("Re-assign the direct license with the user's former disabled plans (Set-MgUserLicense -UserId <upn> -AddLicenses @{SkuId=<sku>; DisabledPlans=@(...)} -RemoveLicenses @()).".into());

    // Product changes on the groups (migrate-then-change, R11).
    let changes: Vec<&Carrying> = carrying.iter().filter(|c| c.change_to.is_some()).collect();
    if !changes.is_empty() {
        let s = b.stage(
            StageKind::ChangeProducts,
            "Change the groups' product in one atomic update each",
            "Each carrying group's license assignment is updated once: the new product is added and the old one removed in the same update, so members never hold neither and see no conflict (R11).".into(),
        );
        for c in &changes {
            let Some((to, d)) = &c.change_to else {
                continue;
            };
            let mut a = action("change-group-license");
            a.group = Some(c.id.to_string().into());
            a.group_name = Some(c.name.as_str().into());
            a.add.push(ActionLicense {
                sku: to.to_string(),
                disabled_plans: names.plan_list(*to, d),
            });
            a.remove.push(sku_text(c.sku).0);
            a.sku_part_number = Some(pair_text(c.sku, *to));
            b.act(s, a);
        }
        b.stages[s].gates.push("Seats of the new product cover every member of the changed groups at once (see the seat forecast).".into());
        b.stages[s].risks.push("Members holding the old product on another path (direct or another group) get a conflict; the plan removes the direct path first and holds back users with other paths.".into());
        b.stages[s].rollback.push("Update each group back in one change: add the old product with its former disabled plans, remove the new one.".into());
        let s = b.stage(
            StageKind::VerifyProductChange,
            "Verify the product change",
            "Wait for processing; every member holds the new product inherited, and the old product's seats are freed.".into(),
        );
        b.act(s, action("wait-for-processing"));
        b.stages[s].gates.push("Each changed group's licenseProcessingState is ProcessingComplete and hasMembersWithLicenseErrors is false; members' licenseAssignmentStates show the new product, state Active.".into());
        b.stages[s]
            .risks
            .push("Processing of large groups takes long (R8).".into());
        b.stages[s].rollback.push("As the previous stage.".into());
    }
    b.finish();
    Drawn {
        stages: b.stages,
        segments: b.segments,
        carrying,
    }
}

/// The plan's ops in replay order, each made from its action when the simulator asks for it.
pub fn ops(stages: &[Stage]) -> impl Iterator<Item = (OpSource, Op)> + '_ {
    stages.iter().enumerate().flat_map(|(s, st)| {
        let own = st.actions.iter().enumerate().map(move |(i, a)| {
            (
                OpSource {
                    path: format!("stages[{s}].actions[{i}]"),
                },
                to_op(a),
            )
        });
        let waves = st.waves.iter().enumerate().flat_map(move |(w, wave)| {
            wave.actions.iter().enumerate().map(move |(i, a)| {
                (
                    OpSource {
                        path: format!("stages[{s}].waves[{w}].actions[{i}]"),
                    },
                    to_op(a),
                )
            })
        });
        own.chain(waves)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize, pilot: u64, size: WaveSize) -> Vec<usize> {
        waves(n, pilot, size)
            .into_iter()
            .map(|(_, r)| r.len())
            .collect()
    }

    #[test]
    fn huge_pilots_and_wave_sizes_saturate_instead_of_wrapping() {
        // Regression: `waves: {pilot: 1, size: 18446744073709551615}` wrapped `i + step`.
        assert_eq!(sizes(5, 1, WaveSize::Count(u64::MAX)), [1, 4]);
        assert_eq!(sizes(5, u64::MAX, WaveSize::Count(u64::MAX)), [5]);
        assert_eq!(sizes(5, 0, WaveSize::Count(u64::MAX)), [5]);
        assert_eq!(sizes(5, 2, WaveSize::Percent(100.0)), [2, 3]);
        assert_eq!(sizes(5, 0, WaveSize::Count(2)), [2, 2, 1]);
        assert!(sizes(0, u64::MAX, WaveSize::Count(u64::MAX)).is_empty());
    }
}
