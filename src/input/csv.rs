//! CSV positions (SPEC §2 "Pasted positions"): a header row naming the columns, one position per
//! row. Header names are case-insensitive and may be the venues' own (one alias table, [`ALIASES`]);
//! a `side`/`direction` column signs the quantity; quoted fields (RFC 4180, `""` for a quote), a
//! UTF-8 BOM, CRLF and the zero-width BOMs OKX puts before each cell are read; the columns not used
//! give one `IGNORED_COLUMN` warning naming them all. Sources and choices: docs/CSV-EXPORTS.md.

use crate::error::{ErrorCode, Issue, Warning, WarningCode};
use crate::input::instrument::Instrument;
use crate::input::position::{
    check_entry, check_iv, check_mark, number, quantity_with_unit, Parsed, PositionInput,
};
use crate::time::Date;

/// What a column gives the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Instrument,
    Quantity,
    Side,
    Price,
    Iv,
    Entry,
}

const FIELDS: [Field; 6] = [
    Field::Instrument,
    Field::Quantity,
    Field::Side,
    Field::Price,
    Field::Iv,
    Field::Entry,
];

/// The one alias table: a header name, compared with case and every character that is not a letter
/// or a digit dropped (`Mark Price`, `mark_price` and `markPrice` are all `markprice`), and the
/// field it fills; whose name each is, is in docs/CSV-EXPORTS.md. When a header has two columns for
/// one field, the earlier alias here wins and the other column is reported as ignored.
pub const ALIASES: &[(&str, Field)] = &[
    ("instrument", Field::Instrument),
    ("instrumentname", Field::Instrument),
    ("instid", Field::Instrument),
    ("symbol", Field::Instrument),
    ("contract", Field::Instrument),
    ("quantity", Field::Quantity),
    ("size", Field::Quantity),
    ("amount", Field::Quantity),
    ("qty", Field::Quantity),
    ("pos", Field::Quantity),
    ("side", Field::Side),
    ("direction", Field::Side),
    ("posside", Field::Side),
    ("mark", Field::Price),
    ("markprice", Field::Price),
    ("markpx", Field::Price),
    ("price", Field::Price),
    ("iv", Field::Iv),
    ("vol", Field::Iv),
    ("entry", Field::Entry),
    ("entryprice", Field::Entry),
    ("averageprice", Field::Entry),
    ("avgprice", Field::Entry),
    ("avgpx", Field::Entry),
];

/// Columns that mark a venue's ledger export (one row per trade, fill or closed position, not per
/// open position): such a file is refused at its header rather than misread as a book.
pub const LEDGER_COLUMNS: &[(&str, &str)] = &[
    ("userseq", "a Deribit transaction log"),
    ("cashflow", "a transaction log (Deribit or Bybit)"),
    ("positionbalance", "an OKX trading history"),
    ("positionchange", "an OKX trading history"),
    ("closedpl", "a Bybit closed P&L export"),
    ("closingdirection", "a Bybit closed P&L export"),
];

/// Documented bound: a venue preamble (OKX writes `UID:…,Account Type:…,Time Zone:…`) of at most
/// this many lines may stand before the header.
const MAX_PREAMBLE_LINES: usize = 3;

/// One cell of a record: its text (unquoted, trimmed) and the 1-based column where it starts.
#[derive(Debug, Clone, PartialEq)]
struct Cell {
    col: usize,
    text: String,
}

/// Spaces, tabs and U+FEFF (a BOM, which OKX also writes before cells) around a cell are dropped.
fn is_pad(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{feff}'
}

/// Compare header names: lowercase letters and digits only.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Split one line into cells (RFC 4180 quoting within the line). Err: (column, why).
fn split_record(line: &str) -> Result<Vec<Cell>, (usize, &'static str)> {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut at = 0;
    loop {
        let (cell, next) = read_cell(&chars, at)?;
        cells.push(cell);
        match next {
            Some(n) => at = n,
            None => return Ok(cells),
        }
    }
}

