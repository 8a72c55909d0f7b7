//! Drawing the staged plan for a set of movers: carrying groups, the five steps of R12, the
//! product-change stages of R11, and waves. The result is both the document's stages and the op
//! sequence the simulator replays, each op tagged with its stage and wave: the simulator replays
//! the actions' own ops, so what the plan says is what was proven.

use crate::model::Tenant;
use crate::simulate::ops::{Ids, Op, OpSource};
use crate::simulate::rules::Rules;

use super::builder::{Builder, Ctx};
use super::carrying::{carrying_groups, Carrying};
use super::doc::Stage;
use super::intent::Intent;
use super::names::{Names, PlanRefCache, SkuTexts};
use super::select::Mover;
use super::steps;

pub use super::builder::{min_minutes, WINDOW_MINUTES, WRITES_PER_WINDOW};

/// The plan as stages, and as ops for the simulator.
pub struct Drawn {
    pub stages: Vec<Stage>,
    /// For each op: its stage number and wave number.
    pub segments: Vec<(u32, Option<u32>)>,
    pub carrying: Vec<Carrying>,
}

/// Draws the plan for these movers: each stage kind's function in turn ([`steps::STEPS`]).
pub fn draw(t: &Tenant, rules: &Rules, intent: &Intent, movers: &[Mover]) -> Drawn {
    let names = Names { t };
    let carrying = carrying_groups(t, rules, intent, movers, &names);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v
    };
    let products = sorted(
        intent
            .moves
            .iter()
            .flat_map(|m| [names.sku(m.from), names.sku(m.to)])
            .collect(),
    );
    let direct_products = sorted(intent.moves.iter().map(|m| names.sku(m.from)).collect());
    let mut b = Builder {
        stages: Vec::new(),
        segments: Vec::new(),
        products: products.join(" / "),
        direct_products: direct_products.join(", "),
        ..Builder::default()
    };
    b.prepare(t, intent, movers, &carrying);
    let skus = SkuTexts::of_plan(&names, intent, &carrying);
    let mut cx = Ctx {
        intent,
        movers,
        carrying: &carrying,
        names: &names,
        skus,
        plans: PlanRefCache::default(),
    };
    for step in steps::STEPS {
        step(&mut b, &mut cx);
    }
    b.finish();
    Drawn {
        stages: b.stages,
        segments: b.segments,
        carrying,
    }
}

/// The plan's ops in replay order: each action's own op, with where it stands in the plan.
pub fn ops(stages: &[Stage]) -> impl Iterator<Item = (OpSource, Op<Ids>)> + '_ {
    stages.iter().enumerate().flat_map(|(s, st)| {
        let own = st.actions.iter().enumerate().map(move |(i, a)| {
            (
                OpSource {
                    path: format!("stages[{s}].actions[{i}]"),
                },
                a.op.clone(),
            )
        });
        let waves = st.waves.iter().enumerate().flat_map(move |(w, wave)| {
            wave.actions.iter().enumerate().map(move |(i, a)| {
                (
                    OpSource {
                        path: format!("stages[{s}].waves[{w}].actions[{i}]"),
                    },
                    a.op.clone(),
                )
            })
        });
        own.chain(waves)
    })
}
