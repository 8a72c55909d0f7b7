//! The stages of a plan as they are drawn: each new stage takes its texts from the table in
//! [`super::stages`], actions are appended with their (stage, wave) for the seat forecast, and
//! movers are split into a pilot and waves. Write counts come from `Op::writes`; each wave's and
//! stage's least elapsed time is its writes at the paced rate, the processing wait it waits for,
//! and the soaks between its waves ([`Builder::finish`]).

use super::carrying::Carrying;
use super::doc::{Action, Stage, StageKind, Wave, WaveLabel};
use super::intent::{Intent, WaveSize};
use super::names::{Names, PlanRefCache, SkuTexts};
use super::select::Mover;
use super::stages;
use crate::model::{GroupId, PlanIds, Tenant, UserId};
use crate::simulate::ops::Op;

/// Graph's documented write throttling for identity writes: 3,000 per 2.5 minutes (150 s) per
/// app and tenant (Graph docs, throttling-limits, "Identity and access" writes).
pub const WRITES_PER_WINDOW: u64 = 3000;
pub const WINDOW_MINUTES: f64 = 2.5;
/// The rate plans pace writes at: 80% of Graph's limit, 2,400 writes per 150 s (16 a second),
/// leaving room for retries and other writers.
pub const PACED_WRITES_PER_WINDOW: u64 = 2400;

/// The least time `writes` take at the paced rate, in minutes (a 5-write wave: 0.3 s).
pub fn min_minutes(writes: u64) -> f64 {
    writes as f64 * WINDOW_MINUTES / PACED_WRITES_PER_WINDOW as f64
}

/// The estimate of a wait for group processing (R8): a fixed 5 minutes plus 1.44 s for each
/// user whose licenses the processing changes — the pace of Microsoft's threshold for a
/// support ticket (over 24 hours for 60,000 users). An estimate, not a Microsoft figure.
pub const PROCESSING_FIXED_SECONDS: f64 = 300.0;
pub const PROCESSING_SECONDS_PER_USER: f64 = 86_400.0 / 60_000.0;

/// The estimated processing wait for `users` users, in minutes (none when nothing is pending).
pub fn processing_minutes(users: u64) -> f64 {
    if users == 0 {
        return 0.0;
    }
    (PROCESSING_FIXED_SECONDS + users as f64 * PROCESSING_SECONDS_PER_USER).ceil() / 60.0
}

/// A soak as a gate says it: `1 day`, `4 hours`, `1 day 12 hours`, `30 minutes`.
pub fn soak_words(seconds: u64) -> String {
    let units = [
        (86_400, "day", "days"),
        (3_600, "hour", "hours"),
        (60, "minute", "minutes"),
        (1, "second", "seconds"),
    ];
    let mut rest = seconds;
    let mut out = Vec::new();
    for (size, one, many) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            out.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    if out.is_empty() {
        "0 minutes".to_owned()
    } else {
        out.join(" ")
    }
}

/// The pilot users of the plan: those the intent names (movers only), or for a count, one
/// mover of each carrying group and of each distinct set of disabled plans first (the first by
/// UPN), then the next movers by UPN, up to the count. The same users are the pilot of the
/// change-direct and the removal stage.
pub fn choose_pilot(
    intent: &Intent,
    movers: &[Mover],
    carrying: &[Carrying],
) -> rustc_hash::FxHashSet<UserId> {
    use std::collections::BTreeMap;
    if let Some(named) = &intent.pilot_users {
        return movers
            .iter()
            .filter(|m| named.users.binary_search(&m.user).is_ok())
            .map(|m| m.user)
            .collect();
    }
    let want = usize::try_from(intent.pilot).unwrap_or(usize::MAX);
    let mut chosen = rustc_hash::FxHashSet::default();
    let mut order: Vec<usize> = (0..movers.len()).collect();
    order.sort_by(|a, b| movers[*a].key().cmp(&movers[*b].key()));
    let first = |ix: &mut dyn Iterator<Item = usize>| {
        ix.min_by(|a, b| movers[*a].key().cmp(&movers[*b].key()))
    };
    for c in carrying {
        if chosen.len() >= want {
            break;
        }
        if c.movers.iter().any(|i| chosen.contains(&movers[*i].user)) {
            continue;
        }
        if let Some(i) = first(&mut c.movers.iter().copied()) {
            chosen.insert(movers[i].user);
        }
    }
    let mut sets: BTreeMap<(usize, &PlanIds, &PlanIds), Vec<usize>> = BTreeMap::new();
    for &i in &order {
        let m = &movers[i];
        sets.entry((m.mv, &m.disabled, &m.target_disabled))
            .or_default()
            .push(i);
    }
    for users in sets.values() {
        if chosen.len() >= want {
            break;
        }
        if !users.iter().any(|i| chosen.contains(&movers[*i].user)) {
            chosen.insert(movers[users[0]].user);
        }
    }
    for &i in &order {
        if chosen.len() >= want {
            break;
        }
        chosen.insert(movers[i].user);
    }
    chosen
}

