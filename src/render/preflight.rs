//! `licplan preflight` as a [`Report`]: the status and what blocks, the Conditional Access
//! verdicts with their fixes, the roles and scopes per stage, seats, tokens and the errors a
//! partner may meet.

use std::borrow::Cow;

use super::report::{Block, Cell, Column, Empty, Medium, Report, Section, Span, Table};
use crate::preflight::PreflightReport;

/// The status as a band shows it.
pub fn word(r: &PreflightReport) -> &'static str {
    match r.status {
        crate::preflight::Status::Clear => "CLEAR",
        crate::preflight::Status::Blocked => "BLOCKED",
        crate::preflight::Status::NotProven => "NOT PROVEN",
    }
}

/// The preflight report, for the terminal and for documents.
pub fn report(r: &PreflightReport) -> Report<'_> {
    let word = word(r);
    let counts = r
        .counts
        .iter()
        .map(|c| format!("{} {}", c.policies, c.verdict.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "{} polic{}{}, via {}: ",
        r.policies.len(),
        if r.policies.len() == 1 { "y" } else { "ies" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({counts})")
        },
        via(r)
    );
    let mut sections = vec![verdict(r)];
    sections.extend(not_checked(r));
    sections.extend([
        Section::new("Partner and plan").block(Block::Fields(vec![
            ("plan".into(), vec![Span::text(r.plan.as_str())]),
            (
                "plan hash".into(),
                vec![Span::plain(r.plan_hash.as_deref().unwrap_or("-"))],
            ),
            (
                "customer tenant".into(),
                vec![Span::text(r.customer_tenant.as_deref().unwrap_or("-"))],
            ),
            (
                "partner tenant".into(),
                vec![Span::text(
                    r.partner_tenant.as_deref().unwrap_or("- (not given)"),
                )],
            ),
            ("calls via".into(), vec![Span::plain(via(r))]),
            (
                "GDAP roles".into(),
                vec![Span::plain(match &r.roles {
                    Some(v) if !v.is_empty() => v.join(", "),
                    _ => "- (not given)".to_owned(),
                })],
            ),
        ])),
        policies(r),
        fixes(r),
        warnings(r),
        stages(r),
        seats(r),
        Section::new("Tokens").block(Block::plain(r.token.as_str())),
        errors(r),
    ]);
    Report {
        title: "Partner preflight".into(),
        headline: vec![
            Span::plain(format!("Partner preflight: {summary}")),
            Span::plain(word),
        ],
        lead: vec![Block::Paragraph(vec![
            Span::plain(summary),
            Span::strong(word),
            Span::plain("."),
        ])],
        sections,
    }
}

fn via(r: &PreflightReport) -> &'static str {
    match r.via {
        crate::preflight::Via::Gdap => "gdap",
        crate::preflight::Via::PartnerCenter => "partner-center",
    }
}

fn verdict(r: &PreflightReport) -> Section<'_> {
    let mut s = Section::new("Verdict").block(Block::Paragraph(vec![
        Span::strong(word(r)),
        Span::plain(": "),
        Span::plain(r.status.description()),
    ]));
    if !r.blocked.is_empty() {
        s = s.block(Block::Bullets(
            r.blocked
                .iter()
                .map(|b| Cow::Borrowed(b.as_str()))
                .collect(),
        ));
    }
    s
}

fn not_checked(r: &PreflightReport) -> Option<Section<'_>> {
    if r.unchecked.is_empty() {
        return None;
    }
    let t = Table::new(vec![
        Column::left("check"),
        Column::left("what was not decided"),
        Column::left("fix"),
    ])
    .rows(r.unchecked.iter().map(|u| {
        vec![
            Cell::code(u.check),
            Cell::text(u.detail.as_str()),
            Cell::text(u.fix.as_str()),
        ]
    }));
    Some(Section::new("Not checked").block(Block::Table(t)))
}

fn policies(r: &PreflightReport) -> Section<'_> {
    let files = r
        .policy_files
        .iter()
        .map(|f| format!("{} ({})", f.file, f.policies))
        .collect::<Vec<_>>()
        .join(", ");
    let t = Table::new(vec![
        Column::left("policy"),
        Column::left("file").only(Medium::Document),
        Column::left("state"),
        Column::left("verdict"),
        Column::left("decided by"),
        Column::left("why").only(Medium::Document),
    ])
    .when_empty(Empty::Nothing(Some(
        "no Conditional Access policies were given (--conditional-access)".into(),
    )))
    .rows(r.policies.iter().map(|p| {
        vec![
            Cell::text(if p.name.is_empty() {
                p.file.as_str()
            } else {
                p.name.as_str()
            }),
            Cell::text(format!("{} #{}", p.file, p.record)),
            Cell::code(p.state),
            Cell::code(p.verdict.as_str()),
            Cell::code(p.field.as_str()),
            Cell::text(p.reason.as_str()),
        ]
    }));
    let mut s = Section::new("Conditional Access policies");
    if !files.is_empty() {
        s = s.block(
            Block::Paragraph(vec![Span::plain("Read: "), Span::text(files)]).only(Medium::Document),
        );
    }
    s = s.block(Block::Table(t));
    if !r.skipped_files.is_empty() {
        s = s.block(Block::Bullets(
            r.skipped_files
                .iter()
                .map(|f| Cow::Owned(format!("skipped {f}")))
                .collect(),
        ));
    }
    s
}

