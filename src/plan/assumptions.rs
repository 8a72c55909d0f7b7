//! The readings a plan states: only those touching its products, rules and situations.
//!
//! The simulator states every reading it relied on (`simulate` lists them all). A change board
//! reading one plan needs those that bear on it: a reading about Exchange Online Plan 1 and
//! Plan 2 held together says nothing to a plan whose users hold neither, one about shared proxy
//! addresses nothing to a tenant without any. Each reading says what it is about
//! ([`About`]); this module gathers what the plan involves ([`Topics`]) and keeps the readings
//! that touch it, counting those left out. Where it is unsure, a reading is kept: the
//! situations are taken widely (any user in scope, any forecast point, any hold-back).

use std::collections::BTreeMap;

use crate::inspect::SharedProxies;
use crate::model::{AssignmentState, Tenant, User, UserId};
use crate::plan::carrying::Carrying;
use crate::plan::doc::{HeldBack, SeatForecast};
use crate::plan::intent::Intent;
use crate::plan::reason::HoldReason;
use crate::plan::select::Mover;
use crate::simulate::report::{ErrorCode, SimReport};
use crate::simulate::rules::about::{Topics, When};

/// What a plan involves, from its users in scope (movers and held back), its moves and groups,
/// its simulation and its seat forecast.
pub struct Involved<'a> {
    pub tenant: &'a Tenant,
    pub intent: &'a Intent,
    pub movers: &'a [Mover<'a>],
    pub held: &'a BTreeMap<UserId, HeldBack>,
    pub carrying: &'a [Carrying],
    pub report: &'a SimReport,
    pub seats: &'a [SeatForecast],
    pub shared: &'a SharedProxies,
}

impl Involved<'_> {
    /// The plan's topics: the products its users hold and the plan assigns, their service
    /// plans, and the situations that arise.
    pub fn topics(&self) -> Topics {
        let t = self.tenant;
        let mut topics = Topics::default();
        let in_scope = self
            .movers
            .iter()
            .map(|m| m.record)
            .chain(self.held.keys().filter_map(|id| t.users.get(id)));
        let mut error_states = false;
        let mut active_with_error = false;
        let mut shared = false;
        for u in in_scope {
            self.user(u, &mut topics, &mut error_states, &mut active_with_error);
            shared |= self.shared.contains_key(&u.id);
        }
        for mv in &self.intent.moves {
            topics.products.insert(mv.from);
            topics.products.insert(mv.to);
        }
        for c in self.carrying {
            topics.products.insert(c.sku);
            if let Some((to, _)) = &c.change_to {
                topics.products.insert(*to);
            }
        }
        for sku in &topics.products {
            if let Some(s) = t.skus.get(sku) {
                for p in &s.service_plans {
                    topics.plans.insert(p.name.to_ascii_uppercase());
                    topics.plans.insert(p.id.to_string().to_ascii_uppercase());
                }
            }
        }
        let held_for = |r: HoldReason| self.held.values().any(|h| h.reason == r);
        let seats_short = self
            .seats
            .iter()
            .any(|f| f.enabled.is_some_and(|e| f.peak > i64::from(e)))
            || held_for(HoldReason::CountViolation)
            || self.report.errors.iter().any(|e| {
                matches!(
                    e.error,
                    ErrorCode::Licensing(crate::model::AssignmentError::CountViolation)
                )
            });
        let licensing_hold = [
            HoldReason::CountViolation,
            HoldReason::MutuallyExclusiveViolation,
            HoldReason::DependencyViolation,
            HoldReason::ProhibitedInUsageLocationViolation,
            HoldReason::UniquenessViolation,
            HoldReason::OtherLicensingError,
            HoldReason::ExistingError,
            HoldReason::AddonDependency,
        ]
        .into_iter()
        .any(held_for);
        let error_states = error_states || licensing_hold || !self.report.errors.is_empty();
        let product_change = self.intent.moves.iter().any(|m| m.from != m.to);
        for (on, w) in [
            (product_change, When::ProductChange),
            (error_states, When::ErrorStates),
            (active_with_error, When::ActiveWithError),
            (shared, When::SharedProxyAddress),
            (seats_short, When::SeatsShort),
        ] {
            if on {
                topics.when.insert(w);
            }
        }
        topics
    }

    fn user(
        &self,
        u: &User,
        topics: &mut Topics,
        error_states: &mut bool,
        active_with_error: &mut bool,
    ) {
        for a in &u.assignments {
            topics.products.insert(a.sku);
            *error_states |= a.is_error();
            *active_with_error |= a.state == Some(AssignmentState::ActiveWithError);
        }
    }

    /// The simulation's readings that touch this plan, in their order, and how many were left
    /// out.
    pub fn stated(&self) -> (Vec<String>, u64) {
        let topics = self.topics();
        let r = self.report;
        let mut left_out = 0;
        let mut kept = Vec::new();
        for (i, text) in r.assumptions.iter().enumerate() {
            // A reading without a recorded topic is kept: leaving it out could hide it.
            if r.about.get(i).is_none_or(|a| a.touches(&topics)) {
                kept.push(text.clone());
            } else {
                left_out += 1;
            }
        }
        (kept, left_out)
    }
}
