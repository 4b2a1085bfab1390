//! Pasted positions: the line format, CSV with a header, or a JSON array — all into `PositionInput`.

use crate::error::{Error, ErrorCode, Issue, Result};
use crate::input::instrument::{Instrument, InstrumentSpec, QuantityUnit};

pub use crate::input::position::{
    check_entry, check_iv, check_mark, check_quantity, number, quantity_with_unit, Parsed,
    PositionInput, MAX_ABS_QUANTITY, MAX_POSITIONS, MAX_PRICE, MAX_TEXT_BYTES,
};

/// The sample portfolio that goes with the embedded default market.
pub const SAMPLE_POSITIONS: &str = include_str!("../../data/sample-portfolio.txt");

/// The JSON object form of a position.
#[cfg_attr(
    feature = "typescript",
    derive(ts_rs::TS),
    ts(optional_fields, rename_all = "camelCase")
)]
#[derive(Debug, Clone)]
pub struct PositionObject {
    pub instrument: InstrumentField,
    pub quantity: f64,
    pub unit: Option<QuantityUnit>,
    /// The mark in the instrument's own quote unit; `price` is another name for it (not both).
    pub mark: Option<f64>,
    pub iv: Option<f64>,
    pub entry: Option<f64>,
}

/// An instrument name (`BTC-27DEC26-100000-C`) or the explicit instrument object.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(untagged))]
#[derive(Debug, Clone)]
pub enum InstrumentField {
    Name(String),
    Explicit(InstrumentSpec),
}

impl PositionObject {
    /// Read a position object; errors carry paths under `path` (e.g. `positions[3].quantity`).
    pub fn from_json(v: &serde_json::Value, path: &str) -> Result<PositionObject> {
        let o = crate::input::json::Obj::new(
            v,
            path,
            &[
                "instrument",
                "quantity",
                "unit",
                "mark",
                "price",
                "iv",
                "entry",
            ],
        )?;
        let instrument = match o.get("instrument") {
            Some(serde_json::Value::String(name)) => InstrumentField::Name(name.clone()),
            Some(spec @ serde_json::Value::Object(_)) => {
                InstrumentField::Explicit(InstrumentSpec::from_json(spec, &o.at("instrument"))?)
            }
            Some(other) => {
                return Err(crate::input::json::expected(
                    &o.at("instrument"),
                    "an instrument name or object",
                    other,
                ))
            }
            None => {
                let here = o.at("instrument");
                return Err(Error::at_path(
                    ErrorCode::BadRequest,
                    &here,
                    format!("{here}: missing field `instrument`"),
                ));
            }
        };
        Ok(PositionObject {
            instrument,
            quantity: o.f64("quantity")?,
            unit: o.opt_enum(
                "unit",
                &[("coin", QuantityUnit::Coin), ("usd", QuantityUnit::Usd)],
            )?,
            mark: match (o.opt_f64("mark")?, o.opt_f64("price")?) {
                (Some(_), Some(_)) => {
                    let here = o.at("price");
                    return Err(Error::at_path(
                        ErrorCode::BadRequest,
                        &here,
                        format!("{here}: `price` is another name for `mark`; give one of them"),
                    ));
                }
                (mark, price) => mark.or(price),
            },
            iv: o.opt_f64("iv")?,
            entry: o.opt_f64("entry")?,
        })
    }
}

/// Parse pasted text. Every bad line is reported; good lines are kept.
pub fn parse_text(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    if text.len() > MAX_TEXT_BYTES {
        parsed.errors.push(Issue::new(
            ErrorCode::LimitExceeded,
            format!(
                "pasted text is larger than {} MB",
                MAX_TEXT_BYTES / (1024 * 1024)
            ),
        ));
        return parsed;
    }
    // a UTF-8 BOM (spreadsheet and venue exports) is not part of the text
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('[') {
        return parse_json_text(text);
    }
    if let Some(header) = crate::input::csv::header_line(text) {
        return crate::input::csv::parse(text, header);
    }
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let outcome = match parse_line(raw, line_no) {
            Ok(None) => continue,
            Ok(Some(p)) => Ok(p),
            Err(issue) => Err(issue),
        };
        if !parsed.add(outcome, line_no) {
            break;
        }
    }
    parsed
}

