//! Markdown reports, for change boards and wikis.
//!
//! Exported names reach a report as text, never as Markdown: a name such as
//! `![x](https://tracker.example/p.png)` must not load an image when the report is rendered,
//! `[click](javascript:alert(1))` must not become a link, `<script>` must not become a tag, a
//! `|` or a line break must not split a table cell, and a cell must not start a spreadsheet
//! formula when the table is pasted into one. [`text`] and [`cell`] backslash-escape what
//! CommonMark would read as syntax (any ASCII punctuation may be escaped, so the rendered text
//! reads the same).

use std::io::{self, Write};

use super::grid::{is_blank, is_hidden, push_escaped};
use super::report::{
    Align, Block, Cell, Figure, Medium, Report, Section, Slot, SlotKind, Span, Table,
};

/// A character that starts a spreadsheet formula (OWASP "CSV injection"), in ASCII or in its
/// fullwidth form (U+FF1D, U+FF0B, U+FF0D, U+FF20), which spreadsheets set to East Asian input
/// take as the ASCII one.
fn starts_formula(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
    )
}

/// Whether a cell would run as a formula in a spreadsheet that imports the table: it starts
/// with a tab, CR or line feed, or its first character after white space and invisible
/// characters starts a formula (`  =HYPERLINK(...)`). A lone `-` is how reports write "none".
fn needs_quote(s: &str) -> bool {
    if s == "-" {
        return false;
    }
    if s.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    s.chars()
        .find(|c| !c.is_whitespace() && !is_hidden(*c))
        .is_some_and(starts_formula)
}

/// Escapes text for Markdown. `line_break` is what a CR or LF becomes (`<br>` in a table cell,
/// a space elsewhere). Escaped are: `\\` (else a name ending in one would escape the next
/// character, a cell's closing `|` included), `[` and `]` (links, images,
/// reference links and footnotes: with both escaped no `](` or `![` survives), `<` (HTML tags
/// and `<https://…>` autolinks), `&` (entities such as `&lt;`), `|` (table cells), the `:` of
/// `://` and the `.` of `www.` (GitHub's bare-URL autolinks), and every
/// [hidden](super::grid::is_hidden) character, shown as `\u{…}`.
///
/// Backticks are kept: a code span only makes text inert, and the rules' assumptions use them.
/// `*`, `_` and `~` are kept too: emphasis changes how a name looks, never what it does.
fn escape(s: &str, line_break: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\r' => {
                // CRLF is one break.
                if chars.peek().is_some_and(|(_, n)| *n == '\n') {
                    chars.next();
                }
                out.push_str(line_break);
            }
            '\n' => out.push_str(line_break),
            '\\' | '[' | ']' | '<' | '&' | '|' => {
                out.push('\\');
                out.push(c);
            }
            ':' if s[i + 1..].starts_with("//") => out.push_str("\\:"),
            '.' if i >= 3 && s.as_bytes()[i - 3..i].eq_ignore_ascii_case(b"www") => {
                out.push_str("\\.");
            }
            // A tab is white space to a Markdown reader and breaks no table; kept.
            c if is_hidden(c) && c != '\t' => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell a spreadsheet will not run as a formula: a `'` before one it would (the same
/// rule as Markdown's [`cell`]), the text otherwise as it is.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A text that shows nothing (only spaces), quoted so it cannot pass for an empty value.
fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if is_blank(s) {
        format!("\"{s}\"").into()
    } else {
        s.into()
    }
}

/// Text outside a table cell (headings, bullets, paragraphs), escaped and kept on one line.
fn text(s: &str) -> String {
    escape(&visible(s), " ")
}

/// Escapes a table cell: Markdown syntax as in [`text`], line breaks as `<br>`, and a `'`
/// before a cell a spreadsheet would run as a formula.
pub fn cell(s: &str) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    if needs_quote(&s) {
        out.push('\'');
    }
    out.push_str(&escape(&s, "<br>"));
    out
}

/// A table cell: text from the exports, or a code of licplan's own shown as code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Md {
    Text(String),
    /// A stable code (`add-member`, `duplicate-upn`), shown in a code span.
    Code(String),
}

