//! The plan's rollback summary: each stage's rollback in one line (in a document), and the
//! simulator's proof of every stage's and wave's rollback as a table.

use std::borrow::Cow;

use super::super::report::{Block, Cell, Column, Medium, Section, Table};
use super::words::count;
use crate::plan::doc::Plan;

/// Each stage's rollback in one line (in a document), and the simulator's proof of each
/// stage's and wave's rollback as a table.
pub(super) fn rollback(p: &Plan) -> Section<'_> {
    let r = &p.rollback;
    let lines = Block::Bullets(
        p.stages
            .iter()
            .map(|st| {
                Cow::Owned(format!(
                    "Stage {} ({}): {}",
                    st.number,
                    st.title,
                    st.rollback.join(" ")
                ))
            })
            .collect(),
    );
    if r.parts.is_empty() {
        // No stage, nothing proven or not: the summary's lines alone, in a document.
        return Section::new("Rollback summary")
            .only(Medium::Document)
            .block(lines);
    }
    let failed = r.parts.iter().filter(|x| !x.proven).count() as u64;
    let head = if r.proven {
        "Every rollback is proven by the simulator: replayed from its stage's (or wave's) end, it restores what each user held when the stage began, with no error and no loss.".to_owned()
    } else {
        format!(
            "{} NOT proven: the plan says why below.",
            count(failed, "rollback is", "rollbacks are")
        )
    };
    let t = Table::new(vec![
        Column::right("stage"),
        Column::right("wave"),
        Column::right("rollback ops"),
        Column::right("users checked"),
        Column::left("proven"),
        Column::left("why not"),
    ])
    .rows(
        r.parts
            .iter()
            .filter(|x| x.actions > 0 || !x.proven)
            .map(|x| {
                vec![
                    Cell::int(x.stage),
                    x.wave.map_or_else(|| Cell::text(""), Cell::int),
                    Cell::int(x.actions),
                    Cell::int(x.users_checked),
                    Cell::text(if x.proven { "yes" } else { "no" }),
                    Cell::text(x.reasons.join("; ")),
                ]
            }),
    );
    Section::new("Rollback summary")
        .block(Block::plain(head))
        .block(Block::Table(t))
        .block(lines.only(Medium::Document))
}
