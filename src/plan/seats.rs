//! The seat forecast: seats per product the plan touches after each stage and wave, with the
//! peak in between, gathered step by step while the simulation replays the plan.

use std::collections::BTreeMap;

use crate::model::{SkuId, Tenant};

use super::doc::SeatForecast;
use super::draw::Drawn;
use super::intent::Intent;
use super::names::Names;

/// Enabled seats (if known), consumed seats, worst-case peak, observed peak.
type SeatState = (Option<u32>, i64, i64, i64);

/// What an op does to seat counting: nothing pending, a group change whose processing is
/// pending until a wait, or a wait (processing lands).
#[derive(Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Other,
    GroupWrite,
    Wait,
}

/// Seats per product the plan touches, after each stage and wave, with the peak in between,
/// gathered step by step while the simulation runs.
///
/// A group change's processing can land at any time between its write and the wait that
/// completes it (R8): the simulator applies it at the wait, so a rise in consumption seen there
/// counts, in the worst case, in the peak of every stage and wave from the first pending write
/// on (in migrate-then-change the new product's jump shows in the change-products stage, where
/// its write is). A fall counts where it is seen (the worst case lands it late).
pub(super) struct SeatTrace {
    /// The products the plan touches, with their labels.
    touched: BTreeMap<SkuId, String>,
    /// Each op's (stage, wave).
    segments: Vec<(u32, Option<u32>)>,
    /// Each op's kind, for pending processing.
    kinds: Vec<StepKind>,
    /// Segments in the order their first op runs.
    order: Vec<(u32, Option<u32>)>,
    /// The segment (index into `order`) of the first write whose processing is pending.
    pending_from: Option<usize>,
    /// Consumption after the previous step.
    prev: BTreeMap<SkuId, i64>,
    /// Per segment and product: enabled, consumed after its last step, peaks.
    by_segment: BTreeMap<(u32, Option<u32>), BTreeMap<SkuId, SeatState>>,
    start: BTreeMap<SkuId, SeatState>,
}

impl SeatTrace {
    pub(super) fn new(t: &Tenant, intent: &Intent, drawn: &Drawn) -> Self {
        use crate::simulate::ops::Op;
        let names = Names { t };
        let touched: BTreeMap<SkuId, String> = intent
            .moves
            .iter()
            .flat_map(|m| [m.from, m.to])
            // An add-on group's products too: its prerequisite product may take seats (R2).
            .chain(drawn.carrying.iter().flat_map(|c| {
                std::iter::once(c.sku)
                    .chain(c.prerequisites.iter().chain(c.addons.iter()).map(|l| l.0))
            }))
            .map(|s| (s, names.sku(s)))
            .collect();
        let start: BTreeMap<SkuId, SeatState> = touched
            .keys()
            .map(|s| {
                let seats = t.skus.get(s).and_then(|x| x.seats);
                let consumed = seats.map_or(0, |x| i64::from(x.consumed));
                (*s, (seats.map(|x| x.enabled), consumed, consumed, consumed))
            })
            .collect();
        // In replay order (`draw::ops`): each stage's own actions, then its waves'.
        let kinds = drawn
            .stages
            .iter()
            .flat_map(|st| {
                st.actions
                    .iter()
                    .chain(st.waves.iter().flat_map(|w| w.actions.iter()))
            })
            .map(|a| match &a.op {
                Op::WaitForProcessing { .. } => StepKind::Wait,
                Op::AssignGroupLicense { .. }
                | Op::ChangeGroupLicense { .. }
                | Op::RemoveGroupLicense { .. }
                | Op::DeleteGroup { .. }
                | Op::AddMember { .. }
                | Op::RemoveMember { .. }
                | Op::Reprocess { .. } => StepKind::GroupWrite,
                _ => StepKind::Other,
            })
            .collect();
        SeatTrace {
            prev: start.iter().map(|(s, v)| (*s, v.1)).collect(),
            touched,
            segments: drawn.segments.clone(),
            kinds,
            order: Vec::new(),
            pending_from: None,
            by_segment: BTreeMap::new(),
            start,
        }
    }

    pub(super) fn observe(&mut self, step: usize, seats: &[(SkuId, Option<u32>, i64)]) {
        // Steps past the plan's own ops (processing at the end) belong to the last segment.
        let Some(seg) = self
            .segments
            .get(step.wrapping_sub(1))
            .or(self.segments.last())
            .copied()
        else {
            return;
        };
        // Processing at the end (past the ops) is a wait too.
        let kind = self
            .kinds
            .get(step.wrapping_sub(1))
            .copied()
            .unwrap_or(StepKind::Wait);
        if self.order.last() != Some(&seg) {
            self.order.push(seg);
        }
        let cur = self.order.len() - 1;
        if kind == StepKind::GroupWrite && self.pending_from.is_none() {
            self.pending_from = Some(cur);
        }
        let landed = if kind == StepKind::Wait {
            self.pending_from.take()
        } else {
            None
        };
        for (sku, enabled, consumed) in seats {
            if !self.touched.contains_key(sku) {
                continue;
            }
            let before = self.prev.insert(*sku, *consumed).unwrap_or(*consumed);
            let entry = self.by_segment.entry(seg).or_default();
            let seen_before = entry.get(sku).map(|e| e.3);
            let e = entry
                .entry(*sku)
                .or_insert((*enabled, *consumed, *consumed, *consumed));
            e.0 = *enabled;
            e.1 = *consumed;
            e.2 = e.2.max(*consumed);
            e.3 = e.3.max(*consumed);
            let delta = consumed - before;
            let Some(from) = landed.filter(|_| delta > 0) else {
                continue;
            };
            // The rise could have landed right after the first pending write.
            if let Some(seen) = seen_before {
                e.2 = e.2.max(seen + delta);
            }
            for s in &self.order[from..cur] {
                if let Some(e) = self.by_segment.get_mut(s).and_then(|m| m.get_mut(sku)) {
                    e.2 = e.2.max(e.3 + delta);
                }
            }
        }
    }

    pub(super) fn forecast(&self, drawn: &Drawn) -> Vec<SeatForecast> {
        let mut current = self.start.clone();
        let mut out = Vec::new();
        let mut emit = |stage: u32, wave: Option<u32>, seats: &BTreeMap<SkuId, SeatState>| {
            let mut rows: Vec<(&String, &SeatState)> = seats
                .iter()
                .filter_map(|(s, v)| self.touched.get(s).map(|label| (label, v)))
                .collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for (sku, (enabled, consumed, peak, _)) in rows {
                out.push(SeatForecast {
                    stage,
                    wave,
                    sku: sku.clone(),
                    enabled: *enabled,
                    consumed: *consumed,
                    peak: *peak,
                });
            }
        };
        for st in &drawn.stages {
            let mut segs: Vec<Option<u32>> = vec![None];
            segs.extend(st.waves.iter().map(|w| Some(w.number)));
            for w in segs {
                match self.by_segment.get(&(st.number, w)) {
                    Some(seen) => {
                        for (sku, v) in seen {
                            current.insert(*sku, *v);
                        }
                    }
                    None => {
                        if w.is_some() {
                            continue;
                        }
                        // A stage that changes nothing: seats as they were, no peak above them.
                        for v in current.values_mut() {
                            v.2 = v.1;
                            v.3 = v.1;
                        }
                    }
                }
                if w.is_none() && !st.waves.is_empty() && st.actions.is_empty() {
                    continue;
                }
                emit(st.number, w, &current);
            }
        }
        out
    }
}
