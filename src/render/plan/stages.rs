//! The plan report's "Stages" section: an overview table on the terminal; in a document each
//! stage with its purpose, gate, actions, waves, risks and rollback, actions capped per stage
//! and per wave (the JSON/YAML plan lists all).

use std::borrow::Cow;

use super::words::{count, duration, stage_actions, wave_sizes};
use crate::plan::doc::{Action, Plan, Stage, StageKind, Wave, WaveLabel};
use crate::render::report::{Block, Cell, Column, Medium, Section, Span, Table};

/// Actions listed per stage in a document.
pub(super) const STAGE_ACTIONS: usize = 50;
/// Actions listed per wave in a document.
pub(super) const WAVE_ACTIONS: usize = 20;
/// Waves of a stage listed one by one in a document (with their actions).
pub(super) const WAVES: usize = 10;

pub(super) fn section(p: &Plan) -> Section<'_> {
    let overview = Table::new(vec![
        Column::right("stage"),
        Column::left("title"),
        Column::right("actions"),
        Column::left("waves (users)"),
        Column::right("writes"),
        Column::right("least time"),
    ])
    .rows(p.stages.iter().map(|st| {
        vec![
            Cell::int(st.number),
            Cell::text(st.title.as_str()),
            Cell::int(stage_actions(st)),
            Cell::text(wave_sizes(st)),
            Cell::int(st.writes),
            Cell::text(duration(st.least_elapsed_minutes)),
        ]
    }));
    let total: usize = p.stages.iter().map(stage_actions).sum();
    let total = if total == 1 {
        "1 action".to_owned()
    } else {
        format!("{total} actions")
    };
    Section::new("Stages")
        .block(Block::Table(overview).only(Medium::Terminal))
        .block(Block::plain(format!("{total} (see --format markdown|json)")).only(Medium::Terminal))
        .blocks(
            p.stages
                .iter()
                .map(|st| Block::Section(stage(st)).only(Medium::Document)),
        )
}

/// A bold word on a line of its own (`**Gate**`).
fn label(word: &'static str) -> Block<'static> {
    Block::Paragraph(vec![Span::strong(word)])
}

fn stage(st: &Stage) -> Section<'_> {
    let mut s = Section::new(format!("Stage {}: {}", st.number, st.title))
        .block(Block::Paragraph(vec![Span::text(st.purpose.as_str())]))
        .block(label("Gate"))
        .block(bullets(&st.gates))
        .block(label("Actions"));
    if !st.actions.is_empty() {
        s.blocks.extend(actions(&st.actions, STAGE_ACTIONS));
    } else if st.waves.is_empty() {
        s = s.block(Block::Nothing(Some(
            "the plan makes no change in this stage".into(),
        )));
    } else {
        s = s.block(Block::plain("None outside the waves below."));
    }

    let waved = matches!(st.kind, StageKind::RemoveDirect | StageKind::ChangeDirect);
    if waved || !st.waves.is_empty() {
        s = s.block(label("Waves"));
        if st.waves.is_empty() {
            s = s.block(Block::Nothing(Some("no user to move".into())));
        } else {
            let t = Table::new(vec![
                Column::right("wave"),
                Column::left("label"),
                Column::right("users"),
                Column::right("writes"),
                Column::right("writes take"),
                Column::right("soak after"),
                Column::right("least time"),
            ])
            .rows(st.waves.iter().map(|w| {
                vec![
                    Cell::int(w.number),
                    Cell::text(w.label.as_str()),
                    Cell::int(w.users),
                    Cell::int(w.writes),
                    Cell::text(duration(w.min_minutes)),
                    Cell::text(duration(w.soak_minutes)),
                    Cell::text(duration(w.least_elapsed_minutes)),
                ]
            }));
            s = s.blocks(super::capped(t, "waves", "actions.csv")).blocks(
                st.waves
                    .iter()
                    .take(WAVES)
                    .map(|w| Block::Section(wave(st, w))),
            );
            if st.waves.len() > WAVES {
                s = s.block(Block::plain(format!(
                    "… and {} more waves, each like the last (the JSON/YAML plan lists all; --attachments DIR writes actions.csv)",
                    st.waves.len() - WAVES
                )));
            }
        }
    }

    s.block(label("Risks"))
        .block(bullets(&st.risks))
        .block(label("Rollback"))
        .block(bullets(&st.rollback))
        .blocks(rollback_ops(&st.rollback_actions, STAGE_ACTIONS))
        .block(Block::plain(format!(
            "Writes: {} ({} at 2,400 writes per 150 s, 80% of Graph's limit); processing wait: {}{}; least elapsed time: {}.",
            st.writes,
            duration(st.min_minutes),
            duration(st.processing_wait_minutes),
            if st.processing_wait_minutes > 0.0 { " (an estimate)" } else { "" },
            duration(st.least_elapsed_minutes)
        )))
}

fn wave<'a>(st: &Stage, w: &'a Wave) -> Section<'a> {
    let pilot = if w.label == WaveLabel::Pilot {
        " (pilot)"
    } else {
        ""
    };
    let mut s = Section::new(format!(
        "Stage {} wave {}{pilot}: {}",
        st.number,
        w.number,
        count(w.users, "user", "users")
    ))
    .block(Block::plain("Gate before the next wave:"))
    .block(bullets(&w.gates));
    if w.actions.is_empty() {
        s = s.block(Block::plain("No actions."));
    } else {
        s.blocks.extend(actions(&w.actions, WAVE_ACTIONS));
    }
    if !w.rollback_actions.is_empty() {
        s = s.block(Block::plain("Rollback of the wave:"));
        s.blocks.extend(actions(&w.rollback_actions, WAVE_ACTIONS));
    }
    s
}

/// A stage's rollback ops, capped like its actions (none: nothing is listed).
fn rollback_ops(ops: &[Action], limit: usize) -> Vec<Block<'static>> {
    if ops.is_empty() {
        return Vec::new();
    }
    let mut v = vec![Block::plain("Rollback ops, in order:")];
    v.extend(actions(ops, limit));
    v
}

fn bullets(items: &[String]) -> Block<'_> {
    Block::Bullets(items.iter().map(|i| Cow::Borrowed(i.as_str())).collect())
}

/// The first `limit` actions as a table, then a line saying how many were left out.
fn actions(actions: &[Action], limit: usize) -> Vec<Block<'static>> {
    let t = Table::new(vec![
        Column::left("op"),
        Column::left("user (UPN)"),
        Column::left("group (name)"),
        Column::left("product"),
        Column::left("details"),
    ])
    .rows(actions.iter().take(limit).map(|a| {
        vec![
            Cell::code(a.op_name()),
            Cell::text(a.user_cell()),
            Cell::text(a.group_cell()),
            Cell::text(a.product_cell()),
            Cell::text(a.details_cell()),
        ]
    }));
    let mut blocks = vec![Block::Table(t)];
    if actions.len() > limit {
        blocks.push(Block::plain(format!(
            "… and {} more actions (the JSON/YAML plan lists all)",
            actions.len() - limit
        )));
    }
    blocks
}
