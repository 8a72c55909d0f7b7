//! The plan's monthly cost with `--prices FILE`: per product, the enabled seats today, at the
//! peak (enabled seats plus those to buy), the seats in use after the plan, and the cost of
//! the seats to buy; totals per currency.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::board::product_seats;
use crate::plan::doc::Plan;
use crate::render::prices::Prices;
use crate::render::report::{Block, Cell, Column, Section, Table};

fn money(v: f64) -> String {
    format!("{v:.2}")
}

/// The cost section, when prices were given.
pub(super) fn section<'a>(p: &'a Plan, prices: &Prices) -> Section<'a> {
    let mut totals: BTreeMap<String, [f64; 4]> = BTreeMap::new();
    let mut unpriced: Vec<Cow<'a, str>> = Vec::new();
    let mut t = Table::new(vec![
        Column::left("product"),
        Column::left("currency"),
        Column::right("per seat and month"),
        Column::right("today (enabled seats)"),
        Column::right("at peak"),
        Column::right("after (seats in use)"),
        Column::right("seats to buy"),
        Column::right("cost of the seats to buy"),
    ]);
    for x in product_seats(p) {
        let Some(price) = prices.of(x.sku) else {
            unpriced.push(Cow::Borrowed(x.sku));
            continue;
        };
        let enabled = x.enabled.map_or(x.first.max(0) as f64, f64::from);
        let buy = x.to_buy() as f64;
        let row = [
            enabled * price.monthly,
            (enabled + buy) * price.monthly,
            x.last.max(0) as f64 * price.monthly,
            buy * price.monthly,
        ];
        let total = totals.entry(price.currency.clone()).or_insert([0.0; 4]);
        for (t, v) in total.iter_mut().zip(row) {
            *t += v;
        }
        t.row(vec![
            Cell::text(x.sku),
            Cell::text(price.currency.clone()),
            Cell::text(money(price.monthly)),
            Cell::text(money(row[0])),
            Cell::text(money(row[1])),
            Cell::text(money(row[2])),
            Cell::int(x.to_buy()),
            Cell::text(money(row[3])),
        ]);
    }
    for (currency, v) in &totals {
        t.row(vec![
            Cell::text("total"),
            Cell::text(currency.clone()),
            Cell::text(""),
            Cell::text(money(v[0])),
            Cell::text(money(v[1])),
            Cell::text(money(v[2])),
            Cell::text(""),
            Cell::text(money(v[3])),
        ]);
    }
    let mut s = Section::new("Cost").block(Block::plain(
        "Monthly cost from the prices file: today's enabled seats, at the peak (with the seats to buy), and the seats in use after the plan (what the tenant could keep).",
    ));
    s = s.block(Block::Table(t));
    if !unpriced.is_empty() {
        s = s
            .block(Block::plain("Products without a price in the file:"))
            .block(Block::Bullets(unpriced));
    }
    s
}