/// The cell starting at `chars[start]`, and where the next one starts (None at the line's end).
fn read_cell(chars: &[char], start: usize) -> Result<(Cell, Option<usize>), (usize, &'static str)> {
    let mut i = start;
    while chars.get(i).is_some_and(|c| is_pad(*c)) {
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        let end = chars[i..].iter().position(|&c| c == ',').map(|p| i + p);
        let raw: String = chars[i..end.unwrap_or(chars.len())].iter().collect();
        let text = raw.trim_matches(is_pad).to_string();
        return Ok((Cell { col: i + 1, text }, end.map(|e| e + 1)));
    }
    let open = i;
    let mut text = String::new();
    i += 1;
    loop {
        match chars.get(i) {
            None => return Err((open + 1, "a quoted field is not closed on its line")),
            Some('"') if chars.get(i + 1) == Some(&'"') => {
                text.push('"');
                i += 2;
            }
            Some('"') => break,
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
    i += 1;
    while chars.get(i).is_some_and(|c| is_pad(*c)) {
        i += 1;
    }
    let cell = Cell {
        col: open + 2,
        text: text.trim_matches(is_pad).to_string(),
    };
    match chars.get(i) {
        None => Ok((cell, None)),
        Some(',') => Ok((cell, Some(i + 1))),
        Some(_) => Err((i + 1, "unexpected text after a closing quote")),
    }
}

fn is_skipped(line: &str) -> bool {
    let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    t.is_empty() || t.starts_with('#')
}

/// A venue preamble line: every cell is `key:value` (OKX's `UID:…,Account Type:…`).
fn is_preamble(line: &str) -> bool {
    line.contains(',')
        && split_record(line).is_ok_and(|cells| cells.iter().all(|c| c.text.contains(':')))
}

/// The 0-based index of the CSV header line, if the text is CSV: the first line that is not blank,
/// a `#` comment or a venue preamble has a comma and a column naming the instrument (or a column
/// of a venue ledger, refused at the header).
pub fn header_line(text: &str) -> Option<usize> {
    let mut preamble = 0;
    for (idx, line) in text.lines().enumerate() {
        if is_skipped(line) {
            continue;
        }
        if preamble < MAX_PREAMBLE_LINES && is_preamble(line) {
            preamble += 1;
            continue;
        }
        let cells = split_record(line).ok()?;
        let names = |c: &Cell| {
            let n = normalise(&c.text);
            let instrument = |(a, f): &&(&str, Field)| *f == Field::Instrument && *a == n;
            ALIASES.iter().any(|a| instrument(&a)) || LEDGER_COLUMNS.iter().any(|(l, _)| *l == n)
        };
        return (line.contains(',') && cells.iter().any(names)).then_some(idx);
    }
    None
}

/// Which cell holds each field, and the header cells no field uses.
#[derive(Debug, Default)]
struct Columns {
    at: [Option<usize>; 6],
    ignored: Vec<String>,
    width: usize,
}

impl Columns {
    fn get(&self, field: Field) -> Option<usize> {
        FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| self.at[i])
    }
}

/// Map header cells to fields through [`ALIASES`] (earlier aliases win).
fn map_header(cells: &[Cell]) -> Columns {
    let names: Vec<String> = cells.iter().map(|c| normalise(&c.text)).collect();
    let mut columns = Columns {
        width: cells.len(),
        ..Columns::default()
    };
    let mut used = vec![false; cells.len()];
    for (alias, field) in ALIASES {
        let slot = FIELDS.iter().position(|f| f == field).unwrap_or(0);
        if columns.at[slot].is_some() {
            continue;
        }
        if let Some(i) = (0..cells.len()).find(|&i| !used[i] && names[i] == *alias) {
            columns.at[slot] = Some(i);
            used[i] = true;
        }
    }
    for (i, cell) in cells.iter().enumerate() {
        if !used[i] {
            columns.ignored.push(if cell.text.is_empty() {
                format!("column {} (no name)", i + 1)
            } else {
                cell.text.clone()
            });
        }
    }
    columns
}

/// Read the header line; Err is the one issue that stops the whole CSV.
fn read_header(line: &str, line_no: usize) -> Result<(Columns, Option<Warning>), Issue> {
    let bad = |col: usize, msg: String| {
        Issue::new(ErrorCode::BadLine, format!("line {line_no}: {msg}")).at_line(line_no, col)
    };
    let cells = split_record(line).map_err(|(col, why)| bad(col, why.to_string()))?;
    for cell in &cells {
        let name = normalise(&cell.text);
        if let Some((_, what)) = LEDGER_COLUMNS.iter().find(|(n, _)| *n == name) {
            return Err(bad(
                cell.col,
                format!(
                "this looks like {what} (column '{}'): its rows are trades or closed positions, \
                 not open positions; paste the open positions instead, one row each with \
                 instrument, size and side",
                cell.text
            ),
            ));
        }
    }
    let columns = map_header(&cells);
    if columns.get(Field::Quantity).is_none() {
        return Err(bad(
            1,
            "a CSV header needs an instrument column and a quantity column \
             (quantity, size, amount or qty)"
                .to_string(),
        ));
    }
    let warning = (!columns.ignored.is_empty()).then(|| Warning {
        code: WarningCode::IgnoredColumn,
        message: format!(
            "line {line_no}: columns not used: {} (read: instrument, quantity/size/amount, \
             side/direction, price, iv, entry and their venue names)",
            columns.ignored.join(", ")
        ),
        line: Some(line_no),
        path: None,
    });
    Ok((columns, warning))
}

/// Read CSV text whose header is on line `header_idx` (0-based): every bad row is reported.
pub fn parse(text: &str, header_idx: usize) -> Parsed {
    let mut parsed = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.get(header_idx).copied().unwrap_or("");
    let columns = match read_header(header, header_idx + 1) {
        Ok((columns, warning)) => {
            parsed.warnings.extend(warning);
            columns
        }
        Err(issue) => {
            parsed.errors.push(issue);
            return parsed;
        }
    };
    for (idx, raw) in lines.iter().enumerate().skip(header_idx + 1) {
        let line_no = idx + 1;
        if is_skipped(raw) {
            continue;
        }
        if !parsed.add(read_row(raw, line_no, &columns), line_no) {
            break;
        }
    }
    parsed
}

/// The cells of a data row: no more than the header's (an unquoted `64,000` would shift values).
fn row_cells(raw: &str, line_no: usize, width: usize) -> Result<Vec<Cell>, Issue> {
    let bad = |col: usize, msg: String| {
        Issue::new(ErrorCode::BadLine, format!("line {line_no}: {msg}")).at_line(line_no, col)
    };
    let cells = split_record(raw).map_err(|(col, why)| bad(col, why.to_string()))?;
    match cells.get(width) {
        Some(extra) => Err(bad(
            extra.col,
            format!(
                "{} fields but the header has {width} (quote a field that holds a comma: \"64,000.5\")",
                cells.len()
            ),
        )),
        None => Ok(cells),
    }
}

/// One data row to a position.
fn read_row(raw: &str, line_no: usize, columns: &Columns) -> Result<PositionInput, Issue> {
    let issue = |code: ErrorCode, col: usize, msg: String| {
        Issue::new(code, format!("line {line_no}: {msg}")).at_line(line_no, col)
    };
    let cells = row_cells(raw, line_no, columns.width)?;
    let end = raw.chars().count() + 1;
    let get = |field: Field| {
        columns
            .get(field)
            .and_then(|i| cells.get(i))
            .filter(|c| !c.text.is_empty())
    };
    let Some(name) = get(Field::Instrument) else {
        return Err(issue(ErrorCode::BadLine, 1, "missing instrument".into()));
    };
    let instrument = instrument_of(&name.text).map_err(|within| {
        let col = name.col + within.column.unwrap_or(1) - 1;
        issue(within.code, col, within.message)
    })?;
    let Some(qty) = get(Field::Quantity) else {
        let msg = format!("missing quantity for {}", instrument.name);
        return Err(issue(ErrorCode::BadLine, end, msg));
    };
    let (quantity, unit) = quantity_with_unit(&ungroup(&qty.text), &instrument)
        .map_err(|m| issue(ErrorCode::BadNumber, qty.col, m))?;
    let quantity = match get(Field::Side) {
        None => quantity,
        Some(side) => {
            signed(quantity, &side.text).map_err(|m| issue(ErrorCode::BadLine, side.col, m))?
        }
    };
    let value = |field: Field, check: fn(f64) -> bool, what: &str| match get(field) {
        None => Ok(None),
        Some(c) => read_value(&c.text, field, check).map(Some).ok_or_else(|| {
            issue(
                ErrorCode::BadNumber,
                c.col,
                format!("'{}' is not {what}", c.text),
            )
        }),
    };
    Ok(PositionInput {
        mark: value(Field::Price, check_mark, "a price (a number ≥ 0)")?,
        iv: value(
            Field::Iv,
            check_iv,
            "an implied vol in (0, 20] (write 55% as 0.55 or 55%)",
        )?,
        entry: value(
            Field::Entry,
            check_entry,
            "an entry price (a positive number)",
        )?,
        instrument,
        quantity,
        unit,
        line: Some(line_no),
    })
}

/// A price, vol or entry: thousands separators allowed, a vol may end in `%`.
fn read_value(text: &str, field: Field, check: fn(f64) -> bool) -> Option<f64> {
    let t = ungroup(text);
    let v = match (field, t.strip_suffix('%')) {
        (Field::Iv, Some(pct)) => number(pct)? / 100.0,
        _ => number(&t)?,
    };
    check(v).then_some(v)
}

/// Drop thousands separators when the digits are grouped by three (`1,234,567.5`, `-64,000 USD`);
/// any other comma is left in place, so that the number is refused (`0,5` is not read as 5).
fn ungroup(text: &str) -> String {
    let t = text.trim();
    let numeric = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '+' | '-')))
        .unwrap_or(t.len());
    let (num, rest) = t.split_at(numeric);
    let body = num.trim_start_matches(['+', '-']);
    let int = body.split('.').next().unwrap_or("");
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && !body[int.len()..].contains(',');
    if grouped {
        format!("{}{rest}", num.replace(',', ""))
    } else {
        t.to_string()
    }
}

