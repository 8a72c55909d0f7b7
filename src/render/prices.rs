//! `--prices FILE`: a CSV of `sku,monthly_price,currency` (a product by part number or GUID,
//! its monthly price per seat, a currency code), read for the plan report's cost section.
//!
//! Every bad line is reported at once, each naming the file, the line and the field (exit 2).

use std::collections::BTreeMap;
use std::path::Path;

use crate::ingest::{InputError, InputErrors, Location};

/// A product's monthly price per seat.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub monthly: f64,
    pub currency: String,
}

/// Prices by product, keyed by part number or GUID as written, upper-cased.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    by_sku: BTreeMap<String, Price>,
}

const HEADER: [&str; 3] = ["sku", "monthly_price", "currency"];
const HINT: &str = "write one product a line: sku,monthly_price,currency (e.g. ENTERPRISEPACK,23.00,USD), with that header";

impl Prices {
    /// The price of a product by its part number (or GUID), ignoring case.
    pub fn of(&self, sku: &str) -> Option<&Price> {
        self.by_sku.get(&sku.to_uppercase())
    }

    /// Reads a prices file.
    ///
    /// # Errors
    ///
    /// The file cannot be read, its header is not `sku,monthly_price,currency`, or a line has
    /// a blank product, a price that is not a non-negative number, a currency that is not three
    /// letters, or a product priced twice.
    pub fn read(path: &Path) -> Result<Prices, InputErrors> {
        let bytes = std::fs::read(path).map_err(|e| {
            InputErrors(vec![InputError::new(
                path,
                Location::File,
                format!("cannot read the prices file: {e}"),
            )])
        })?;
        Self::parse(path, &bytes)
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<Prices, InputErrors> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let mut errors = Vec::new();
        let mut prices = Prices::default();
        let mut first = true;
        for rec in r.records() {
            let rec = match rec {
                Ok(rec) => rec,
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    errors.push(
                        InputError::new(path, Location::Line(line), format!("unreadable CSV: {e}"))
                            .hint(HINT),
                    );
                    break;
                }
            };
            let line = rec.position().map_or(0, csv::Position::line);
            let err = |field: &str, msg: String| {
                InputError::new(path, Location::Line(line), msg)
                    .field(field)
                    .hint(HINT)
            };
            if first {
                first = false;
                let header: Vec<String> = rec.iter().map(str::to_lowercase).collect();
                if header != HEADER {
                    errors.push(err(
                        "header",
                        format!(
                            "the header is {:?}, not sku,monthly_price,currency",
                            rec.iter().collect::<Vec<_>>().join(",")
                        ),
                    ));
                    break;
                }
                continue;
            }
            if rec.iter().all(str::is_empty) {
                continue;
            }
            if rec.len() != 3 {
                errors.push(err(
                    "line",
                    format!("{} fields, not 3 (sku,monthly_price,currency)", rec.len()),
                ));
                continue;
            }
            let (sku, price, currency) = (&rec[0], &rec[1], &rec[2]);
            if sku.is_empty() {
                errors.push(err("sku", "the product is blank".to_owned()));
                continue;
            }
            let monthly = match price.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => {
                    errors.push(err(
                        "monthly_price",
                        format!("{price:?} is not a price (a number, 0 or more, such as 23.00)"),
                    ));
                    continue;
                }
            };
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
                errors.push(err(
                    "currency",
                    format!("{currency:?} is not a currency code (three letters, such as USD)"),
                ));
                continue;
            }
            let key = sku.to_uppercase();
            if prices.by_sku.contains_key(&key) {
                errors.push(err("sku", format!("{sku} is priced twice")));
                continue;
            }
            prices.by_sku.insert(
                key,
                Price {
                    monthly,
                    currency: currency.to_uppercase(),
                },
            );
        }
        if first {
            errors
                .push(InputError::new(path, Location::File, "the prices file is empty").hint(HINT));
        }
        if errors.is_empty() {
            Ok(prices)
        } else {
            Err(InputErrors(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Prices;
    use std::path::Path;

    #[track_caller]
    fn bad(text: &str, says: &str) {
        let e = Prices::parse(Path::new("prices.csv"), text.as_bytes())
            .expect_err("refused")
            .to_string();
        assert!(e.contains("prices.csv") && e.contains(says), "{e}");
    }

    #[test]
    fn prices_are_read_by_product_ignoring_case() {
        let p = Prices::parse(
            Path::new("p.csv"),
            b"\xEF\xBB\xBFsku,monthly_price,currency\nENTERPRISEPACK, 23.00 ,usd\n\nstandardpack,10,EUR\n",
        )
        .expect("read");
        assert_eq!(p.of("enterprisepack").map(|x| x.monthly), Some(23.0));
        assert_eq!(
            p.of("STANDARDPACK").map(|x| x.currency.as_str()),
            Some("EUR")
        );
        assert!(p.of("EMS").is_none());
    }

    #[test]
    fn bad_prices_name_the_line_and_field() {
        bad("sku,price\n", "header");
        bad("sku,monthly_price,currency\nE3,abc,USD\n", "prices.csv:2");
        bad("sku,monthly_price,currency\nE3,abc,USD\n", "monthly_price");
        bad("sku,monthly_price,currency\nE3,-1,USD\n", "monthly_price");
        bad("sku,monthly_price,currency\nE3,1,US Dollar\n", "currency");
        bad("sku,monthly_price,currency\n,1,USD\n", "sku");
        bad(
            "sku,monthly_price,currency\nE3,1,USD\ne3,2,USD\n",
            "priced twice",
        );
        bad("sku,monthly_price,currency\nE3,1\n", "2 fields");
        bad("", "empty");
    }
}
