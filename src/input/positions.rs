//! Pasted positions: the line format, CSV with a header, or a JSON array — all into `PositionInput`.

use crate::error::{Error, ErrorCode, Issue, Result};
use crate::input::instrument::{Instrument, InstrumentSpec, QuantityUnit};

use crate::input::position::in_contracts;
use crate::input::position::line_issue;
pub use crate::input::position::{
    check_entry, check_iv, check_mark, check_quantity, number, quantity_with_unit, Parsed,
    PositionInput, MAX_ABS_QUANTITY, MAX_POSITIONS, MAX_PRICE, MAX_TEXT_BYTES,
};
use crate::input::venue::{parse_name, Venue};

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
    /// `deribit`, `okx` or `bybit`: where the position sits.
    pub venue: Option<crate::input::venue::Venue>,
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
                "venue",
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
            venue: o.opt_enum("venue", &crate::input::venue::VENUE_NAMES)?,
        })
    }
}

/// Parse pasted text. Every bad line is reported; good lines are kept.
pub fn parse_text(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    if text.len() > MAX_TEXT_BYTES {
        const _: () = assert!(MAX_TEXT_BYTES == 4 * 1024 * 1024);
        parsed.errors.push(
            Issue::new(
                ErrorCode::LimitExceeded,
                "positions: pasted text is larger than 4 MB (the limit of pasted text)",
            )
            .at_path("positions"),
        );
        return parsed;
    }
    // a UTF-8 BOM (spreadsheet and venue exports) is not part of the text
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('[') {
        return parse_json_text(text);
    }
    if let Some(parsed) = crate::input::csv::read(text) {
        return parsed;
    }
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        if let Some(outcome) = parse_line(raw, line_no) {
            if !parsed.add(outcome, line_no) {
                break;
            }
        }
    }
    parsed
}

