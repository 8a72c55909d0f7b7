//! The plan's assumptions: the readings of Microsoft's behaviour that touch this plan, the
//! licensing rules their texts cite, and how many readings were left out.

use std::borrow::Cow;

use crate::plan::doc::Plan;
use crate::render::report::{Block, Medium, Section};

/// The "Assumptions" section of a document.
pub(super) fn section(p: &Plan) -> Section<'_> {
    Section::new("Assumptions")
        .only(Medium::Document)
        .blocks(rule_glossary(p))
        .block(Block::Bullets(
            p.assumptions
                .iter()
                .map(|a| Cow::Borrowed(a.as_str()))
                .collect(),
        ))
        .blocks(assumptions_note(p))
}

/// The licensing rules (R1–R13, docs/domain/RULES.md) the plan's texts cite, each with its
/// name: a reader needs no rule number to follow them.
fn rule_glossary(p: &Plan) -> Vec<Block<'static>> {
    const RULES: [(&str, &str); 13] = [
        (
            "R1",
            "assignment paths: direct, inherited from a group, or both",
        ),
        ("R2", "one seat per user per product, however many paths"),
        ("R3", "a user's services are the union of its paths"),
        ("R4", "a group applies all its products, or none"),
        ("R5", "licensing errors and when they arise"),
        (
            "R6",
            "usage location: a direct assignment needs the user's own",
        ),
        ("R7", "add-ons need their prerequisite in the same group"),
        ("R8", "group processing is asynchronous and can take hours"),
        ("R9", "group limits"),
        ("R10", "leaving a group removes its licenses"),
        ("R11", "changing products (E1 to E3)"),
        (
            "R12",
            "Microsoft's five-step migration from direct to group licenses",
        ),
        ("R13", "who may do it (roles and scopes)"),
    ];
    let cited = |code: &str| {
        let texts = p
            .assumptions
            .iter()
            .chain(p.stages.iter().flat_map(|s| s.risks.iter().chain(&s.gates)));
        texts.into_iter().any(|t| {
            t.match_indices(code)
                .any(|(i, _)| !t[i + code.len()..].starts_with(|c: char| c.is_ascii_digit()))
        })
    };
    let rules: Vec<Cow<'static, str>> = RULES
        .iter()
        .filter(|(code, _)| cited(code))
        .map(|(code, name)| Cow::Owned(format!("{code}: {name}")))
        .collect();
    if rules.is_empty() {
        return Vec::new();
    }
    vec![
        Block::plain("The licensing rules these texts cite (docs/domain/RULES.md):"),
        Block::Bullets(rules),
    ]
}

/// What the names in brackets are, and how many readings touch nothing in this plan.
fn assumptions_note(p: &Plan) -> Vec<Block<'static>> {
    let mut v = vec![Block::plain(
        "The name in brackets after a reading is its entry in licplan's rules (data/rules.yaml): a rules file given with --rules can replace it or turn it off.",
    )];
    if p.assumptions_left_out > 0 {
        let n = p.assumptions_left_out;
        let (what, touch) = if n == 1 {
            ("other reading is", "it touches")
        } else {
            ("other readings are", "they touch")
        };
        v.push(Block::plain(format!(
            "{n} {what} left out: {touch} none of this plan's products, rules or situations (`licplan simulate TENANT --plan PLAN` states every reading)."
        )));
    }
    v
}
