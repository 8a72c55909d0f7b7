//! The stages of a plan as they are drawn: each new stage takes its texts from the table in
//! [`super::stages`], actions are appended with their (stage, wave) for the seat forecast, and
//! movers are split into a pilot and waves. Write counts come from `Op::writes`.

use super::carrying::Carrying;
use super::doc::{Action, Stage, StageKind, Wave, WaveLabel};
use super::intent::{Intent, WaveSize};
use super::names::{Names, PlanRefCache, SkuTexts};
use super::select::Mover;
use super::stages;

/// Graph's documented write throttling for identity writes: 3,000 per 2.5 minutes per app and
/// tenant. A wave of N writes takes at least ceil(N / 3000) windows.
pub const WRITES_PER_WINDOW: u64 = 3000;
pub const WINDOW_MINUTES: f64 = 2.5;

pub fn min_minutes(writes: u64) -> f64 {
    writes.div_ceil(WRITES_PER_WINDOW) as f64 * WINDOW_MINUTES
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
pub struct Builder {
    pub stages: Vec<Stage>,
    pub segments: Vec<(u32, Option<u32>)>,
    /// Replaces `{products}` and `{direct_products}` in the stages' gates.
    pub products: String,
    pub direct_products: String,
}

impl Builder {
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
        };
        self.stages.push(stage);
        self.stages.len() - 1
    }

    pub fn act(&mut self, s: usize, a: Action) {
        let st = &mut self.stages[s];
        self.segments.push((st.number, None));
        st.actions.push(a);
    }

    /// Splits the movers (sorted by UPN) into the pilot and later waves of stage `s`, each wave
    /// with its gate, and its users' actions made by `action`.
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
        for (label, range) in waves(movers.len(), intent.pilot, intent.size) {
            let w = self.stages[s].waves.len();
            let gate = if label == WaveLabel::Pilot {
                gates.0
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

    /// Counts each stage's and wave's writes (`Op::writes`) and their least duration.
    pub fn finish(&mut self) {
        let writes = |v: &[Action]| v.iter().filter(|a| a.writes()).count() as u64;
        for st in &mut self.stages {
            for w in &mut st.waves {
                w.writes = writes(&w.actions);
                w.min_minutes = min_minutes(w.writes);
            }
            let own = writes(&st.actions);
            st.writes = own + st.waves.iter().map(|w| w.writes).sum::<u64>();
            st.min_minutes = min_minutes(own) + st.waves.iter().map(|w| w.min_minutes).sum::<f64>();
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
