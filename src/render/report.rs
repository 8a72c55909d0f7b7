//! One model of a human-readable report: a titled list of sections, each a list of blocks
//! (paragraphs, key/value lists, tables, bullet lists, "nothing here" notes, subsections).
//!
//! A report is built once from its source ([`super::inspection`], [`super::simulation`]) and
//! written by one renderer per medium: [`super::table::write`] for the terminal,
//! [`super::markdown::write`] for Markdown and [`super::html::write`] for HTML.
//!
//! Two media see a report differently, and the model says where:
//! - the terminal shows a one-line [`Report::headline`] where a document shows the
//!   [`Report::title`] and its [`Report::lead`];
//! - a block may be shown in one medium only ([`Block::Only`]), a column too ([`Column::only`]);
//! - a section may carry a shorter or longer title for the terminal ([`Section::terminal_title`]),
//!   or be shown in one medium only ([`Section::only`]).
//!
//! Text from the exports is held as it was read and escaped by each renderer (the terminal's
//! [`clean`](super::grid::clean), Markdown's [`cell`](super::markdown::cell)); licplan's own
//! words ([`Span::Plain`]) are written as they are. Cells borrow from the source report where
//! they can, so a report of a million-user plan's steps is not copied string by string.

use std::borrow::Cow;

/// Where a report is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// A terminal or a pipe (`--format table`): compact, one fixed layout.
    Terminal,
    /// A document (`--format markdown` and `--format html`): titled, with explanations.
    Document,
}

/// A report: a title and lead for documents, a headline for the terminal, then sections.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    /// The document's title (`# Tenant inspection`).
    pub title: Cow<'a, str>,
    /// The line a terminal shows first, in place of the title and the lead.
    pub headline: Vec<Span<'a>>,
    /// The blocks a document shows under its title, before the first section.
    pub lead: Vec<Block<'a>>,
    pub sections: Vec<Section<'a>>,
}

/// A titled section.
#[derive(Debug, Clone, PartialEq)]
pub struct Section<'a> {
    pub title: Cow<'a, str>,
    /// The title the terminal shows instead (`Not checked (NOT PROVEN)`), when it differs.
    pub terminal_title: Option<Cow<'a, str>>,
    /// A section shown in this medium only (a plan's skipped users are not on the terminal).
    pub only: Option<Medium>,
    pub blocks: Vec<Block<'a>>,
}

impl<'a> Section<'a> {
    pub fn new(title: impl Into<Cow<'a, str>>) -> Self {
        Section {
            title: title.into(),
            terminal_title: None,
            only: None,
            blocks: Vec::new(),
        }
    }

    /// This section, shown in `medium` only.
    #[must_use]
    pub fn only(mut self, medium: Medium) -> Self {
        self.only = Some(medium);
        self
    }

    pub fn shown_in(&self, medium: Medium) -> bool {
        self.only.is_none_or(|m| m == medium)
    }

    /// The title a terminal shows instead of [`Section::title`].
    #[must_use]
    pub fn terminal_title(mut self, title: impl Into<Cow<'a, str>>) -> Self {
        self.terminal_title = Some(title.into());
        self
    }

    /// Adds a block.
    #[must_use]
    pub fn block(mut self, b: Block<'a>) -> Self {
        self.blocks.push(b);
        self
    }

    /// Adds the blocks.
    #[must_use]
    pub fn blocks(mut self, bs: impl IntoIterator<Item = Block<'a>>) -> Self {
        self.blocks.extend(bs);
        self
    }

    /// The title shown in `medium`.
    pub fn title_in(&self, medium: Medium) -> &str {
        match (medium, &self.terminal_title) {
            (Medium::Terminal, Some(t)) => t,
            _ => &self.title,
        }
    }
}

