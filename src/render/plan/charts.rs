//! The plan's charts: the schedule (stages, waves and soaks on a time axis), the seats per
//! product across stages and waves against enabled seats, and the users per wave. Each chart
//! carries its numbers as a table (what the terminal and Markdown show).

use std::borrow::Cow;

use super::board::product_seats;
use super::words::{count, duration};
use crate::plan::doc::Plan;
use crate::render::report::{
    BarGroup, Block, Cell, Chart, Column, Empty, Figure, Section, Slot, SlotKind, Table,
};

/// The schedule: each stage, wave and soak from the start, in its least elapsed time.
fn slots(p: &Plan) -> Vec<Slot<'static>> {
    let mut v = Vec::new();
    let mut at = 0.0;
    for st in &p.stages {
        if st.waves.is_empty() {
            v.push(Slot {
                label: Cow::Owned(format!("Stage {}", st.number)),
                kind: SlotKind::Stage,
                start_minutes: at,
                minutes: st.least_elapsed_minutes,
            });
            at += st.least_elapsed_minutes;
            continue;
        }
        let stage_start = at;
        for w in &st.waves {
            let writes = (w.least_elapsed_minutes - w.soak_minutes).max(0.0);
            v.push(Slot {
                label: Cow::Owned(format!(
                    "Stage {} wave {}{}",
                    st.number,
                    w.number,
                    if w.label == crate::plan::doc::WaveLabel::Pilot {
                        " (pilot)"
                    } else {
                        ""
                    }
                )),
                kind: SlotKind::Wave,
                start_minutes: at,
                minutes: writes,
            });
            at += writes;
            if w.soak_minutes > 0.0 {
                v.push(Slot {
                    label: Cow::Owned(format!("Stage {} wave {} soak", st.number, w.number)),
                    kind: SlotKind::Soak,
                    start_minutes: at,
                    minutes: w.soak_minutes,
                });
                at += w.soak_minutes;
            }
        }
        // What the stage takes beyond its waves (its processing wait).
        let rest = st.least_elapsed_minutes - (at - stage_start);
        if rest > 1e-9 {
            v.push(Slot {
                label: Cow::Owned(format!("Stage {} processing", st.number)),
                kind: SlotKind::Stage,
                start_minutes: at,
                minutes: rest,
            });
            at += rest;
        }
    }
    v
}

/// Slots listed in the schedule, the rest counted (a plan of hundreds of waves).
const SLOTS: usize = 40;

pub(super) fn schedule(p: &Plan) -> Section<'_> {
    let mut all = slots(p);
    let more = all.len().saturating_sub(SLOTS);
    all.truncate(SLOTS);
    let table = Table::new(vec![
        Column::left("step"),
        Column::left("starts after"),
        Column::left("takes at least"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(all.iter().map(|s| {
        vec![
            Cell::text(s.label.to_string()),
            Cell::text(duration(s.start_minutes)),
            Cell::text(duration(s.minutes)),
        ]
    }));
    let chart = Chart {
        title: "Schedule: stages, waves and soaks".into(),
        description: Cow::Owned(format!(
            "A timeline of the plan's {} from the start, each bar its least elapsed time; {} in all (axis of the Markdown chart: seconds from the start).",
            count(all.len() as u64, "step", "steps"),
            duration(p.summary.least_elapsed_minutes)
        )),
        figure: Figure::Timeline(all),
        table,
    };
    let s = Section::new("Schedule").block(Block::Chart(Box::new(chart)));
    if more > 0 {
        s.block(Block::plain(format!(
            "… and {more} more steps (the JSON/YAML plan lists every wave)"
        )))
    } else {
        s
    }
}

/// Consecutive bars of the same value as one run: (first label, last label, value).
fn runs<'b>(bars: &'b [(Cow<'_, str>, i64)]) -> Vec<(&'b str, &'b str, i64)> {
    let mut v: Vec<(&str, &str, i64)> = Vec::new();
    for (label, n) in bars {
        match v.last_mut() {
            Some(last) if last.2 == *n => last.1 = label,
            _ => v.push((label, label, *n)),
        }
    }
    v
}

/// Points of the seat chart listed per product, the rest counted.
const POINTS: usize = 30;

/// The charts: seats per product across stages and waves against enabled seats, and users
/// per wave.
pub(super) fn charts(p: &Plan) -> Section<'_> {
    let point = |f: &crate::plan::doc::SeatForecast| match f.wave {
        Some(w) => format!("{}.{w}", f.stage),
        None => f.stage.to_string(),
    };
    let mut groups: Vec<BarGroup<'_>> = Vec::new();
    for x in product_seats(p) {
        let bars: Vec<(Cow<'_, str>, i64)> = p
            .seats
            .iter()
            .filter(|f| f.sku == x.sku)
            .take(POINTS)
            .map(|f| (Cow::Owned(point(f)), f.peak))
            .collect();
        groups.push(BarGroup {
            name: Cow::Borrowed(x.sku),
            limit: x.enabled.map(i64::from),
            bars,
        });
    }
    let seat_table = Table::new(vec![
        Column::left("product"),
        Column::left("stage.wave"),
        Column::right("peak"),
        Column::right("enabled"),
        Column::left("short"),
    ])
    .when_empty(Empty::Nothing(None))
    .rows(groups.iter().flat_map(|g| {
        runs(&g.bars).into_iter().map(move |(from, to, v)| {
            vec![
                Cell::text(g.name.to_string()),
                Cell::text(if from == to {
                    from.to_owned()
                } else {
                    format!("{from} – {to}")
                }),
                Cell::int(v),
                g.limit.map_or_else(|| Cell::text("unknown"), Cell::int),
                Cell::text(match g.limit {
                    Some(l) if v > l => format!("short by {}", v - l),
                    _ => "no".to_owned(),
                }),
            ]
        })
    }));
    let seats = Chart {
        title: "Seats at peak per product, by stage and wave, against enabled seats".into(),
        description: "One panel per product: a bar per stage (or stage.wave) at its peak seat use; the dashed line is the seats enabled; a red bar is short of seats.".into(),
        figure: Figure::Bars(groups),
        table: seat_table,
    };
    let mut waves: Vec<(Cow<'_, str>, i64)> = Vec::new();
    for st in &p.stages {
        for w in &st.waves {
            waves.push((
                Cow::Owned(format!("{}.{}", st.number, w.number)),
                i64::try_from(w.users).unwrap_or(i64::MAX),
            ));
        }
    }
    let more = waves.len().saturating_sub(POINTS);
    waves.truncate(POINTS);
    let wave_table = Table::new(vec![Column::left("stage.wave"), Column::right("users")])
        .when_empty(Empty::Nothing(Some("no stage runs in waves".into())))
        .rows(
            waves
                .iter()
                .map(|(l, n)| vec![Cell::text(l.to_string()), Cell::int(*n)]),
        );
    let users = Chart {
        title: "Users per wave".into(),
        description: "A bar per wave (stage.wave) with the users it moves; the first wave of each stage is its pilot.".into(),
        figure: Figure::Bars(vec![BarGroup {
            name: "users per wave".into(),
            limit: None,
            bars: waves,
        }]),
        table: wave_table,
    };
    let s = Section::new("Seats and waves")
        .block(Block::Chart(Box::new(seats)))
        .block(Block::Chart(Box::new(users)));
    if more > 0 {
        s.block(Block::plain(format!(
            "… and {more} more waves (the JSON/YAML plan lists every wave)"
        )))
    } else {
        s
    }
}