/// Sign a quantity by its side. A signed size and a side that agree are accepted (Deribit gives
/// both: `size -10`, `direction sell`); a size and a side that disagree are an error.
fn signed(quantity: f64, side: &str) -> Result<f64, String> {
    let sign = match side.trim().to_ascii_lowercase().as_str() {
        "buy" | "long" => 1.0,
        "sell" | "short" => -1.0,
        "net" | "none" | "-" => return Ok(quantity),
        "zero" if quantity == 0.0 => return Ok(0.0),
        "zero" => {
            return Err(format!(
                "the side 'zero' (no position) has the size {quantity}"
            ))
        }
        _ => {
            return Err(format!(
                "side '{}' is not buy, sell, long or short",
                side.trim()
            ))
        }
    };
    if quantity < 0.0 && sign > 0.0 {
        return Err(format!(
            "the size {quantity} and the side '{}' disagree: give the size unsigned with a side, \
             or signed without one",
            side.trim()
        ));
    }
    Ok(sign * quantity.abs())
}

/// Parse a name, refusing the venues' own names with the Deribit-style name to write instead.
fn instrument_of(name: &str) -> Result<Instrument, Issue> {
    match venue_name_hint(name) {
        Some(hint) => Err(Issue::new(
            ErrorCode::UnknownInstrument,
            format!("unknown instrument '{}': {hint}", name.trim()),
        )
        .at_line(0, 1)),
        None => Instrument::parse(name),
    }
}

