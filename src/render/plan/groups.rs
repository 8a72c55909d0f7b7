//! The plan's warnings and the groups whose licenses it changes (before → after, the members
//! reached at the change, the seats members it does not move take).

use std::borrow::Cow;

use super::super::report::{Block, Cell, Column, Section, Span, Table};
use crate::plan::doc::{GroupLicenseText, Plan};

/// Licenses as one cell: `ENTERPRISEPACK (disabled: SWAY); EMS`, `ENTERPRISEPACK (only
/// EXCHANGE_S_ENTERPRISE)` where fewer plans are enabled than disabled, or `none`.
fn licenses(l: &[GroupLicenseText]) -> String {
    if l.is_empty() {
        return "none".to_owned();
    }
    l.iter()
        .map(|x| {
            if x.disabled_plans.is_empty() {
                x.sku.clone()
            } else if let Some(only) = &x.only_plans {
                format!("{} (only {})", x.sku, only.join(", "))
            } else {
                format!("{} (disabled: {})", x.sku, x.disabled_plans.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every carrying group whose licenses the plan changes, created or existing.
pub(super) fn license_changes(p: &Plan) -> Option<Section<'_>> {
    let rows: Vec<Vec<Cell<'_>>> = p
        .moves
        .iter()
        .flat_map(|m| m.groups.iter())
        .filter(|g| g.licenses_change())
        .map(|g| {
            vec![
                Cell::text(g.group_name.as_str()),
                Cell::text(if g.created { "created" } else { "existing" }),
                Cell::text(g.membership),
                Cell::text(licenses(&g.licenses_before)),
                Cell::text(licenses(&g.licenses_after)),
                Cell::int(g.members_at_change),
                Cell::int(g.new_seats_for_others),
            ]
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("created or existing"),
        Column::left("membership"),
        Column::left("licenses before"),
        Column::left("licenses after"),
        Column::right("members at the change"),
        Column::right("new seats for others"),
    ])
    .rows(rows);
    let future: Vec<Cow<'_, str>> = p
        .moves
        .iter()
        .flat_map(|m| m.groups.iter())
        .filter_map(|g| {
            g.future_members
                .as_ref()
                .map(|f| Cow::Owned(format!("{}: {f}.", g.group_name)))
        })
        .collect();
    let mut s = Section::new("Group license changes").block(Block::Table(t));
    if !future.is_empty() {
        s = s.block(Block::Bullets(future));
    }
    Some(s)
}

/// The groups the plan creates: their ids here are placeholders.
pub(super) fn placeholders(p: &Plan) -> Option<Section<'_>> {
    if p.placeholders.is_empty() {
        return None;
    }
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("uniqueName"),
        Column::left("placeholder id"),
    ])
    .rows(p.placeholders.iter().map(|g| {
        vec![
            Cell::text(g.group_name.as_str()),
            Cell::text(g.unique_name.as_str()),
            Cell::text(g.group_id.as_str()),
        ]
    }));
    Some(
        Section::new("Groups the plan creates")
            .block(Block::plain(
                "Their ids in this plan are placeholders licplan derives: Entra gives each group its real id when it is created. A bundle creates each group by its uniqueName and records the real id in its journal; verify finds it by uniqueName, else by display name.",
            ))
            .block(Block::Table(t)),
    )
}

/// The plan's warnings: what it does not do as the intent wrote it.
pub(super) fn warnings(p: &Plan) -> Option<Section<'_>> {
    (!p.warnings.is_empty()).then(|| {
        Section::new("Warnings").block(Block::Bullets(
            p.warnings
                .iter()
                .map(|w| Cow::Borrowed(w.as_str()))
                .collect(),
        ))
    })
}

/// A re-plan: the plan it continues, from which stage, and what the fresh export changed.
pub(super) fn replan(p: &Plan) -> Option<Section<'_>> {
    let r = p.replan.as_ref()?;
    let fields = vec![
        (
            Cow::Borrowed("re-planned from stage"),
            vec![Span::plain(r.from_stage.to_string())],
        ),
        (
            Cow::Borrowed("plan re-planned"),
            vec![Span::plain(r.base_plan_hash.as_str())],
        ),
        (
            Cow::Borrowed("its export"),
            vec![Span::plain(r.base_export_hash.as_str())],
        ),
        (
            Cow::Borrowed("fresh export"),
            vec![Span::plain(p.export.hash.as_str())],
        ),
        (
            Cow::Borrowed("actions done already"),
            vec![Span::plain(r.actions_done.to_string())],
        ),
        (
            Cow::Borrowed("users gone (skipped)"),
            vec![Span::plain(r.users_gone.to_string())],
        ),
        (
            Cow::Borrowed("users new since (held back)"),
            vec![Span::plain(r.users_new.to_string())],
        ),
        (
            Cow::Borrowed("users failing on the fresh export (held back)"),
            vec![Span::plain(r.users_failing.to_string())],
        ),
    ];
    let mut s = Section::new(format!("Re-planned from stage {}", r.from_stage))
        .block(Block::plain(
            "The stages before it ran before the fresh export was taken: they stay, empty, so every stage keeps its number. Bundle and verify this plan with the fresh export.",
        ))
        .block(Block::Fields(fields));
    if !r.earlier_not_run.is_empty() {
        let t = Table::new(vec![
            Column::right("earlier stage not fully run"),
            Column::right("actions not done"),
            Column::right("users held back"),
        ])
        .rows(r.earlier_not_run.iter().map(|n| {
            vec![
                Cell::text(n.stage.to_string()),
                Cell::text(n.actions_not_done.to_string()),
                Cell::text(n.users_held_back.to_string()),
            ]
        }));
        s = s.block(Block::Table(t));
    }
    if !r.groups.is_empty() {
        let t = Table::new(vec![
            Column::left("group"),
            Column::left("uniqueName"),
            Column::left("found by"),
            Column::left("id"),
        ])
        .rows(r.groups.iter().map(|g| {
            vec![
                Cell::text(g.group_name.as_str()),
                Cell::text(g.unique_name.as_str()),
                Cell::text(g.found.as_str()),
                Cell::text(g.group_id.as_deref().unwrap_or(g.placeholder_id.as_str())),
            ]
        }));
        s = s.block(Block::Table(t));
    }
    Some(s)
}