/// One piece of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block<'a> {
    /// A paragraph: one line on a terminal.
    Paragraph(Vec<Span<'a>>),
    /// Key/value pairs (`users in scope: 12`).
    Fields(Vec<(Cow<'a, str>, Vec<Span<'a>>)>),
    Table(Table<'a>),
    /// A bullet list of texts (escaped); a document says "None." for an empty one, a terminal
    /// shows nothing.
    Bullets(Vec<Cow<'a, str>>),
    /// There is nothing to show here: `(none)` on a terminal, `None.` in a document, with the
    /// detail after it when there is one (`(none: …)`, `None: ….`).
    Nothing(Option<Cow<'a, str>>),
    /// A section inside this one (a plan's stage, a stage's wave): one heading level deeper.
    Section(Section<'a>),
    /// A block shown in this medium only.
    Only(Medium, Box<Block<'a>>),
    /// The decision a reader looks for first (GO / GO WITH CONDITIONS / NO-GO) and why: a
    /// coloured band in HTML, a quoted line in Markdown, a line on a terminal.
    Band(Band<'a>),
    /// A chart: inline SVG in HTML, followed by its table; its table alone on a terminal and
    /// in Markdown (a timeline also as a mermaid `gantt` there).
    Chart(Box<Chart<'a>>),
}

/// How a decision reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Go,
    Conditions,
    NoGo,
}

impl Tone {
    pub fn word(self) -> &'static str {
        match self {
            Tone::Go => "GO",
            Tone::Conditions => "GO WITH CONDITIONS",
            Tone::NoGo => "NO-GO",
        }
    }

    /// The CSS class of its band.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Go => "band go",
            Tone::Conditions => "band conditions",
            Tone::NoGo => "band no-go",
        }
    }
}

/// A decision and the reasons under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band<'a> {
    pub tone: Tone,
    /// The line after the word (`SAFE by simulation; 6 users held back`).
    pub line: Vec<Span<'a>>,
    /// The conditions or the reasons for a NO-GO, one a bullet.
    pub reasons: Vec<Cow<'a, str>>,
}

/// A chart's figures: what HTML draws. The same numbers are in the chart's table.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure<'a> {
    /// Groups of bars (one group per product), each group with its limit (enabled seats)
    /// drawn as a line; a bar above its group's limit is drawn red.
    Bars(Vec<BarGroup<'a>>),
    /// Bars on a time axis: each slot from its start, for its length, in minutes.
    Timeline(Vec<Slot<'a>>),
}

/// One group of bars.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup<'a> {
    pub name: Cow<'a, str>,
    pub limit: Option<i64>,
    /// Label and value of each bar.
    pub bars: Vec<(Cow<'a, str>, i64)>,
}

/// What a slot of a timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Stage,
    Wave,
    Soak,
}

/// One slot of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot<'a> {
    pub label: Cow<'a, str>,
    pub kind: SlotKind,
    pub start_minutes: f64,
    pub minutes: f64,
}

/// A chart: a title and a description (the SVG's accessible name and description), its
/// figures and the same numbers as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart<'a> {
    pub title: Cow<'a, str>,
    pub description: Cow<'a, str>,
    pub figure: Figure<'a>,
    pub table: Table<'a>,
}

impl<'a> Block<'a> {
    /// A paragraph of licplan's own words.
    pub fn plain(s: impl Into<Cow<'a, str>>) -> Self {
        Block::Paragraph(vec![Span::Plain(s.into())])
    }

    /// This block, shown in `medium` only.
    #[must_use]
    pub fn only(self, medium: Medium) -> Self {
        Block::Only(medium, Box::new(self))
    }

    /// The block as `medium` shows it, `None` when it is not shown there.
    pub fn shown_in(&self, medium: Medium) -> Option<&Block<'a>> {
        match self {
            Block::Only(m, b) if *m == medium => b.shown_in(medium),
            Block::Only(..) => None,
            b => Some(b),
        }
    }
}

/// Part of a line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span<'a> {
    /// licplan's own words and numbers, written as they are.
    Plain(Cow<'a, str>),
    /// Text from the exports (a name, a location): escaped by every renderer.
    Text(Cow<'a, str>),
    /// licplan's own words, emphasised in a document (`**SAFE**`).
    Strong(Cow<'a, str>),
}

impl<'a> Span<'a> {
    pub fn plain(s: impl Into<Cow<'a, str>>) -> Self {
        Span::Plain(s.into())
    }
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Span::Text(s.into())
    }
    pub fn strong(s: impl Into<Cow<'a, str>>) -> Self {
        Span::Strong(s.into())
    }
}

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// In a document.
    pub align: Align,
    /// On the terminal.
    pub terminal_align: Align,
    /// A column shown in this medium only (a finding's description is too long for a terminal).
    pub only: Option<Medium>,
    /// When a terminal lists the rows line by line ([`Listing`]): the words before this
    /// column's value (`seats: `).
    pub label: &'static str,
}