fn is_coin(text: &str) -> bool {
    (2..=10).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `BTC` for an inverse (coin-settled) name, `BTC_USDT` for a linear one.
fn prefix(coin: &str, quote: &str) -> String {
    if quote == "USD" {
        coin.to_string()
    } else {
        format!("{coin}_{quote}")
    }
}

/// OKX (`BTC-USD-251226-100000-C`, `BTC-USDT-SWAP`) and Bybit (`BTCUSDT`, `BTCUSD`, `BTCPERP`,
/// `BTC-26DEC25-100000-C-USDT`) names: what to write instead (docs/CSV-EXPORTS.md, "Names").
fn venue_name_hint(name: &str) -> Option<String> {
    let upper = name.trim().to_ascii_uppercase();
    let parts: Vec<&str> = upper.split('-').collect();
    let suggest = |venue: &str, deribit: String, unit: &str| {
        format!("{venue} name; write it Deribit-style as {deribit}{unit}")
    };
    let okx_unit =
        |coin: &str| format!(", with the size in {coin} or USD (OKX sizes are in contracts)");
    match parts.as_slice() {
        [coin, quote @ ("USD" | "USDT" | "USDC"), rest @ ..] if is_coin(coin) => {
            let p = prefix(coin, quote);
            let deribit = match rest {
                [] => {
                    return Some(format!(
                        "an OKX spot pair; a holding of the coin is written {coin}"
                    ))
                }
                ["SWAP"] => format!("{p}-PERPETUAL"),
                [date] => format!("{p}-{}", okx_date(date)?),
                [date, strike, t @ ("C" | "P")] => format!("{p}-{}-{strike}-{t}", okx_date(date)?),
                _ => return None,
            };
            Some(suggest("an OKX", deribit, &okx_unit(coin)))
        }
        [coin, expiry, strike, t @ ("C" | "P"), quote @ ("USDT" | "USDC")] if is_coin(coin) => {
            let deribit = format!("{coin}_{quote}-{expiry}-{strike}-{t}");
            Some(suggest(
                "a Bybit",
                deribit,
                &format!(", with the size in {coin}"),
            ))
        }
        [single] => bybit_hint(single),
        _ => None,
    }
}

/// Bybit's undashed names: `BTCUSDT`, `BTCUSDC`, `BTCPERP` (linear), `BTCUSD` (inverse perpetual),
/// `BTCUSDZ25` (inverse future, expiry not in the name).
fn bybit_hint(name: &str) -> Option<String> {
    let linear = [("USDT", "USDT"), ("USDC", "USDC"), ("PERP", "USDC")];
    for (suffix, quote) in linear {
        if let Some(coin) = name.strip_suffix(suffix).filter(|c| is_coin(c)) {
            return Some(format!(
                "a Bybit name; write it Deribit-style as {coin}_{quote}-PERPETUAL, with the size in {coin}"
            ));
        }
    }
    let (coin, rest) = name.split_once("USD")?;
    if !is_coin(coin) || coin.len() < 3 {
        return None;
    }
    let month_code = rest.len() == 3
        && rest.starts_with(|c: char| "FGHJKMNQUVXZ".contains(c))
        && rest[1..].chars().all(|c| c.is_ascii_digit());
    match rest {
        "" => Some(format!(
            "a Bybit name; write it Deribit-style as {coin}-PERPETUAL, with the size in USD"
        )),
        _ if month_code => Some(format!(
            "a Bybit inverse future; write it Deribit-style with its expiry date, e.g. {coin}-26DEC25, \
             with the size in USD"
        )),
        _ => None,
    }
}

/// OKX's `YYMMDD` expiry as a Deribit code (`251226` → `26DEC25`).
fn okx_date(text: &str) -> Option<String> {
    if text.len() != 6 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let date = Date::new(2000 + n(0..2)? as i32, n(2..4)?, n(4..6)?)?;
    Some(date.deribit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        split_record(line)
            .unwrap()
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn records_with_quotes() {
        assert_eq!(
            texts(r#"a, "b,c" ,"say ""hi""",,"#),
            ["a", "b,c", "say \"hi\"", "", ""]
        );
        assert_eq!(split_record("x,\"open").unwrap_err().0, 3);
        assert_eq!(split_record("\"a\"b").unwrap_err().0, 4);
        let cells = split_record("\u{feff}id,\u{feff} Size").unwrap();
        assert_eq!((cells[1].col, cells[1].text.as_str()), (7, "Size"));
    }

    #[test]
    fn header_names_normalise() {
        assert_eq!(normalise("Mark Price"), "markprice");
        assert_eq!(normalise("instrument_name"), "instrumentname");
        assert_eq!(normalise("\u{feff}INSTRUMENT"), "instrument");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(ungroup("1,234,567.5"), "1234567.5");
        assert_eq!(ungroup("-64,000 USD"), "-64000 USD");
        assert_eq!(ungroup("0,5"), "0,5");
        assert_eq!(ungroup("1,23"), "1,23");
        assert_eq!(ungroup("1.5,000"), "1.5,000");
    }

    #[test]
    fn sides() {
        assert_eq!(signed(10.0, "SELL"), Ok(-10.0));
        assert_eq!(signed(-10.0, "short"), Ok(-10.0));
        assert_eq!(signed(10.0, "Long"), Ok(10.0));
        assert_eq!(signed(-3.0, "net"), Ok(-3.0));
        assert!(signed(-10.0, "buy").is_err());
        assert!(signed(1.0, "zero").is_err());
        assert!(signed(1.0, "open buy").is_err());
    }

    #[test]
    fn venue_names_get_a_deribit_style_suggestion() {
        let hint = |n: &str| venue_name_hint(n).unwrap_or_default();
        assert!(hint("BTC-USD-251226-100000-C").contains("BTC-26DEC25-100000-C"));
        assert!(hint("BTC-USDT-SWAP").contains("BTC_USDT-PERPETUAL"));
        assert!(hint("eth-usd-swap").contains("ETH-PERPETUAL"));
        assert!(hint("BTC-USDT-251226").contains("BTC_USDT-26DEC25"));
        assert!(hint("BTCUSDT").contains("BTC_USDT-PERPETUAL"));
        assert!(hint("BTCPERP").contains("BTC_USDC-PERPETUAL"));
        assert!(hint("BTCUSD").contains("BTC-PERPETUAL"));
        assert!(hint("BTCUSDZ25").contains("expiry"));
        assert!(hint("BTC-26DEC25-100000-C-USDT").contains("BTC_USDT-26DEC25-100000-C"));
        for deribit in [
            "BTC-26DEC25-100000-C",
            "BTC_USDC-PERPETUAL",
            "ETH",
            "USDC",
            "FDUSD",
            "BTC-PERPETUAL",
        ] {
            assert_eq!(venue_name_hint(deribit), None, "{deribit}");
        }
    }

    #[test]
    fn header_detection() {
        assert_eq!(header_line("# book\n\nInstrument,Size\nX,1"), Some(2));
        assert_eq!(
            header_line("UID:1,Account Type:Main\nSymbol,Amount\n"),
            Some(1)
        );
        assert_eq!(header_line("BTC-PERPETUAL 1,000"), None);
        assert_eq!(header_line("size,price\n1,2"), None);
    }
}