impl From<String> for Md {
    fn from(s: String) -> Self {
        Md::Text(s)
    }
}

impl From<&str> for Md {
    fn from(s: &str) -> Self {
        Md::Text(s.to_owned())
    }
}

impl Md {
    fn shown(&self) -> String {
        match self {
            Md::Code(s)
                if !s.is_empty()
                    && !needs_quote(s)
                    && !s.chars().any(|c| c == '`' || c == '|' || is_hidden(c)) =>
            {
                format!("`{s}`")
            }
            Md::Code(s) | Md::Text(s) => cell(s),
        }
    }
}

/// A table row of escaped cells.
fn row(out: &mut dyn Write, cells: &[Md]) -> io::Result<()> {
    let escaped: Vec<String> = cells.iter().map(Md::shown).collect();
    writeln!(out, "| {} |", escaped.join(" | "))
}

/// A table header; `right` lists the right-aligned (numeric) columns.
fn header(out: &mut dyn Write, names: &[&str], right: &[usize]) -> io::Result<()> {
    writeln!(out, "| {} |", names.join(" | "))?;
    let seps: Vec<&str> = (0..names.len())
        .map(|i| if right.contains(&i) { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", seps.join(" | "))
}

/// Writes a report as Markdown: `# title`, the lead, then each section under a heading one
/// level deeper than its parent's, blocks separated by blank lines.
///
/// # Errors
///
/// The writer's own error.
pub fn write(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut doc = Doc { out, first: true };
    doc.next()?;
    writeln!(doc.out, "# {}", text(&r.title))?;
    for b in &r.lead {
        doc.block(b, 1)?;
    }
    for s in &r.sections {
        doc.section(s, 2)?;
    }
    Ok(())
}

/// A Markdown document being written: every block after the first follows a blank line.
struct Doc<'w> {
    out: &'w mut dyn Write,
    first: bool,
}

const HERE: Medium = Medium::Document;

impl Doc<'_> {
    /// Starts a block.
    fn next(&mut self) -> io::Result<()> {
        if !std::mem::take(&mut self.first) {
            writeln!(self.out)?;
        }
        Ok(())
    }

    fn section(&mut self, s: &Section<'_>, level: usize) -> io::Result<()> {
        if !s.shown_in(HERE) {
            return Ok(());
        }
        self.next()?;
        writeln!(self.out, "{} {}", "#".repeat(level), text(s.title_in(HERE)))?;
        for b in &s.blocks {
            self.block(b, level)?;
        }
        Ok(())
    }

    /// A block of a section at `level`.
    fn block(&mut self, b: &Block<'_>, level: usize) -> io::Result<()> {
        let Some(b) = b.shown_in(HERE) else {
            return Ok(());
        };
        if let Block::Section(s) = b {
            return self.section(s, level + 1);
        }
        self.next()?;
        let out = &mut *self.out;
        match b {
            Block::Paragraph(s) => writeln!(out, "{}", spans(s)),
            Block::Fields(fields) => {
                for (k, v) in fields {
                    writeln!(out, "- {}: {}", text(k), spans(v))?;
                }
                Ok(())
            }
            Block::Table(t) => table(t, out),
            Block::Bullets(items) => {
                if items.is_empty() {
                    return writeln!(out, "- None.");
                }
                for i in items {
                    writeln!(out, "- {}", text(i))?;
                }
                Ok(())
            }
            Block::Nothing(detail) => nothing(detail.as_deref(), out),
            Block::Band(b) => {
                writeln!(out, "> **{}** — {}", b.tone.word(), spans(&b.line))?;
                for r in &b.reasons {
                    writeln!(out, ">\n> - {}", text(r))?;
                }
                Ok(())
            }
            Block::Chart(c) => {
                writeln!(out, "**{}**", text(&c.title))?;
                writeln!(out)?;
                if let Figure::Timeline(slots) = &c.figure {
                    gantt(&c.title, slots, out)?;
                    writeln!(out)?;
                }
                table(&c.table, out)
            }
            // Handled above, and unwrapped by `shown_in`.
            Block::Section(_) | Block::Only(..) => Ok(()),
        }
    }
}