/// What every stage function reads: the intent, the movers, their carrying groups, and names
/// made once for all actions.
pub struct Ctx<'a, 't> {
    pub intent: &'a Intent,
    pub movers: &'a [Mover<'t>],
    pub carrying: &'a [Carrying],
    pub names: &'a Names<'t>,
    pub skus: SkuTexts<'a, 't>,
    pub plans: PlanRefCache,
}

/// Splits users into the pilot and later waves.
fn waves(n: usize, pilot: u64, size: WaveSize) -> Vec<(WaveLabel, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    // Sizes beyond the users left mean "everyone left": saturating, never wrapping (a wave size
    // of u64::MAX once wrapped `i + step` and panicked).
    let pilot = usize::try_from(pilot).unwrap_or(usize::MAX).min(n);
    if pilot > 0 {
        out.push((WaveLabel::Pilot, 0..pilot));
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
        out.push((WaveLabel::Wave, i..end));
        i = end;
    }
    out
}

/// Stages as they are drawn, and each op's (stage, wave).
#[derive(Default)]
pub struct Builder {
    pub stages: Vec<Stage>,
    pub segments: Vec<(u32, Option<u32>)>,
    /// Replaces `{products}` and `{direct_products}` in the stages' gates.
    pub products: String,
    pub direct_products: String,
    /// The pilot users ([`choose_pilot`]), set by [`Builder::prepare`].
    pub pilot: rustc_hash::FxHashSet<UserId>,
    /// Whether the intent names its pilot users (no filling up to a count).
    pub pilot_named: bool,
    /// Soaks in seconds: after the pilot, after each later wave.
    pub soaks: (u64, u64),
    /// User members of the existing carrying groups before the plan (for processing waits).
    pub members: std::collections::BTreeMap<GroupId, u64>,
}

impl Builder {
    /// What waves and times need beyond the stages: the pilot, the soaks, the carrying
    /// groups' members.
    pub fn prepare(
        &mut self,
        t: &Tenant,
        intent: &Intent,
        movers: &[Mover],
        carrying: &[Carrying],
    ) {
        self.pilot = choose_pilot(intent, movers, carrying);
        self.pilot_named = intent.pilot_users.is_some();
        self.soaks = (intent.pilot_soak, intent.soak);
        for c in carrying.iter().filter(|c| !c.created) {
            let n = t.groups.get(&c.id).map_or(0, |g| g.user_members().count());
            self.members.insert(c.id, n as u64);
        }
    }

    /// A new stage of this kind, with its texts from [`stages::STAGES`]; its index.
    pub fn stage(&mut self, kind: StageKind) -> usize {
        let text = stages::text(kind);
        let fill = |v: &[&str]| -> Vec<String> {
            v.iter()
                .map(|g| {
                    g.replace("{direct_products}", &self.direct_products)
                        .replace("{products}", &self.products)
                })
                .collect()
        };
        let number = self.stages.len() as u32 + 1;
        let stage = Stage {
            number,
            kind,
            title: text.title.to_owned(),
            purpose: text.purpose.to_owned(),
            gates: fill(text.gates),
            actions: Vec::new(),
            waves: Vec::new(),
            risks: fill(text.risks),
            rollback: fill(text.rollback),
            rollback_actions: Vec::new(),
            writes: 0,
            min_minutes: 0.0,
            processing_wait_minutes: 0.0,
            least_elapsed_minutes: 0.0,
        };
        self.stages.push(stage);
        self.stages.len() - 1
    }

    pub fn act(&mut self, s: usize, a: Action) {
        let st = &mut self.stages[s];
        self.segments.push((st.number, None));
        st.actions.push(a);
    }