/// One line of the line format: `<instrument> <quantity> [@mark] [iv=vol] [entry=price] [# comment]`.
fn parse_line(raw: &str, line_no: usize) -> std::result::Result<Option<PositionInput>, Issue> {
    let content = match raw.find('#') {
        Some(i) => &raw[..i],
        None => raw,
    };
    let tokens = tokens(content);
    if tokens.is_empty() {
        return Ok(None);
    }
    let line = Line {
        content,
        number: line_no,
    };
    let (mut position, rest) = line.head(&tokens)?;
    line.options(&mut position, rest)?;
    Ok(Some(position))
}

/// The whitespace-separated tokens of a line, with their byte offsets.
fn tokens(content: &str) -> Vec<(usize, &str)> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in content.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push((s, &content[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push((s, &content[s..]));
    }
    tokens
}

/// A line being read: its text (comment removed) and its number, for the places of errors.
struct Line<'a> {
    content: &'a str,
    number: usize,
}

impl Line<'_> {
    /// The 1-based column (in characters) of a byte offset.
    fn col(&self, byte: usize) -> usize {
        self.content[..byte].chars().count() + 1
    }

    fn bad(&self, code: ErrorCode, byte: usize, msg: String) -> Issue {
        let n = self.number;
        Issue::new(code, format!("line {n}: {msg}")).at_line(n, self.col(byte))
    }

    /// The instrument and the quantity (with a unit glued on or as the next token); the tokens
    /// after them.
    fn head<'t>(
        &self,
        tokens: &'t [(usize, &'t str)],
    ) -> std::result::Result<(PositionInput, &'t [(usize, &'t str)]), Issue> {
        let (name_at, name) = tokens[0];
        let instrument = Instrument::parse(name).map_err(|issue| {
            let within = issue.column.unwrap_or(1);
            Issue {
                line: Some(self.number),
                column: Some(self.col(name_at) + within - 1),
                message: format!("line {}: {}", self.number, issue.message),
                ..issue
            }
        })?;
        let Some(&(qty_at, qty_text)) = tokens.get(1) else {
            let msg = format!(
                "missing quantity after {} (e.g. {} -10)",
                instrument.name, instrument.name
            );
            return Err(self.bad(ErrorCode::BadLine, self.content.len(), msg));
        };
        // a separated unit: "20000 USD"
        let mut used = 2;
        let mut qty = qty_text.to_string();
        if let Some(&(_, next)) = tokens.get(2) {
            if next.chars().all(|c| c.is_ascii_alphabetic()) {
                qty.push_str(next);
                used = 3;
            }
        }
        let (quantity, unit) = quantity_with_unit(&qty, &instrument)
            .map_err(|m| self.bad(ErrorCode::BadNumber, qty_at, m))?;
        let position = PositionInput {
            instrument,
            quantity,
            unit,
            mark: None,
            iv: None,
            entry: None,
            line: Some(self.number),
        };
        Ok((position, &tokens[used.min(tokens.len())..]))
    }

    /// `@mark` (or `@ mark`), `iv=…` (a decimal or a percentage), `entry=…`.
    fn options(
        &self,
        position: &mut PositionInput,
        rest: &[(usize, &str)],
    ) -> std::result::Result<(), Issue> {
        let mut pending_at = false;
        for &(at, token) in rest {
            let lower = token.to_ascii_lowercase();
            if pending_at || token.starts_with('@') {
                let value_text = if pending_at { token } else { &token[1..] };
                if value_text.is_empty() {
                    pending_at = true;
                    continue;
                }
                pending_at = false;
                let v = number(value_text)
                    .filter(|v| check_mark(*v))
                    .ok_or_else(|| {
                        let msg = format!("'{token}' is not a mark price (a number ≥ 0 after @)");
                        self.bad(ErrorCode::BadNumber, at, msg)
                    })?;
                position.mark = Some(v);
            } else if let Some(v) = lower.strip_prefix("iv=") {
                position.iv = Some(self.iv(token, v, at)?);
            } else if let Some(v) = lower.strip_prefix("entry=") {
                let v = number(v).filter(|v| check_entry(*v)).ok_or_else(|| {
                    let msg = format!("'{token}' is not an entry price (a positive number)");
                    self.bad(ErrorCode::BadNumber, at, msg)
                })?;
                position.entry = Some(v);
            } else {
                let msg = format!("unexpected '{token}' (expected @mark, iv=… or entry=…)");
                return Err(self.bad(ErrorCode::BadLine, at, msg));
            }
        }
        if pending_at {
            let msg = "a mark price must follow @".to_string();
            return Err(self.bad(ErrorCode::BadNumber, self.content.len(), msg));
        }
        Ok(())
    }

    /// `iv=0.55` or `iv=55%`, in (0, MAX_IV].
    fn iv(&self, token: &str, text: &str, at: usize) -> std::result::Result<f64, Issue> {
        let pct = text.ends_with('%');
        let digits = text.strip_suffix('%').unwrap_or(text);
        let mut v = number(digits).ok_or_else(|| {
            let msg = format!("'{token}' is not an implied vol (e.g. iv=0.55)");
            self.bad(ErrorCode::BadNumber, at, msg)
        })?;
        if pct {
            v /= 100.0;
        }
        if !check_iv(v) {
            let msg = format!("implied vol {v} is out of range (0, 20]; write 55% as 0.55");
            return Err(self.bad(ErrorCode::BadNumber, at, msg));
        }
        Ok(v)
    }
}

