//! The plan's "Partner access" section: the partner preflight (`plan --conditional-access …`,
//! `--roles`, `--partner-tenant`) as `licplan preflight` gives it, in short.

use std::borrow::Cow;

use super::super::report::{Block, Cell, Column, Section, Span, Table};
use crate::plan::doc::Plan;
use crate::preflight::Status;

/// The section, when the plan carries a preflight.
pub(super) fn section(p: &Plan) -> Option<Section<'_>> {
    let r = p.partner_access.as_ref()?;
    let mut s = Section::new("Partner access").block(Block::Fields(vec![
        (
            Cow::Borrowed("status"),
            vec![Span::strong(r.status.as_str())],
        ),
        (
            Cow::Borrowed("partner tenant"),
            vec![Span::text(
                r.partner_tenant.as_deref().unwrap_or("not given"),
            )],
        ),
        (
            Cow::Borrowed("roles"),
            vec![Span::plain(
                r.roles
                    .as_ref()
                    .map_or_else(|| "not given".to_owned(), |v| v.join(", ")),
            )],
        ),
        (
            Cow::Borrowed("policies read"),
            vec![Span::plain(r.policies.len().to_string())],
        ),
    ]));
    if !r.blocked.is_empty() {
        s = s.block(Block::plain("Blocked:")).block(Block::Bullets(
            r.blocked
                .iter()
                .map(|b| Cow::Borrowed(b.as_str()))
                .collect(),
        ));
    }
    if !r.unchecked.is_empty() {
        s = s.block(Block::plain("Not decided:")).block(Block::Bullets(
            r.unchecked
                .iter()
                .map(|u| Cow::Owned(format!("{}: {} ({})", u.check, u.detail, u.fix)))
                .collect(),
        ));
    }
    if !r.counts.is_empty() {
        let t = Table::new(vec![Column::left("verdict"), Column::right("policies")]).rows(
            r.counts
                .iter()
                .map(|c| vec![Cell::text(c.verdict.as_str()), Cell::int(c.policies as u64)]),
        );
        s = s.block(Block::Table(t));
    }
    Some(s.block(Block::plain(
        "licplan preflight with the same options gives every policy's verdict, the field that decided it and its fix.",
    )))
}

/// The condition (or no-go) the preflight puts on the verdict band.
pub(super) fn band_reason(p: &Plan) -> Option<(bool, String)> {
    let r = p.partner_access.as_ref()?;
    match r.status {
        Status::Clear => None,
        Status::Blocked => Some((
            true,
            format!(
                "Partner access is blocked: {} (see Partner access).",
                r.blocked.first().map_or("", String::as_str)
            ),
        )),
        Status::NotProven => Some((
            false,
            format!(
                "Partner access is not proven: {} check(s) could not be decided (see Partner access).",
                r.unchecked.len()
            ),
        )),
    }
}
