//! Charts as inline SVG, drawn by licplan from a [`Chart`]'s figures: bars against a limit
//! (seats against enabled seats, red where short) and a timeline. Each chart is an
//! `role="img"` SVG with a `<title>` and a `<desc>`; its numbers follow it as a table.

use std::io;

use super::writer::Html;
use crate::render::report::{BarGroup, Chart, Figure, Slot, SlotKind};

const WIDTH: f64 = 960.0;
/// Left margin: the y axis' numbers, or a timeline's labels.
const LEFT: f64 = 56.0;
const PANEL: f64 = 170.0;

/// A coordinate, one decimal.
fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

/// Writes the chart's `<figure>`: caption, then the SVG.
pub fn chart(h: &mut Html<'_>, c: &Chart<'_>, number: usize) -> io::Result<()> {
    let id = format!("chart{number}");
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled = format!("{title_id} {desc_id}");
    let height = match &c.figure {
        Figure::Bars(groups) => PANEL * groups.len().max(1) as f64 + 10.0,
        Figure::Timeline(slots) => 30.0 + 18.0 * slots.len().max(1) as f64,
    };
    let view = format!("0 0 {} {}", n(WIDTH), n(height));
    h.open("figure", &[("id", &id)])?;
    h.element("figcaption", &[], &c.title)?;
    h.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("class", "chart"),
            ("role", "img"),
            ("aria-labelledby", &labelled),
            ("viewBox", &view),
        ],
    )?;
    h.element("title", &[("id", &title_id)], &c.title)?;
    h.element("desc", &[("id", &desc_id)], &c.description)?;
    match &c.figure {
        Figure::Bars(groups) => {
            for (i, g) in groups.iter().enumerate() {
                bars(h, g, i as f64 * PANEL + 6.0)?;
            }
        }
        Figure::Timeline(slots) => timeline(h, slots)?,
    }
    h.close()?;
    h.close()
}

fn text(h: &mut Html<'_>, x: f64, y: f64, anchor: &'static str, s: &str) -> io::Result<()> {
    h.element(
        "text",
        &[("x", &n(x)), ("y", &n(y)), ("text-anchor", anchor)],
        s,
    )
}

/// One panel of bars, its top at `top`.
fn bars(h: &mut Html<'_>, g: &BarGroup<'_>, top: f64) -> io::Result<()> {
    let plot_top = top + 22.0;
    let plot_h = PANEL - 62.0;
    let base = plot_top + plot_h;
    let max = g
        .bars
        .iter()
        .map(|(_, v)| *v)
        .chain(g.limit)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let y = |v: i64| base - plot_h * (v.max(0) as f64) / (max * 1.1);
    let title = match g.limit {
        Some(l) => format!("{} (enabled: {l})", g.name),
        None => g.name.to_string(),
    };
    text(h, LEFT, top + 12.0, "start", &title)?;
    h.empty(
        "line",
        &[
            ("class", "axis"),
            ("x1", &n(LEFT)),
            ("y1", &n(base)),
            ("x2", &n(WIDTH - 10.0)),
            ("y2", &n(base)),
        ],
    )?;
    text(h, LEFT - 6.0, base + 4.0, "end", "0")?;
    let slot = (WIDTH - 10.0 - LEFT) / g.bars.len().max(1) as f64;
    let width = (slot * 0.7).max(1.0);
    for (i, (label, v)) in g.bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        let short = g.limit.is_some_and(|l| *v > l);
        let top_y = y(*v);
        h.empty(
            "rect",
            &[
                ("class", if short { "bar short" } else { "bar" }),
                ("x", &n(x)),
                ("y", &n(top_y)),
                ("width", &n(width)),
                ("height", &n((base - top_y).max(0.5))),
            ],
        )?;
        text(h, x + width / 2.0, top_y - 3.0, "middle", &v.to_string())?;
        text(h, x + width / 2.0, base + 14.0, "middle", label)?;
    }
    if let Some(l) = g.limit {
        let ly = y(l);
        h.empty(
            "line",
            &[
                ("class", "limit"),
                ("x1", &n(LEFT)),
                ("y1", &n(ly)),
                ("x2", &n(WIDTH - 10.0)),
                ("y2", &n(ly)),
            ],
        )?;
        text(h, LEFT - 6.0, ly + 4.0, "end", &l.to_string())?;
    }
    Ok(())
}

/// Slots on a time axis, one row each.
fn timeline(h: &mut Html<'_>, slots: &[Slot<'_>]) -> io::Result<()> {
    let left = 250.0;
    let end = slots
        .iter()
        .map(|s| s.start_minutes + s.minutes)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let scale = (WIDTH - 20.0 - left) / end;
    let bottom = 12.0 + 18.0 * slots.len() as f64;
    h.empty(
        "line",
        &[
            ("class", "axis"),
            ("x1", &n(left)),
            ("y1", &n(bottom)),
            ("x2", &n(WIDTH - 20.0)),
            ("y2", &n(bottom)),
        ],
    )?;
    text(h, left, bottom + 14.0, "start", "start")?;
    text(
        h,
        WIDTH - 20.0,
        bottom + 14.0,
        "end",
        &crate::render::plan::duration_text(end),
    )?;
    for (i, s) in slots.iter().enumerate() {
        let y = 8.0 + 18.0 * i as f64;
        let class = match s.kind {
            SlotKind::Stage => "stage",
            SlotKind::Wave => "wave",
            SlotKind::Soak => "soak",
        };
        text(h, left - 6.0, y + 11.0, "end", &s.label)?;
        h.empty(
            "rect",
            &[
                ("class", class),
                ("x", &n(left + s.start_minutes * scale)),
                ("y", &n(y)),
                ("width", &n((s.minutes * scale).max(2.0))),
                ("height", "14"),
            ],
        )?;
    }
    Ok(())
}
