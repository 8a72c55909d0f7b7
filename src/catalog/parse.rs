//! Building a [`Catalog`] from Microsoft's CSV, resolving the file's defects on the way.

use std::collections::{BTreeMap, HashMap};

use crate::model::ids::{NotAGuid, PlanId, SkuId};
use crate::model::sku::ServicePlan;

use super::names::{key, normalise};
use super::{Catalog, CatalogPlan, CatalogSku};

/// Why a product catalog could not be read. Every row-level error names the line and the field.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The CSV itself is malformed, e.g. a row with the wrong number of fields.
    #[error("product catalog, line {line}: {problem}")]
    Malformed { line: u64, problem: String },
    #[error("product catalog: the header has no {column} column (it has: {found})")]
    MissingColumn { column: &'static str, found: String },
    #[error("product catalog, line {line}, field {field}: empty")]
    EmptyField { line: u64, field: &'static str },
    #[error("product catalog, line {line}, field {field}: {source}")]
    NotAGuid {
        line: u64,
        field: &'static str,
        #[source]
        source: NotAGuid,
    },
    #[error(
        "product catalog, line {line}, field String_Id: SKU {sku} is {found:?} here \
         but {earlier:?} on line {earlier_line}"
    )]
    ConflictingPartNumber {
        line: u64,
        sku: SkuId,
        found: String,
        earlier: String,
        earlier_line: u64,
    },
    #[error("product catalog: no data rows")]
    NoRows,
}

const DISPLAY_NAME: &str = "Product_Display_Name";
const PART_NUMBER: &str = "String_Id";
const SKU_ID: &str = "GUID";
const PLAN_NAME: &str = "Service_Plan_Name";
const PLAN_ID: &str = "Service_Plan_Id";
const FRIENDLY_NAME: &str = "Service_Plans_Included_Friendly_Names";

/// Positions of the columns, found by header name (not by position).
struct Columns {
    display_name: usize,
    part_number: usize,
    sku_id: usize,
    plan_name: usize,
    plan_id: usize,
    friendly_name: usize,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Self, CatalogError> {
        let find = |column: &'static str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(column))
                .ok_or_else(|| CatalogError::MissingColumn {
                    column,
                    found: header.iter().collect::<Vec<_>>().join(","),
                })
        };
        Ok(Columns {
            display_name: find(DISPLAY_NAME)?,
            part_number: find(PART_NUMBER)?,
            sku_id: find(SKU_ID)?,
            plan_name: find(PLAN_NAME)?,
            plan_id: find(PLAN_ID)?,
            friendly_name: find(FRIENDLY_NAME)?,
        })
    }
}

/// Spellings of one thing with how many rows used each, in first-seen order.
#[derive(Default)]
struct Tally(Vec<(String, usize)>);

impl Tally {
    fn add(&mut self, spelling: String) {
        match self.0.iter_mut().find(|(s, _)| *s == spelling) {
            Some((_, n)) => *n += 1,
            None => self.0.push((spelling, 1)),
        }
    }

    /// The spelling used by most rows; among equals, one with a lower-case letter (the file's
    /// all-caps variants, e.g. `EXCHANGE ONLINE (PLAN 1)`, are the odd ones out), then the
    /// first seen. `max_by_key` keeps the last maximum, hence the reversed iteration.
    fn best(&self) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .max_by_key(|(s, n)| (*n, s.chars().any(char::is_lowercase)))
            .map(|(s, _)| s.as_str())
    }

    /// All spellings, the [`best`](Self::best) one first, then in first-seen order.
    fn spellings(&self) -> Vec<String> {
        let best = self.best().unwrap_or_default();
        let mut out = vec![best.to_owned()];
        out.extend(
            self.0
                .iter()
                .filter(|(s, _)| s != best)
                .map(|(s, _)| s.clone()),
        );
        out
    }
}

struct SkuAcc {
    part_number: String,
    part_number_line: u64,
    /// Display names by comparison key; the spelling kept is the first seen.
    display_names: BTreeMap<String, String>,
    plans: Vec<PlanId>,
}

#[derive(Default)]
struct PlanAcc {
    names: Tally,
    friendly_names: Tally,
}

/// Line numbers (1-based) of records, from the byte offsets the csv crate reports.
///
/// The crate counts lines itself, but with CRLF line ends its count is one short: it ends a
/// record at the `\r`, so the next record "starts" at the `\n` (its byte offset points there).
/// Lines are therefore counted here: the newlines before the offset, and the one at it if any.
/// Offsets arrive in increasing order, so each stretch of text is scanned once.
struct LineCounter<'t> {
    text: &'t [u8],
    /// Bytes `..scanned` have been counted.
    scanned: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            scanned: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let end = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(self.text.len());
        if end < self.scanned {
            self.scanned = 0;
            self.line = 1;
        }
        let newlines = self
            .text
            .get(self.scanned..end)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.scanned = end;
        self.line
    }
}

/// A csv crate error, with the line counted by [`LineCounter`] rather than by the crate.
fn malformed(lines: &mut LineCounter<'_>, error: &csv::Error) -> CatalogError {
    let line = lines.line_at(error.position().map_or(0, csv::Position::byte));
    let problem = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        _ => error.to_string(),
    };
    CatalogError::Malformed { line, problem }
}