/// One line of the line format: `<instrument> <quantity> [@mark] [iv=vol] [entry=price] [# comment]`
/// (None: a blank or comment line).
fn parse_line(raw: &str, line_no: usize) -> Option<std::result::Result<PositionInput, Issue>> {
    let content = match raw.find('#') {
        Some(i) => &raw[..i],
        None => raw,
    };
    let tokens = tokens(content);
    if tokens.is_empty() {
        return None;
    }
    let line = Line {
        content,
        number: line_no,
    };
    Some(line.read(&tokens))
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
    /// An issue at a byte offset of the line (its column counted in characters).
    fn bad(&self, code: ErrorCode, byte: usize, why: &str) -> Issue {
        let col = self.content.get(..byte).unwrap_or("").chars().count() + 1;
        line_issue(code, self.number, col, why)
    }

    /// The instrument and the quantity (with a unit glued on or as the next token), then the
    /// options: `@mark` (or `@ mark`), `iv=…` (a decimal or a percentage), `entry=…`.
    fn read(&self, tokens: &[(usize, &str)]) -> std::result::Result<PositionInput, Issue> {
        let (name_at, name) = tokens[0];
        // `venue=…` first: it decides how the name reads
        let mut venue = None;
        for &(at, token) in tokens.get(1..).unwrap_or(&[]) {
            let lower = crate::error::ascii_case(token, false);
            if let Some(v) = lower.strip_prefix("venue=") {
                if venue.is_some() {
                    let why = "a second venue= on the line: give it once";
                    return Err(self.bad(ErrorCode::BadLine, at, why));
                }
                venue = Some(Venue::parse(v).ok_or_else(|| {
                    let why =
                        ["'", token, "' is not a venue (venue=deribit, okx or bybit)"].concat();
                    self.bad(ErrorCode::BadLine, at, &why)
                })?);
            }
        }
        let named = parse_name(name, venue).map_err(|issue| {
            let within = issue.column.unwrap_or(1);
            let mut issue = self.bad(issue.code, name_at, &issue.message);
            issue.column = issue.column.map(|c| c + within - 1);
            issue
        })?;
        let instrument = named.instrument;
        let Some(&(qty_at, qty_text)) = tokens.get(1) else {
            let n = &instrument.name;
            let why = ["missing quantity after ", n, " (e.g. ", n, " -10)"].concat();
            return Err(self.bad(ErrorCode::BadLine, self.content.len(), &why));
        };
        // a separated unit: "20000 USD"
        let mut used = 2;
        let mut qty = crate::error::owned(qty_text);
        if let Some(&(_, next)) = tokens.get(2) {
            if next.bytes().all(|c| c.is_ascii_alphabetic()) {
                qty.push_str(next);
                used = 3;
            }
        }
        let (quantity, unit) = quantity_with_unit(&qty, &instrument)
            .and_then(|read| in_contracts(&qty, read, &named.contract))
            .map_err(|m| self.bad(ErrorCode::BadNumber, qty_at, &m))?;
        let mut position = PositionInput {
            instrument,
            quantity,
            unit,
            mark: None,
            iv: None,
            entry: None,
            line: Some(self.number),
            venue: named.venue,
        };
        let mut pending_at = false;
        for &(at, token) in tokens.get(used..).unwrap_or(&[]) {
            let (code, why) = match self.option(&mut position, &mut pending_at, token) {
                Ok(()) => continue,
                Err(e) => e,
            };
            return Err(self.bad(code, at, &why));
        }
        if pending_at {
            let why = "a mark price must follow @";
            return Err(self.bad(ErrorCode::BadNumber, self.content.len(), why));
        }
        Ok(position)
    }

    /// One option token into the position; Err: the code and why.
    fn option(
        &self,
        position: &mut PositionInput,
        pending_at: &mut bool,
        token: &str,
    ) -> std::result::Result<(), (ErrorCode, String)> {
        let twice = |what: &str| {
            (
                ErrorCode::BadLine,
                ["a second ", what, " on the line: give it once"].concat(),
            )
        };
        let quoted = |what: &str| {
            (
                ErrorCode::BadNumber,
                ["'", token, "' is not ", what].concat(),
            )
        };
        if !*pending_at && token.starts_with('@') && position.mark.is_some() {
            return Err(twice("mark (@)"));
        }
        if *pending_at || token.starts_with('@') {
            let value_text = if *pending_at { token } else { &token[1..] };
            *pending_at = value_text.is_empty();
            if !*pending_at {
                let v = number(value_text).filter(|v| check_mark(*v));
                let v =
                    v.ok_or_else(|| quoted("a mark price (a number in [1e-8, 1e12] after @)"))?;
                position.mark = Some(v);
            }
            return Ok(());
        }
        let lower = crate::error::ascii_case(token, false);
        if lower.starts_with("venue=") {
            return Ok(()); // read before the name
        }
        if let Some(text) = lower.strip_prefix("iv=") {
            // `iv=0.55` or `iv=55%`, in (0, MAX_IV]
            let digits = text.strip_suffix('%');
            let v = number(digits.unwrap_or(text))
                .ok_or_else(|| quoted("an implied vol (e.g. iv=0.55)"))?;
            let v = if digits.is_some() { v / 100.0 } else { v };
            if !check_iv(v) {
                let why =
                    format!("implied vol {v} is out of range [0.0001, 20]; write 55% as 0.55");
                return Err((ErrorCode::BadNumber, why));
            }
            if position.iv.is_some() {
                return Err(twice("iv="));
            }
            position.iv = Some(v);
        } else if let Some(text) = lower.strip_prefix("entry=") {
            let v = number(text).filter(|v| check_entry(*v));
            let v = v.ok_or_else(|| quoted("an entry price (a number in [1e-8, 1e12])"))?;
            if position.entry.is_some() {
                return Err(twice("entry="));
            }
            position.entry = Some(v);
        } else {
            let why = [
                "unexpected '",
                token,
                "' (expected @mark, iv=…, entry=… or venue=…)",
            ]
            .concat();
            return Err((ErrorCode::BadLine, why));
        }
        Ok(())
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
    let mut positions = Vec::new();
    let mut issues = Vec::new();
    let refused = match value.as_array() {
        None => Some((
            ErrorCode::BadRequest,
            "positions must be pasted text or an array of positions",
        )),
        Some(items) if items.len() > MAX_POSITIONS => {
            const _: () = assert!(MAX_POSITIONS == 20_000);
            Some((ErrorCode::LimitExceeded, "more than 20000 positions"))
        }
        Some(items) => {
            positions.reserve_exact(items.len());
            for (i, item) in items.iter().enumerate() {
                match position_from_json(item, &format!("{path}[{i}]")) {
                    Ok(p) => positions.push(p),
                    Err(issue) => issues.push(issue),
                }
            }
            None
        }
    };
    if let Some((code, why)) = refused {
        issues.push(Issue::new(code, why).at_path(path));
    }
    (positions, issues)
}

fn position_from_json(
    item: &serde_json::Value,
    here: &str,
) -> std::result::Result<PositionInput, Issue> {
    let object = PositionObject::from_json(item, here).map_err(|e| {
        e.issues
            .into_iter()
            .next()
            .unwrap_or_else(|| Issue::new(ErrorCode::BadRequest, "bad position"))
    })?;
    let checks = [
        (
            "quantity",
            !check_quantity(object.quantity),
            "must be a finite number within ±1e12",
        ),
        (
            "mark",
            object.mark.is_some_and(|v| !check_mark(v)),
            "must be a price in [1e-8, 1e12]",
        ),
        (
            "iv",
            object.iv.is_some_and(|v| !check_iv(v)),
            "must be in [0.0001, 20] (55 % is 0.55)",
        ),
        (
            "entry",
            object.entry.is_some_and(|v| !check_entry(v)),
            "must be a price in [1e-8, 1e12]",
        ),
    ];
    let mut venue = object.venue;
    let mut contract = None;
    let instrument = match &object.instrument {
        InstrumentField::Name(name) => {
            let named = parse_name(name, venue).map_err(|i| Issue {
                line: None,
                column: None,
                path: Some([here, ".instrument"].concat()),
                ..i
            })?;
            venue = named.venue;
            contract = named.contract;
            named.instrument
        }
        InstrumentField::Explicit(spec) => Instrument::from_spec(spec).map_err(|i| {
            let p = [here, ".instrument.", i.path.as_deref().unwrap_or("")].concat();
            Issue {
                message: [&p, ": ", &i.message].concat(),
                path: Some(p),
                ..i
            }
        })?,
    };
    if let Some((field, _, what)) = checks.iter().find(|c| c.1) {
        let p = [here, ".", field].concat();
        return Err(Issue::new(ErrorCode::BadNumber, [&p, ": ", what].concat()).at_path(p));
    }
    // a venue's name counts in its contracts unless the object gives a unit
    let (quantity, unit) = match (object.unit, &contract) {
        (None, Some(c)) => {
            let p = [here, ".quantity"].concat();
            let (per, unit) = c.clone().map_err(|m| {
                Issue::new(ErrorCode::BadNumber, [&p, ": ", &m].concat()).at_path(&p)
            })?;
            let v = object.quantity * per;
            if !check_quantity(v) {
                let why = ": the size in contracts is outside ±1e12 once converted";
                return Err(Issue::new(ErrorCode::BadNumber, [&p, why].concat()).at_path(p));
            }
            (v, unit)
        }
        (u, _) => (object.quantity, u.unwrap_or(instrument.quantity_unit)),
    };
    Ok(PositionInput {
        unit,
        instrument,
        quantity,
        mark: object.mark,
        iv: object.iv,
        entry: object.entry,
        line: None,
        venue,
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
