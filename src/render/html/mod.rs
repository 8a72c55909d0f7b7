//! HTML reports: one self-contained file for a change board — no script, no network, no
//! external asset; inline SVG charts; `@media print` lays it out on A4.
//!
//! A [`Report`] is written as a document (the same blocks Markdown shows, in the same order):
//! the title, the lead (where the plan puts its verdict band and key numbers), then each
//! section as a `<section>` with a heading one level deeper than its parent's. Every text goes
//! through the [`writer`]'s escaping: exported names (`</script>`, `<img onerror>`, bidi
//! overrides) show as text. The page also carries a Content-Security-Policy that allows no
//! script and no fetch, so a renderer bug could not run one either.

mod svg;
pub mod writer;

use std::io::{self, Write};

use self::writer::{Attr, Html};
use super::report::{Align, Band, Block, Cell, Medium, Report, Section, Span, Table};

const HERE: Medium = Medium::Document;

/// The page's style: screen and print (A4), the verdict band's colours, tables, charts.
const STYLE: &str = r#"
:root{--fg:#1b1f23;--muted:#57606a;--line:#d0d7de;--go:#1a7f37;--cond:#9a6700;--nogo:#cf222e;--bar:#0969da;--soak:#8c959f}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 32px}
h1{font-size:26px;margin:0 0 12px}
h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
h4,h5,h6{font-size:14px;margin:14px 0 4px}
p{margin:6px 0}
ul{margin:6px 0;padding-left:22px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 3px;border-radius:3px}
.band{border-radius:8px;padding:14px 18px;margin:8px 0 16px;color:#fff}
.band .word{font-size:28px;font-weight:700;letter-spacing:.5px;margin-right:12px}
.band ul{margin:8px 0 0}
.band.go{background:var(--go)}
.band.conditions{background:var(--cond)}
.band.no-go{background:var(--nogo)}
.none{color:var(--muted)}
figure{margin:12px 0;break-inside:avoid}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;max-width:1000px;border:1px solid var(--line);border-radius:4px;background:#fff}
svg.chart text{font:11px system-ui,Arial,sans-serif;fill:var(--fg)}
svg.chart .bar{fill:var(--bar)}
svg.chart .short{fill:var(--nogo)}
svg.chart .limit{stroke:var(--fg);stroke-width:2;stroke-dasharray:4 3}
svg.chart .stage{fill:#54aeff}
svg.chart .wave{fill:var(--bar)}
svg.chart .soak{fill:var(--soak)}
svg.chart .axis{stroke:var(--muted);stroke-width:1}
@media print{
@page{size:A4;margin:14mm}
body{font-size:10pt}
main{max-width:none;padding:0}
.band{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h2,h3{break-after:avoid}
table,figure,tr{break-inside:avoid}
svg.chart{max-width:100%}
}
"#;

/// Writes a report as one HTML page.
///
/// # Errors
///
/// The writer's own error.
pub fn write(r: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut h = Html::new(out);
    h.markup("<!DOCTYPE html>\n")?;
    h.open("html", &[("lang", "en")])?;
    h.open("head", &[])?;
    h.empty("meta", &[("charset", "utf-8")])?;
    h.empty(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            (
                "content",
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
    )?;
    h.empty(
        "meta",
        &[
            ("name", "viewport"),
            ("content", "width=device-width, initial-scale=1"),
        ],
    )?;
    h.element("title", &[], &r.title)?;
    h.open("style", &[])?;
    h.markup(STYLE)?;
    h.close()?;
    h.close()?;
    h.newline()?;
    h.open("body", &[])?;
    h.open("main", &[])?;
    h.element("h1", &[], &r.title)?;
    h.newline()?;
    let mut charts = 0;
    for b in &r.lead {
        block(&mut h, b, 1, &mut charts)?;
    }
    for s in &r.sections {
        section(&mut h, s, 2, &mut charts)?;
    }
    h.finish()
}

fn heading(level: usize) -> &'static str {
    match level {
        0 | 1 => "h1",
        2 => "h2",
        3 => "h3",
        4 => "h4",
        5 => "h5",
        _ => "h6",
    }
}

fn section(h: &mut Html<'_>, s: &Section<'_>, level: usize, charts: &mut usize) -> io::Result<()> {
    if !s.shown_in(HERE) {
        return Ok(());
    }
    h.open("section", &[])?;
    h.element(heading(level), &[], s.title_in(HERE))?;
    h.newline()?;
    for b in &s.blocks {
        block(h, b, level, charts)?;
    }
    h.close()?;
    h.newline()
}

fn block(h: &mut Html<'_>, b: &Block<'_>, level: usize, charts: &mut usize) -> io::Result<()> {
    let Some(b) = b.shown_in(HERE) else {
        return Ok(());
    };
    match b {
        Block::Section(s) => return section(h, s, level + 1, charts),
        Block::Paragraph(s) => {
            h.open("p", &[])?;
            spans(h, s)?;
            h.close()?;
        }
        Block::Fields(fields) => {
            h.open("ul", &[])?;
            for (k, v) in fields {
                h.open("li", &[])?;
                h.text(k)?;
                h.text(": ")?;
                spans(h, v)?;
                h.close()?;
            }
            h.close()?;
        }
        Block::Table(t) => table(h, t)?,
        Block::Bullets(items) => {
            if items.is_empty() {
                h.element("p", &[("class", "none")], "None.")?;
            } else {
                h.open("ul", &[])?;
                for i in items {
                    h.element("li", &[], i)?;
                }
                h.close()?;
            }
        }
        Block::Nothing(detail) => nothing(h, detail.as_deref())?,
        Block::Band(b) => band(h, b)?,
        Block::Chart(c) => {
            *charts += 1;
            svg::chart(h, c, *charts)?;
            table(h, &c.table)?;
        }
        // Unwrapped by `shown_in`.
        Block::Only(..) => {}
    }
    h.newline()
}

fn band(h: &mut Html<'_>, b: &Band<'_>) -> io::Result<()> {
    h.open("div", &[("class", b.tone.class()), ("id", "verdict")])?;
    h.open("p", &[])?;
    h.element("span", &[("class", "word")], b.tone.word())?;
    spans(h, &b.line)?;
    h.close()?;
    if !b.reasons.is_empty() {
        h.open("ul", &[])?;
        for r in &b.reasons {
            h.element("li", &[], r)?;
        }
        h.close()?;
    }
    h.close()
}

fn spans(h: &mut Html<'_>, spans: &[Span<'_>]) -> io::Result<()> {
    for s in spans {
        match s {
            Span::Plain(s) | Span::Text(s) => h.text(s)?,
            Span::Strong(s) => h.element("strong", &[], s)?,
        }
    }
    Ok(())
}

fn nothing(h: &mut Html<'_>, detail: Option<&str>) -> io::Result<()> {
    match detail {
        None => h.element("p", &[("class", "none")], "None."),
        Some(d) => h.element("p", &[("class", "none")], &format!("None: {d}.")),
    }
}

fn table(h: &mut Html<'_>, t: &Table<'_>) -> io::Result<()> {
    if let Some(detail) = t.empty_in(HERE) {
        return nothing(h, detail);
    }
    let columns = t.shown_columns(HERE);
    // Right-aligned (numeric) cells carry the class `n`; others none.
    let number: [Attr<'_>; 1] = [("class", "n")];
    let class = |c: usize| -> &[Attr<'_>] {
        if t.columns[c].align_in(HERE) == Align::Right {
            &number
        } else {
            &[]
        }
    };
    h.open("table", &[])?;
    h.open("thead", &[])?;
    h.open("tr", &[])?;
    for &c in &columns {
        h.element("th", class(c), t.columns[c].name)?;
    }
    h.close()?;
    h.close()?;
    h.open("tbody", &[])?;
    for r in &t.rows {
        h.newline()?;
        h.open("tr", &[])?;
        for &c in &columns {
            h.open("td", class(c))?;
            match &r[c] {
                Cell::Code(s) => h.element("code", &[], s)?,
                Cell::List { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            h.empty("br", &[])?;
                        }
                        h.text(item)?;
                    }
                }
                c => h.text(&c.inline())?,
            }
            h.close()?;
        }
        h.close()?;
    }
    h.close()?;
    h.close()
}