impl Column {
    /// A left-aligned column.
    pub fn left(name: &'static str) -> Self {
        Column {
            name,
            align: Align::Left,
            terminal_align: Align::Left,
            only: None,
            label: "",
        }
    }

    /// A right-aligned (numeric) column.
    pub fn right(name: &'static str) -> Self {
        Column {
            align: Align::Right,
            terminal_align: Align::Right,
            ..Column::left(name)
        }
    }

    /// A column right-aligned in documents and left-aligned on the terminal (a step number).
    pub fn right_in_documents(name: &'static str) -> Self {
        Column {
            align: Align::Right,
            ..Column::left(name)
        }
    }

    /// This column, shown in `medium` only.
    #[must_use]
    pub fn only(mut self, medium: Medium) -> Self {
        self.only = Some(medium);
        self
    }

    /// The words before this column's value when the terminal lists rows line by line.
    #[must_use]
    pub fn label(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    pub fn shown_in(&self, medium: Medium) -> bool {
        self.only.is_none_or(|m| m == medium)
    }

    pub fn align_in(&self, medium: Medium) -> Align {
        match medium {
            Medium::Terminal => self.terminal_align,
            Medium::Document => self.align,
        }
    }
}

/// A table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Text from the exports, or licplan's words.
    Text(Cow<'a, str>),
    /// A stable code of licplan's (`add-member`, `duplicate-upn`): a code span in a document.
    Code(Cow<'a, str>),
    /// A number.
    Int(i64),
    /// Several texts: on lines of their own in a terminal grid, joined by `sep` elsewhere.
    List {
        items: Vec<Cow<'a, str>>,
        sep: &'static str,
    },
}

impl<'a> Cell<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(s.into())
    }

    pub fn code(s: impl Into<Cow<'a, str>>) -> Self {
        Cell::Code(s.into())
    }

    /// A count or a step number.
    pub fn int(n: impl TryInto<i64>) -> Self {
        Cell::Int(n.try_into().unwrap_or(i64::MAX))
    }

    pub fn list(items: Vec<Cow<'a, str>>, sep: &'static str) -> Self {
        Cell::List { items, sep }
    }

    /// The cell as one text: a list joined by its separator.
    pub fn inline(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) | Cell::Code(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::List { items, sep } => Cow::Owned(items.join(sep)),
        }
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Cell<'_> {
    fn from(s: String) -> Self {
        Cell::Text(Cow::Owned(s))
    }
}

/// What an empty table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Empty<'a> {
    /// Its header, with no row.
    Header,
    /// [`Block::Nothing`] with this detail, in place of the table.
    Nothing(Option<Cow<'a, str>>),
    /// Its header on a terminal, `None.` in a document.
    HeaderOnTerminal,
}

/// On a terminal, a table of more than `above` rows is listed record by record instead of as
/// a grid: a grid pads every row to its widest cell and is laid out whole before its first
/// line is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<'a> {
    pub above: usize,
    /// The line before the records (`(417000 steps, listed one by one; …)`).
    pub note: Cow<'a, str>,
}

/// A table: columns, rows of cells, and what it shows when it has no row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell<'a>>>,
    pub empty: Empty<'a>,
    pub listing: Option<Listing<'a>>,
}

impl<'a> Table<'a> {
    pub fn new(columns: Vec<Column>) -> Self {
        Table {
            columns,
            rows: Vec::new(),
            empty: Empty::Header,
            listing: None,
        }
    }

    /// What the table shows when it has no row.
    #[must_use]
    pub fn when_empty(mut self, empty: Empty<'a>) -> Self {
        self.empty = empty;
        self
    }

    #[must_use]
    pub fn listed_above(mut self, above: usize, note: impl Into<Cow<'a, str>>) -> Self {
        self.listing = Some(Listing {
            above,
            note: note.into(),
        });
        self
    }

    /// Adds a row: one cell per column, in column order.
    pub fn row(&mut self, cells: Vec<Cell<'a>>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "a cell per column");
        self.rows.push(cells);
    }

    /// Adds the rows.
    #[must_use]
    pub fn rows(mut self, rows: impl IntoIterator<Item = Vec<Cell<'a>>>) -> Self {
        for r in rows {
            self.row(r);
        }
        self
    }