/// A line of spans: text from the exports escaped, licplan's words as they are.
fn spans(spans: &[Span<'_>]) -> String {
    let mut line = String::new();
    for s in spans {
        match s {
            Span::Plain(s) => line.push_str(s),
            Span::Text(s) => line.push_str(&text(s)),
            Span::Strong(s) => {
                line.push_str("**");
                line.push_str(s);
                line.push_str("**");
            }
        }
    }
    line
}

/// A mermaid label: licplan's own words with what mermaid's gantt syntax reads (`:` ends a
/// task's name, `#` and `;` start entities and comments) and anything that could end the
/// fenced block replaced.
fn mermaid_label(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ':' | '#' | ';' | '`' | '<' | '>' | '&' | '"' => ' ',
            c if is_hidden(c) => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A timeline as a mermaid `gantt` chart in minutes from the start (`dateFormat X` reads
/// numbers as seconds since the epoch, so the axis starts at 0 and is in the same units as the
/// table below it).
fn gantt(title: &str, slots: &[Slot<'_>], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "```mermaid")?;
    writeln!(out, "gantt")?;
    writeln!(out, "    title {}", mermaid_label(title))?;
    writeln!(out, "    dateFormat X")?;
    writeln!(out, "    axisFormat %s")?;
    for (i, s) in slots.iter().enumerate() {
        let tag = match s.kind {
            SlotKind::Stage => "",
            SlotKind::Wave => "active, ",
            SlotKind::Soak => "done, ",
        };
        // Seconds, whole: mermaid reads `X` dates as integers.
        let start = (s.start_minutes * 60.0).round().max(0.0) as u64;
        let end = ((s.start_minutes + s.minutes) * 60.0).round().max(0.0) as u64;
        writeln!(
            out,
            "    {} :{tag}s{i}, {start}, {}",
            mermaid_label(&s.label),
            end.max(start + 1)
        )?;
    }
    writeln!(out, "```")
}

fn nothing(detail: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    match detail {
        None => writeln!(out, "None."),
        Some(d) => writeln!(out, "None: {}.", text(d)),
    }
}

fn table(t: &Table<'_>, out: &mut dyn Write) -> io::Result<()> {
    if let Some(detail) = t.empty_in(HERE) {
        return nothing(detail, out);
    }
    let columns = t.shown_columns(HERE);
    let names: Vec<&str> = columns.iter().map(|&c| t.columns[c].name).collect();
    let right: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, &c)| t.columns[c].align_in(HERE) == Align::Right)
        .map(|(i, _)| i)
        .collect();
    header(out, &names, &right)?;
    for r in &t.rows {
        let cells: Vec<Md> = columns
            .iter()
            .map(|&c| match &r[c] {
                Cell::Code(s) => Md::Code(s.to_string()),
                c => Md::Text(c.inline().into_owned()),
            })
            .collect();
        row(out, &cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{cell, text, Md};
    use crate::render::report::{Block, Cell, Column, Empty, Medium, Report, Section, Span, Table};

    #[test]
    fn a_report_is_headings_and_blocks_separated_by_blank_lines() {
        let stage = Section::new("Stage 1: [x](y)").block(Block::Bullets(vec![]));
        let table = Table::new(vec![
            Column::right_in_documents("step"),
            Column::left("what it means").only(Medium::Document),
            Column::left("hidden").only(Medium::Terminal),
            Column::left("examples"),
        ])
        .rows([vec![
            Cell::int(1),
            Cell::code("dup-upn"),
            "terminal only".into(),
            Cell::list(vec!["a".into(), "=b".into()], "; "),
        ]]);
        let r = Report {
            title: "Plan <x>".into(),
            headline: vec![Span::plain("terminal only")],
            lead: vec![Block::Paragraph(vec![
                Span::plain("Verdict: "),
                Span::strong("SAFE"),
                Span::text(" [link](javascript:1)"),
            ])],
            sections: vec![
                Section::new("Stages")
                    .terminal_title("terminal only")
                    .block(Block::Fields(vec![(
                        "users".into(),
                        vec![Span::plain("3")],
                    )]))
                    .block(Block::Table(table))
                    .block(Block::Section(stage))
                    .block(Block::plain("terminal only").only(Medium::Terminal))
                    .block(Block::Table(
                        Table::new(vec![Column::left("a")]).when_empty(Empty::HeaderOnTerminal),
                    ))
                    .block(Block::Nothing(Some("all well".into()))),
                Section::new("terminal only")
                    .only(Medium::Terminal)
                    .block(Block::plain("terminal only")),
            ],
        };
        let mut out = Vec::new();
        super::write(&r, &mut out).expect("written to memory");
        let md = String::from_utf8(out).expect("UTF-8");
        assert_eq!(
            md,
            "# Plan \\<x>\n\nVerdict: **SAFE** \\[link\\](javascript:1)\n\n## Stages\n\n- users: 3\n\n\
             | step | what it means | examples |\n| ---: | --- | --- |\n| 1 | `dup-upn` | a; =b |\n\n\
             ### Stage 1: \\[x\\](y)\n\n- None.\n\nNone.\n\nNone: all well.\n"
        );
    }

    #[track_caller]
    fn case(raw: &str, shown: &str) {
        assert_eq!(cell(raw), shown, "{raw:?}");
    }

    #[test]
    fn cells_are_escaped_and_defused() {
        case("a|b", "a\\|b");
        case("=cmd|' /C calc'!A0", "'=cmd\\|' /C calc'!A0");
        case("@SUM(A1)", "'@SUM(A1)");
        case("-", "-");
        case("line\nbreak", "line<br>break");
        case("crlf\r\nend", "crlf<br>end");
    }

    #[test]
    fn formulas_after_leading_space_or_invisible_characters_are_quoted() {
        case("  =HYPERLINK(\"x\")", "'  =HYPERLINK(\"x\")");
        case("\u{a0}+1", "'\u{a0}+1");
        case("\u{200b}-1", "'\\u{200b}-1");
        case("\t=1", "'\t=1");
        case("\r@x", "'<br>@x");
        case("\u{ff1d}1+1", "'\u{ff1d}1+1");
        case("\u{ff20}SUM(A1)", "'\u{ff20}SUM(A1)");
        case("a=1", "a=1");
        case(" - ", "' - ");
    }

    #[test]
    fn links_images_and_html_stay_text() {
        case(
            "![x](https://tracker.example/p.png)",
            "!\\[x\\](https\\://tracker.example/p.png)",
        );
        case(
            "[click](javascript:alert(1))",
            "\\[click\\](javascript:alert(1))",
        );
        case("[x][1]", "\\[x\\]\\[1\\]");
        case("<https://evil.example>", "\\<https\\://evil.example>");
        case("www.evil.example", "www\\.evil.example");
        case("WWW.evil.example", "WWW\\.evil.example");
        case("&lt;script&gt;", "\\&lt;script\\&gt;");
        case("`code`", "`code`");
        // A backslash before a pipe must not turn the escaped pipe back into a cell border.
        case("a\\|b", "a\\\\\\|b");
        case("ends in \\", "ends in \\\\");
        case("R&D (Sales) *team*", "R\\&D (Sales) *team*");
    }

    #[test]
    fn bidi_and_invisible_characters_are_escaped() {
        case("abc\u{202e}gnp.exe", "abc\\u{202e}gnp.exe");
        case("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}");
        case("\u{1b}[31m", "\\u{1b}\\[31m");
        case("\u{85}next", "\\u{85}next");
        assert_eq!(text("a\u{2028}b\nc"), "a\\u{2028}b c");
    }

    #[test]
    fn blank_names_are_quoted() {
        case("   ", "\"   \"");
        assert_eq!(text(" "), "\" \"");
        case("", "");
    }

    #[test]
    fn codes_are_code_spans_unless_they_could_escape_one() {
        assert_eq!(Md::Code("add-member".into()).shown(), "`add-member`");
        assert_eq!(Md::Code("a`b|c".into()).shown(), "a`b\\|c");
        assert_eq!(Md::Code("=x".into()).shown(), "'=x");
        assert_eq!(Md::from("[x]").shown(), "\\[x\\]");
    }
}