pub(super) fn parse(text: &str) -> Result<Catalog, CatalogError> {
    // Defect: the file starts with a UTF-8 BOM, which the csv crate would leave in the first
    // header name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // CRLF line ends and quoted fields holding commas are plain RFC 4180, handled by csv.
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let header = reader.headers().map_err(|e| malformed(&mut lines, &e))?;
    let columns = Columns::from_header(header)?;

    let mut skus: BTreeMap<SkuId, SkuAcc> = BTreeMap::new();
    let mut plans: BTreeMap<PlanId, PlanAcc> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| malformed(&mut lines, &e))?
    {
        let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
        // Defect: stray whitespace (tab, space, no-break space) around ids and names, and
        // tabs inside one plan name; `normalise` trims and collapses it.
        let field = |column: usize, name: &'static str| {
            let value = normalise(record.get(column).unwrap_or_default());
            if value.is_empty() {
                Err(CatalogError::EmptyField { line, field: name })
            } else {
                Ok(value)
            }
        };
        let display_name = field(columns.display_name, DISPLAY_NAME)?;
        let part_number = field(columns.part_number, PART_NUMBER)?;
        let sku_id = SkuId::parse(&field(columns.sku_id, SKU_ID)?).map_err(|source| {
            CatalogError::NotAGuid {
                line,
                field: SKU_ID,
                source,
            }
        })?;
        let plan_name = field(columns.plan_name, PLAN_NAME)?;
        let plan_id = PlanId::parse(&field(columns.plan_id, PLAN_ID)?).map_err(|source| {
            CatalogError::NotAGuid {
                line,
                field: PLAN_ID,
                source,
            }
        })?;
        // The friendly name is informative only; an empty one is tolerated.
        let friendly_name = normalise(record.get(columns.friendly_name).unwrap_or_default());

        let sku = skus.entry(sku_id).or_insert_with(|| SkuAcc {
            part_number: part_number.clone(),
            part_number_line: line,
            display_names: BTreeMap::new(),
            plans: Vec::new(),
        });
        // One GUID with two part numbers would be a new defect with no safe reading: refuse it
        // (the bundled file has none; a test keeps it that way). Case alone does not count.
        if !sku.part_number.eq_ignore_ascii_case(&part_number) {
            return Err(CatalogError::ConflictingPartNumber {
                line,
                sku: sku_id,
                found: part_number,
                earlier: sku.part_number.clone(),
                earlier_line: sku.part_number_line,
            });
        }
        // Defect: renamed products carry two display names for one GUID; keep them all.
        sku.display_names
            .entry(key(&display_name))
            .or_insert(display_name);
        // Defect: exact duplicate rows and duplicated (SKU, plan) pairs; kept once.
        if !sku.plans.contains(&plan_id) {
            sku.plans.push(plan_id);
        }

        let plan = plans.entry(plan_id).or_default();
        plan.names.add(plan_name);
        if !friendly_name.is_empty() {
            plan.friendly_names.add(friendly_name);
        }
    }
    if skus.is_empty() {
        return Err(CatalogError::NoRows);
    }

    // Plans first: SKUs list them under their canonical name.
    let plans: Vec<CatalogPlan> = plans
        .into_iter()
        .map(|(id, acc)| {
            let names = acc.names.spellings();
            CatalogPlan {
                id,
                name: names.first().cloned().unwrap_or_default(),
                names,
                friendly_name: acc.friendly_names.best().unwrap_or_default().to_owned(),
            }
        })
        .collect();
    let plan_name = |id: PlanId| {
        plans
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .and_then(|i| plans.get(i))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };

    let skus: Vec<CatalogSku> = skus
        .into_iter()
        .map(|(id, acc)| {
            // `display_names` is keyed by lower-cased name, so its values come out in
            // case-insensitive lexicographic order and the first is the canonical name (see
            // `CatalogSku::display_names`).
            let display_names = acc.display_names.into_values().collect();
            let mut service_plans: Vec<ServicePlan> = acc
                .plans
                .into_iter()
                .map(|plan| ServicePlan {
                    id: plan,
                    name: plan_name(plan),
                })
                .collect();
            service_plans.sort();
            CatalogSku {
                id,
                part_number: acc.part_number,
                display_names,
                service_plans,
            }
        })
        .collect();

    let mut by_part_number: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_display_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, sku) in skus.iter().enumerate() {
        // `i` grows, so every index list is sorted by SKU id and free of repeats.
        by_part_number
            .entry(key(&sku.part_number))
            .or_default()
            .push(i);
        for name in &sku.display_names {
            by_display_name.entry(key(name)).or_default().push(i);
        }
    }
    let mut plans_by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        let mut keys: Vec<String> = plan.names.iter().map(|n| key(n)).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            plans_by_name.entry(k).or_default().push(i);
        }
    }

    let display_name_max_plus = by_display_name
        .keys()
        .map(|k| super::names::plus_count(k))
        .max()
        .unwrap_or(0);
    Ok(Catalog {
        skus,
        plans,
        by_part_number,
        by_display_name,
        display_name_max_plus,
        plans_by_name,
    })
}