fn fixes(r: &PreflightReport) -> Section<'_> {
    let mut s = Section::new("Fixes (licplan never applies them)");
    let mut any = false;
    for p in &r.policies {
        let Some(f) = &p.fix else { continue };
        any = true;
        let body = serde_json::to_string(&f.body).unwrap_or_default();
        let mut fields = vec![
            ("verdict".into(), vec![Span::plain(p.verdict.as_str())]),
            ("request".into(), vec![Span::text(f.request.as_str())]),
            ("body".into(), vec![Span::text(body)]),
            ("portal".into(), vec![Span::text(f.portal.as_str())]),
            ("prevents".into(), vec![Span::plain(f.prevents.join(", "))]),
        ];
        if let Some(n) = &f.note {
            fields.push(("note".into(), vec![Span::text(n.as_str())]));
        }
        let title = if p.name.is_empty() {
            p.file.as_str()
        } else {
            p.name.as_str()
        };
        s = s.block(Block::Section(
            Section::new(title).block(Block::Fields(fields)),
        ));
    }
    if !any {
        s = s.block(Block::Nothing(Some("no policy reaches the partner".into())));
    }
    s
}

fn warnings(r: &PreflightReport) -> Section<'_> {
    let list: Vec<Cow<'_, str>> = r
        .policies
        .iter()
        .flat_map(|p| {
            p.warnings.iter().map(move |w| {
                Cow::Owned(format!(
                    "{}: {w}",
                    if p.name.is_empty() { &p.file } else { &p.name }
                ))
            })
        })
        .collect();
    let s = Section::new("Warnings");
    if list.is_empty() {
        s.block(Block::Nothing(None))
    } else {
        s.block(Block::Bullets(list))
    }
}

fn stages(r: &PreflightReport) -> Section<'_> {
    let roles_given = r.roles.is_some();
    let mut cols = vec![
        Column::right_in_documents("stage"),
        Column::left("title").only(Medium::Document),
        Column::left("writes"),
        Column::left("scopes"),
        Column::left("roles that alone can run it"),
    ];
    if roles_given {
        cols.push(Column::left("with the roles given"));
    }
    let t = Table::new(cols)
        .when_empty(Empty::Nothing(Some("the plan has no stage".into())))
        .rows(r.stages.iter().map(|s| {
            let list = |v: &[&'static str]| {
                if v.is_empty() {
                    Cell::text("-")
                } else {
                    Cell::list(v.iter().map(|x| Cow::Borrowed(*x)).collect(), ", ")
                }
            };
            let mut row = vec![
                Cell::int(s.stage),
                Cell::text(s.title.as_str()),
                list(&s.writes),
                list(&s.scopes),
                if s.roles.is_empty() {
                    Cell::text("any (reads only)")
                } else {
                    list(&s.roles)
                },
            ];
            if roles_given {
                row.push(Cell::text(match s.runnable {
                    Some(true) | None => "can run it".to_owned(),
                    Some(false) => format!(
                        "cannot: {}",
                        s.missing
                            .iter()
                            .map(|m| format!(
                                "{} need one of {}",
                                m.ops.join(", "),
                                m.roles.join(", ")
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                }));
            }
            row
        }));
    Section::new("Roles and scopes per stage").block(Block::Table(t))
}

fn seats(r: &PreflightReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::right_in_documents("stage"),
        Column::right_in_documents("wave"),
        Column::left("product"),
        Column::right("enabled"),
        Column::right("peak"),
        Column::right("spare"),
        Column::left("risk"),
    ])
    .when_empty(Empty::Nothing(Some(
        "every stage that takes seats has seats to spare".into(),
    )))
    .rows(r.seats.iter().map(|s| {
        vec![
            Cell::int(s.stage),
            s.wave.map_or_else(|| Cell::text("-"), Cell::int),
            Cell::text(s.sku.as_str()),
            Cell::int(s.enabled),
            Cell::int(s.peak),
            Cell::int(s.spare),
            Cell::text(if s.spare < 0 {
                "60012 (Partner Center) / CountViolation (Graph) predicted"
            } else {
                "no seat to spare: one assignment outside the plan makes it fail (60012 / CountViolation)"
            }),
        ]
    }));
    Section::new("Seats").block(Block::Table(t))
}

fn errors(r: &PreflightReport) -> Section<'_> {
    let t = Table::new(vec![
        Column::left("code"),
        Column::left("what it means"),
        Column::left("fix"),
    ])
    .rows(r.errors.iter().map(|e| {
        vec![
            Cell::code(e.code),
            Cell::text(e.description),
            Cell::text(e.fix),
        ]
    }));
    Section::new("Errors a partner may meet")
        .only(Medium::Document)
        .block(Block::Table(t))
}
