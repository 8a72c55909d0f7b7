//! `licplan inspect` as a [`Report`]: the tenant in one line, then the files read, the
//! evidence, products, licensed groups, users in error states and findings.

use std::borrow::Cow;

use super::opt;
use super::report::{Block, Cell, Column, Empty, Medium, Report, Section, Span, Table};
use crate::inspect::Inspection;

/// The inspection's report, for the terminal and for documents.
pub fn report(r: &Inspection) -> Report<'_> {
    let location = r.default_usage_location.as_deref().unwrap_or("unknown");
    Report {
        title: "Tenant inspection".into(),
        headline: vec![
            Span::plain(format!(
                "Tenant: {} users, {} groups ({} licensed), default usage location ",
                r.users,
                r.groups,
                r.licensed_groups.len(),
            )),
            Span::text(location),
        ],
        lead: vec![Block::Paragraph(vec![
            Span::plain(format!(
                "{} users, {} groups ({} licensed). Default usage location: ",
                r.users,
                r.groups,
                r.licensed_groups.len(),
            )),
            Span::text(location),
            Span::plain("."),
        ])],
        sections: vec![
            files(r),
            evidence(r),
            products(r),
            licensed_groups(r),
            error_states(r),
            findings(r),
        ],
    }
}

fn files(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("file"),
        Column::left("read as"),
        Column::left("content"),
        Column::right("records"),
    ])
    .rows(r.sources.iter().map(|s| {
        vec![
            Cell::text(s.file.as_str()),
            s.format.as_str().into(),
            s.content.as_str().into(),
            Cell::int(s.records),
        ]
    }));
    Section::new("Files read").block(Block::Table(t))
}

fn evidence(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("check"),
        Column::left("status"),
        Column::left("detail"),
        Column::left("fix"),
    ])
    .rows(r.evidence.iter().map(|e| {
        vec![
            Cell::code(e.check.as_str()),
            e.status.as_str().into(),
            Cell::text(e.detail.as_str()),
            Cell::text(e.fix.as_deref().unwrap_or("")),
        ]
    }));
    Section::new("Evidence").block(Block::Table(t))
}

fn products(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("product"),
        Column::left("part number"),
        Column::right("enabled"),
        Column::right("consumed"),
        Column::right("available"),
        Column::right("direct only"),
        Column::right("inherited only"),
        Column::right("both"),
        Column::right("path unknown"),
    ])
    .rows(
        r.skus
            .iter()
            .map(|s| super::sku_cells(s).into_iter().map(Cell::from).collect()),
    );
    Section::new("Products").block(Block::Table(t))
}

fn licensed_groups(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("group"),
        Column::left("kind"),
        Column::left("security"),
        Column::left("licenses"),
        Column::right("user members"),
        Column::right("nested groups"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(r.licensed_groups.iter().map(|g| {
        vec![
            Cell::text(g.display_name.as_deref().unwrap_or(&g.group_id)),
            g.kind.into(),
            opt(g.security_enabled).into(),
            g.licenses.join(", ").into(),
            Cell::int(g.user_members),
            Cell::int(g.nested_groups),
        ]
    }));
    Section::new("Licensed groups").block(Block::Table(t))
}

fn examples<'a>(v: &'a [String], sep: &'static str) -> Cell<'a> {
    Cell::list(v.iter().map(|s| Cow::Borrowed(s.as_str())).collect(), sep)
}

fn error_states(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("error"),
        Column::right("users"),
        Column::left("examples"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(r.error_states.iter().map(|e| {
        vec![
            Cell::text(e.error.as_str()),
            Cell::int(e.users),
            examples(&e.examples, ", "),
        ]
    }));
    Section::new("Users in licensing error states").block(Block::Table(t))
}

fn findings(r: &Inspection) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("code"),
        Column::right("count"),
        // A sentence each: too long for a terminal's grid.
        Column::left("what it means").only(Medium::Document),
        Column::left("examples"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(r.findings.iter().map(|f| {
        vec![
            Cell::code(f.code),
            Cell::int(f.count),
            f.description.into(),
            examples(&f.examples, "; "),
        ]
    }));
    Section::new("Findings").block(Block::Table(t))
}