fn parse_json_text(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    match crate::input::json::parse_json(text, "the pasted text") {
        Err(e) => parsed.errors = e.issues,
        Ok(value) => {
            let (positions, errors) = positions_from_json_partial(&value, "");
            parsed.positions = positions;
            parsed.errors = errors;
        }
    }
    parsed
}

/// Positions from a JSON array of position objects; every bad element is reported with its path.
pub fn positions_from_json(value: &serde_json::Value, path: &str) -> Result<Vec<PositionInput>> {
    let (positions, issues) = positions_from_json_partial(value, path);
    if issues.is_empty() {
        Ok(positions)
    } else {
        Err(Error::from_issues(issues))
    }
}

/// The good positions and the issues of the bad ones.
fn positions_from_json_partial(
    value: &serde_json::Value,
    path: &str,
) -> (Vec<PositionInput>, Vec<Issue>) {
    let Some(items) = value.as_array() else {
        return (
            Vec::new(),
            vec![Issue::new(
                ErrorCode::BadRequest,
                "positions must be pasted text or an array of positions",
            )
            .at_path(path)],
        );
    };
    if items.len() > MAX_POSITIONS {
        return (
            Vec::new(),
            vec![Issue::new(
                ErrorCode::LimitExceeded,
                format!("more than {MAX_POSITIONS} positions"),
            )
            .at_path(path)],
        );
    }
    let mut positions = Vec::with_capacity(items.len());
    let mut issues = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match position_from_json(item, &format!("{path}[{i}]")) {
            Ok(p) => positions.push(p),
            Err(issue) => issues.push(issue),
        }
    }
    (positions, issues)
}