    /// Splits the movers into the pilot ([`choose_pilot`]'s users, by UPN; for a count, topped
    /// up by UPN from this stage's movers) and later waves (by UPN) of stage `s`, each wave with
    /// its gate, and its users' actions made by `action`.
    pub fn waves(
        &mut self,
        s: usize,
        intent: &Intent,
        mut movers: Vec<&Mover>,
        action: &mut dyn FnMut(&Mover) -> Action,
    ) {
        let gates = stages::text(self.stages[s].kind)
            .wave_gates
            .unwrap_or(("", ""));
        movers.sort_by(|a, b| a.key().cmp(&b.key()));
        let (mut first, mut rest): (Vec<&Mover>, Vec<&Mover>) = movers
            .into_iter()
            .partition(|m| self.pilot.contains(&m.user));
        if !self.pilot_named {
            let want = usize::try_from(intent.pilot).unwrap_or(usize::MAX);
            let more = want.saturating_sub(first.len()).min(rest.len());
            first.extend(rest.drain(..more));
            first.sort_by(|a, b| a.key().cmp(&b.key()));
        }
        let pilot = first.len() as u64;
        let movers: Vec<&Mover> = first.into_iter().chain(rest).collect();
        let pilot_gate = gates.0.replace("{pilot_soak}", &soak_words(self.soaks.0));
        for (label, range) in waves(movers.len(), pilot, intent.size) {
            let w = self.stages[s].waves.len();
            let gate = if label == WaveLabel::Pilot {
                pilot_gate.as_str()
            } else {
                gates.1
            };
            self.stages[s].waves.push(Wave {
                number: w as u32 + 1,
                label,
                users: range.len() as u64,
                actions: Vec::new(),
                gates: vec![gate.to_owned()],
                writes: 0,
                min_minutes: 0.0,
                soak_minutes: 0.0,
                least_elapsed_minutes: 0.0,
                rollback_actions: Vec::new(),
            });
            for m in &movers[range] {
                let a = action(m);
                self.wave_act(s, w, a);
            }
        }
    }

    fn wave_act(&mut self, s: usize, w: usize, a: Action) {
        let st = &mut self.stages[s];
        let wave = &mut st.waves[w];
        self.segments.push((st.number, Some(wave.number)));
        wave.actions.push(a);
    }

    /// Counts each stage's and wave's writes (`Op::writes`) and their least elapsed time: the
    /// writes at the paced rate, the estimated processing wait of a stage that waits for it
    /// (the users whose licenses the groups' changes since the last wait reach), and the soaks
    /// between waves (after the pilot, `waves.pilot_soak`; after each later wave but the last,
    /// `waves.soak`).
    pub fn finish(&mut self) {
        let writes = |v: &[Action]| v.iter().filter(|a| a.writes()).count() as u64;
        let mut members = std::mem::take(&mut self.members);
        let mut pending: u64 = 0;
        let (pilot_soak, soak) = self.soaks;
        for st in &mut self.stages {
            let mut waited: u64 = 0;
            let mut count = |a: &Action| match &a.op {
                Op::AddMember { group, .. } => {
                    *members.entry(*group).or_default() += 1;
                    pending += 1;
                }
                Op::AssignGroupLicense { group, .. } | Op::ChangeGroupLicense { group, .. } => {
                    pending += members.get(group).copied().unwrap_or(0);
                }
                Op::WaitForProcessing { .. } => {
                    waited += pending;
                    pending = 0;
                }
                _ => {}
            };
            st.actions.iter().for_each(&mut count);
            for w in &st.waves {
                w.actions.iter().for_each(&mut count);
            }
            let n = st.waves.len();
            for (i, w) in st.waves.iter_mut().enumerate() {
                w.writes = writes(&w.actions);
                w.min_minutes = min_minutes(w.writes);
                let soak_s = if i + 1 == n {
                    0
                } else if w.label == WaveLabel::Pilot {
                    pilot_soak
                } else {
                    soak
                };
                w.soak_minutes = soak_s as f64 / 60.0;
                w.least_elapsed_minutes = w.min_minutes + w.soak_minutes;
            }
            let own = writes(&st.actions);
            st.writes = own + st.waves.iter().map(|w| w.writes).sum::<u64>();
            st.min_minutes = min_minutes(st.writes);
            st.processing_wait_minutes = processing_minutes(waited);
            st.least_elapsed_minutes = min_minutes(own)
                + st.processing_wait_minutes
                + st.waves
                    .iter()
                    .map(|w| w.least_elapsed_minutes)
                    .sum::<f64>();
        }
    }
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