    /// The indexes of the columns shown in `medium`.
    pub fn shown_columns(&self, medium: Medium) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].shown_in(medium))
            .collect()
    }

    /// The block this table is in `medium` when it has no row: itself (its header), or a
    /// "nothing" note.
    pub fn empty_in(&self, medium: Medium) -> Option<Option<&str>> {
        if !self.rows.is_empty() {
            return None;
        }
        match (&self.empty, medium) {
            (Empty::Header, _) | (Empty::HeaderOnTerminal, Medium::Terminal) => None,
            (Empty::HeaderOnTerminal, Medium::Document) => Some(None),
            (Empty::Nothing(d), _) => Some(d.as_deref()),
        }
    }
}

/// The first `rows` rows of `t`, then a line counting the rest: where `whole` (the JSON/YAML
/// document) lists them all, and the `--attachments` file that holds them, if one does.
pub fn capped<'a>(
    mut t: Table<'a>,
    rows: usize,
    what: &str,
    whole: &str,
    file: Option<&str>,
) -> Vec<Block<'a>> {
    let more = t.rows.len().saturating_sub(rows);
    t.rows.truncate(rows);
    let mut v = vec![Block::Table(t)];
    if more > 0 {
        v.push(Block::plain(match file {
            Some(file) => format!(
                "… and {more} more {what} ({whole} lists all; --attachments DIR writes {file})"
            ),
            None => format!("… and {more} more {what} ({whole} lists all)"),
        }));
    }
    v
}

/// The "Not checked" section that follows a verdict (plan and simulate alike): each check the
/// run could not make, what it did not check, and how to get the evidence. `None` when every
/// check ran.
pub fn not_checked<'a>(
    word: &'a str,
    unchecked: &'a [crate::simulate::report::Unchecked],
) -> Option<Section<'a>> {
    if unchecked.is_empty() {
        return None;
    }
    let table = Table::new(vec![
        Column::left("check"),
        Column::left("what was not checked"),
        Column::left("fix"),
    ])
    .rows(unchecked.iter().map(|u| {
        vec![
            Cell::code(u.check.as_str()),
            Cell::text(u.reason.as_str()),
            Cell::text(u.fix.as_str()),
        ]
    }));
    Some(
        Section::new("Not checked")
            .terminal_title(format!("Not checked ({word})"))
            .block(
                Block::Paragraph(vec![
                    Span::plain("The verdict is "),
                    Span::strong(word),
                    Span::plain(": these checks could not run on the exports read."),
                ])
                .only(Medium::Document),
            )
            .block(Block::Table(table)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_columns_are_shown_where_they_say() {
        let b = Block::plain("only in documents").only(Medium::Document);
        assert!(b.shown_in(Medium::Terminal).is_none());
        assert_eq!(
            b.shown_in(Medium::Document),
            Some(&Block::plain("only in documents"))
        );
        let c = Column::left("what it means").only(Medium::Document);
        assert!(!c.shown_in(Medium::Terminal) && c.shown_in(Medium::Document));
        let s = Section::new("only on terminals").only(Medium::Terminal);
        assert!(s.shown_in(Medium::Terminal) && !s.shown_in(Medium::Document));
        assert!(Section::new("everywhere").shown_in(Medium::Document));
        let step = Column::right_in_documents("step");
        assert_eq!(step.align_in(Medium::Terminal), Align::Left);
        assert_eq!(step.align_in(Medium::Document), Align::Right);
    }

    #[test]
    fn empty_tables_show_what_they_say() {
        let t = Table::new(vec![Column::left("a")]);
        assert_eq!(t.empty_in(Medium::Document), None, "header only");
        let t = t.when_empty(Empty::HeaderOnTerminal);
        assert_eq!(t.empty_in(Medium::Terminal), None);
        assert_eq!(t.empty_in(Medium::Document), Some(None));
        let t = t.when_empty(Empty::Nothing(Some("all good".into())));
        assert_eq!(t.empty_in(Medium::Terminal), Some(Some("all good")));
        let t = t.rows([vec![Cell::int(1)]]);
        assert_eq!(t.empty_in(Medium::Document), None, "it has a row");
    }

    #[test]
    fn a_list_cell_joins_with_its_separator_inline() {
        let c = Cell::list(vec!["a".into(), "b".into()], "; ");
        assert_eq!(c.inline(), "a; b");
        assert_eq!(Cell::int(-3).inline(), "-3");
        assert_eq!(Cell::int(u64::MAX).inline(), i64::MAX.to_string());
    }

    #[test]
    fn not_checked_is_absent_when_every_check_ran() {
        assert!(not_checked("SAFE", &[]).is_none());
    }
}