fn position_from_json(
    item: &serde_json::Value,
    here: &str,
) -> std::result::Result<PositionInput, Issue> {
    let first_issue = |e: Error| {
        e.issues
            .into_iter()
            .next()
            .unwrap_or_else(|| Issue::new(ErrorCode::BadRequest, "bad position"))
    };
    let object = PositionObject::from_json(item, here).map_err(first_issue)?;
    let instrument = match &object.instrument {
        InstrumentField::Name(name) => Instrument::parse(name).map_err(|i| Issue {
            line: None,
            column: None,
            path: Some(format!("{here}.instrument")),
            ..i
        })?,
        InstrumentField::Explicit(spec) => Instrument::from_spec(spec).map_err(|i| {
            let p = format!("{here}.instrument.{}", i.path.clone().unwrap_or_default());
            Issue {
                message: format!("{p}: {}", i.message),
                path: Some(p),
                ..i
            }
        })?,
    };
    let bad = |field: &str, what: &str| {
        Issue::new(ErrorCode::BadNumber, format!("{here}.{field}: {what}"))
            .at_path(format!("{here}.{field}"))
    };
    if !check_quantity(object.quantity) {
        return Err(bad("quantity", "must be a finite number within ±1e12"));
    }
    if object.mark.is_some_and(|v| !check_mark(v)) {
        return Err(bad("mark", "must be a number ≥ 0"));
    }
    if object.iv.is_some_and(|v| !check_iv(v)) {
        return Err(bad("iv", "must be in (0, 20] (55 % is 0.55)"));
    }
    if object.entry.is_some_and(|v| !check_entry(v)) {
        return Err(bad("entry", "must be a positive price"));
    }
    Ok(PositionInput {
        unit: object.unit.unwrap_or(instrument.quantity_unit),
        instrument,
        quantity: object.quantity,
        mark: object.mark,
        iv: object.iv,
        entry: object.entry,
        line: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        assert_eq!(
            parse_text("ETH-PERPETUAL -2ETH\nETH-PERPETUAL 1e3")
                .positions
                .iter()
                .map(|p| (p.quantity, p.unit))
                .collect::<Vec<_>>(),
            vec![(-2.0, QuantityUnit::Coin), (1000.0, QuantityUnit::Usd)]
        );
        let p = parse_text("# book\nBTC-27DEC26-100000-C -10 @0.05 iv=0.6 # short calls\n\nBTC-PERPETUAL 0.5BTC entry=90000\nETH_USDC-27DEC26 20000 USD");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.positions.len(), 3);
        assert_eq!(
            (
                p.positions[0].quantity,
                p.positions[0].mark,
                p.positions[0].iv,
                p.positions[0].line
            ),
            (-10.0, Some(0.05), Some(0.6), Some(2))
        );
        assert_eq!(
            (p.positions[1].unit, p.positions[1].entry),
            (QuantityUnit::Coin, Some(90000.0))
        );
        assert_eq!(
            (p.positions[2].quantity, p.positions[2].unit),
            (20000.0, QuantityUnit::Usd)
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_line_and_column() {
        let p = parse_text("BTC-27DEC26-100000-C -10\nBTC-27XYZ26-100000-C 1\nETH-PERPETUAL abc\nBTC-PERPETUAL 5 foo\nSOL-PERPETUAL");
        assert_eq!(p.positions.len(), 1);
        let got: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.code, e.line, e.column))
            .collect();
        assert_eq!(
            got,
            vec![
                (ErrorCode::UnknownInstrument, Some(2), Some(5)),
                (ErrorCode::BadNumber, Some(3), Some(15)),
                (ErrorCode::BadNumber, Some(4), Some(15)),
                (ErrorCode::BadLine, Some(5), Some(14)),
            ]
        );
    }

    #[test]
    fn csv_any_column_order() {
        let p = parse_text("quantity,note,instrument,price\n-10,x,BTC-27DEC26-100000-C,0.05\n1,,BTC-PERPETUAL,\n2,,BAD-NAME,");
        assert_eq!(p.positions.len(), 2);
        assert_eq!(p.positions[0].mark, Some(0.05));
        assert_eq!((p.errors[0].line, p.errors[0].column), (Some(4), Some(8)));
    }

    #[test]
    fn json_array() {
        let p = parse_text(
            r#"[{"instrument":"BTC-27DEC26-100000-C","quantity":-10},{"instrument":{"underlying":"ETH","kind":"future","expiry":"2026-12-25"},"quantity":1000},{"instrument":"X","quantity":1}]"#,
        );
        assert_eq!(p.positions.len(), 2);
        assert_eq!(p.positions[1].instrument.name, "ETH-25DEC26");
        assert_eq!(p.errors[0].path.as_deref(), Some("[2].instrument"));
    }
}
