//! CSV positions (SPEC §2 "Pasted positions"): a header row naming the columns, one position per
//! row. Header names are case-insensitive and may be the venues' own (one alias table, [`ALIASES`]);
//! a `side`/`direction` column signs the quantity; quoted fields (RFC 4180, `""` for a quote), a
//! UTF-8 BOM, CRLF and the zero-width BOMs OKX puts before each cell are read; the columns not used
//! give one `IGNORED_COLUMN` warning naming them all. Sources and choices: docs/CSV-EXPORTS.md.
//!
//! The reader works on bytes (every byte it looks for is ASCII, so a byte found is a whole
//! character) and counts columns in characters as it goes: one small loop per job, no generic
//! string machinery, which keeps the WebAssembly small.

use crate::error::{ascii_case, owned, ErrorCode, Issue, Warning, WarningCode};
use crate::input::position::{
    check_entry, check_iv, check_mark, line_issue, number, quantity_with_unit, Parsed,
    PositionInput,
};
use crate::input::venue::{parse_name, Venue};

/// What a column gives the reader (the discriminant is its slot in a header's columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Instrument,
    Quantity,
    Side,
    Price,
    Iv,
    Entry,
    Venue,
}

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
    ("venue", Field::Venue),
    ("exchange", Field::Venue),
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

/// One cell of a record: its text (unquoted, trimmed) and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
struct Cell {
    at: usize,
    text: String,
}

/// The 1-based column (in characters) of a byte offset of a line: counted only for a message.
#[inline(never)]
fn col(line: &str, byte: usize) -> usize {
    line.get(..byte).unwrap_or("").chars().count() + 1
}

/// The byte length of the pad (space, tab or U+FEFF, a BOM, which OKX also writes before cells;
/// EF BB BF in UTF-8) that `b` starts with, 0 if none.
fn pad_len(b: &[u8]) -> usize {
    match b {
        [b' ' | b'\t', ..] => 1,
        [0xEF, 0xBB, 0xBF, ..] => 3,
        _ => 0,
    }
}

/// The offset of the first byte at or after `i` that is not a pad.
fn skip_pads(b: &[u8], mut i: usize) -> usize {
    loop {
        let n = pad_len(&b[i..]);
        if n == 0 {
            return i;
        }
        i += n;
    }
}

/// Spaces, tabs and U+FEFF around a cell are dropped.
fn trim_pads(s: &str) -> String {
    let b = s.as_bytes();
    let from = skip_pads(b, 0);
    let mut to = b.len();
    loop {
        let n = match &b[from..to] {
            [.., b' ' | b'\t'] => 1,
            [.., 0xEF, 0xBB, 0xBF] => 3,
            _ => break,
        };
        to -= n;
    }
    owned(s.get(from..to).unwrap_or(""))
}

/// Compare header names: lowercase letters and digits only.
fn normalise(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase());
        }
    }
    out
}

/// Split one line into cells (RFC 4180 quoting within the line). Err: (byte offset, why).
fn split_record(line: &str) -> Result<Vec<Cell>, (usize, &'static str)> {
    let b = line.as_bytes();
    let mut cells = Vec::new();
    let mut i = 0;
    loop {
        i = skip_pads(b, i);
        if b.get(i) != Some(&b'"') {
            let end = b[i..]
                .iter()
                .position(|&x| x == b',')
                .map_or(b.len(), |n| i + n);
            let text = trim_pads(line.get(i..end).unwrap_or(""));
            cells.push(Cell { at: i, text });
            if end == b.len() {
                return Ok(cells);
            }
            i = end + 1;
            continue;
        }
        let open = i;
        let mut text = String::new();
        loop {
            i += 1;
            let Some(len) = b[i..].iter().position(|&x| x == b'"') else {
                return Err((open, "a quoted field is not closed on its line"));
            };
            text.push_str(line.get(i..i + len).unwrap_or(""));
            i += len + 1;
            if b.get(i) != Some(&b'"') {
                break;
            }
            // `""` is a quote
            text.push_str("\"");
        }
        i = skip_pads(b, i);
        cells.push(Cell {
            at: open + 1,
            text: trim_pads(&text),
        });
        match b.get(i) {
            None => return Ok(cells),
            Some(b',') => i += 1,
            Some(_) => return Err((i, "unexpected text after a closing quote")),
        }
    }
}

fn is_skipped(line: &str) -> bool {
    // blank (whitespace and BOMs only) or, after them, a `#`
    let mut t = line;
    loop {
        t = t.trim_start();
        match t.strip_prefix('\u{feff}') {
            Some(rest) => t = rest,
            None => return matches!(t.as_bytes().first(), None | Some(b'#')),
        }
    }
}

/// A venue preamble line: every cell is `key:value` (OKX's `UID:…,Account Type:…`).
fn is_preamble(line: &str) -> bool {
    line.contains(',')
        && split_record(line).is_ok_and(|cells| cells.iter().all(|c| c.text.contains(':')))
}

fn ledger(name: &[u8]) -> Option<&'static str> {
    LEDGER_COLUMNS
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|(_, what)| *what)
}

/// The header line among the first lines of the text, if the text is CSV: the first line that is
/// not blank, a `#` comment or a venue preamble has a comma and a column naming the instrument (or
/// a column of a venue ledger, refused at the header). Its index and cells, and the lines after.
fn find_header<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
) -> Option<(usize, &'t str, Vec<Cell>)> {
    let mut preamble = 0;
    for (idx, line) in lines {
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
            let instrument = |(a, f): &&(&str, Field)| *f == Field::Instrument && a.as_bytes() == n;
            ALIASES.iter().any(|a| instrument(&a)) || ledger(&n).is_some()
        };
        return (line.contains(',') && cells.iter().any(names)).then_some((idx, line, cells));
    }
    None
}

/// The 0-based index of the CSV header line, if the text is CSV (see [`read`]).
pub fn header_line(text: &str) -> Option<usize> {
    find_header(&mut text.lines().enumerate()).map(|(idx, ..)| idx)
}

/// Which cell holds each field (by [`Field`] slot), and how many cells the header has.
struct Columns {
    at: [Option<usize>; 7],
    width: usize,
    /// The file's venue, when its names show it (rows without a venue cell get it).
    venue: Option<Venue>,
}

/// `line N: why` at a line and column.
fn bad_line(line_no: usize, col: usize, why: &str) -> Issue {
    line_issue(ErrorCode::BadLine, line_no, col, why)
}

/// Read the header's cells; Err is the one issue that stops the whole CSV.
fn read_header(
    line: &str,
    cells: &[Cell],
    line_no: usize,
) -> Result<(Columns, Option<Warning>), Issue> {
    let names: Vec<Vec<u8>> = cells.iter().map(|c| normalise(&c.text)).collect();
    for (cell, name) in cells.iter().zip(&names) {
        if let Some(what) = ledger(name) {
            let why = [
                "this looks like ",
                what,
                " (column '",
                &cell.text,
                "'): its rows are trades or closed positions, not open positions; paste the open \
                 positions instead, one row each with instrument, size and side",
            ]
            .concat();
            return Err(bad_line(line_no, col(line, cell.at), &why));
        }
    }
    // map the cells to fields through the aliases (earlier aliases win)
    let mut columns = Columns {
        at: [None; 7],
        width: cells.len(),
        venue: None,
    };
    let mut used = vec![false; cells.len()];
    for (alias, field) in ALIASES {
        let slot = &mut columns.at[*field as usize];
        if slot.is_some() {
            continue;
        }
        if let Some(i) = (0..cells.len()).find(|&i| !used[i] && names[i] == alias.as_bytes()) {
            *slot = Some(i);
            used[i] = true;
        }
    }
    if columns.at[Field::Quantity as usize].is_none() {
        return Err(bad_line(
            line_no,
            1,
            "a CSV header needs an instrument column and a quantity column \
             (quantity, size, amount or qty)",
        ));
    }
    let mut ignored = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if !used[i] {
            if !ignored.is_empty() {
                ignored.push_str(", ");
            }
            if cell.text.is_empty() {
                ignored.push_str(&format!("column {} (no name)", i + 1));
            } else {
                ignored.push_str(&cell.text);
            }
        }
    }
    let warning = (!ignored.is_empty()).then(|| Warning {
        code: WarningCode::IgnoredColumn,
        message: format!(
            "line {line_no}: columns not used: {ignored} (read: instrument, quantity/size/amount, \
             side/direction, price, iv, entry and their venue names)"
        ),
        line: Some(line_no),
        path: None,
    });
    Ok((columns, warning))
}

/// Read pasted text as CSV, if it is CSV (its header found by the rule of [`header_line`]): every
/// bad row is reported.
pub(crate) fn read(text: &str) -> Option<Parsed> {
    let mut lines = text.lines().enumerate();
    let (idx, header, cells) = find_header(&mut lines)?;
    Some(rows(header, &cells, idx + 1, lines))
}

/// Read CSV text whose header is on line `header_idx` (0-based): every bad row is reported.
pub fn parse(text: &str, header_idx: usize) -> Parsed {
    let mut lines = text.lines().enumerate().skip(header_idx);
    let header = lines.next().map_or("", |(_, line)| line);
    match split_record(header) {
        Ok(cells) => rows(header, &cells, header_idx + 1, lines),
        Err((at, why)) => {
            let mut parsed = Parsed::default();
            let line_no = header_idx + 1;
            parsed.errors.push(bad_line(line_no, col(header, at), why));
            parsed
        }
    }
}

/// The header (line `header_no`) and then the rows.
fn rows<'t>(
    header: &str,
    cells: &[Cell],
    header_no: usize,
    lines: impl Iterator<Item = (usize, &'t str)>,
) -> Parsed {
    let mut parsed = Parsed::default();
    let mut columns = match read_header(header, cells, header_no) {
        Ok((columns, warning)) => {
            parsed.warnings.extend(warning);
            columns
        }
        Err(issue) => {
            parsed.errors.push(issue);
            return parsed;
        }
    };
    let lines: Vec<(usize, &str)> = lines.collect();
    columns.venue = file_venue(&lines, &columns);
    if let Some(v) = columns.venue {
        parsed.warnings.push(Warning {
            code: WarningCode::VenueInferred,
            message: format!(
                "line {header_no}: the names in this CSV are {}'s: rows without a venue are read as {}'s (a venue column says otherwise)",
                v.title(),
                v.title()
            ),
            line: Some(header_no),
            path: None,
        });
    }
    for (idx, raw) in lines {
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

/// The one venue whose own names (`BTCUSDT`, `BTC-USDT-SWAP`) the rows use, when there is one and
/// the file has no venue column: a venue's export names its options like Deribit's.
fn file_venue(lines: &[(usize, &str)], columns: &Columns) -> Option<Venue> {
    let name_at = columns.at[Field::Instrument as usize]?;
    if columns.at[Field::Venue as usize].is_some() {
        return None;
    }
    let mut found = None;
    for (_, raw) in lines {
        let Ok(cells) = split_record(raw) else {
            continue;
        };
        let Some(v) = cells
            .get(name_at)
            .and_then(|c| crate::input::venue::own_venue(&c.text))
        else {
            continue;
        };
        match found {
            Some(f) if f != v => return None,
            _ => found = Some(v),
        }
    }
    found
}

/// One data row to a position.
fn read_row(raw: &str, line_no: usize, columns: &Columns) -> Result<PositionInput, Issue> {
    let issue =
        |code: ErrorCode, at: usize, why: &str| line_issue(code, line_no, col(raw, at), why);
    let cells = split_record(raw).map_err(|(at, why)| issue(ErrorCode::BadLine, at, why))?;
    // no more cells than the header's (an unquoted `64,000` would shift values)
    if let Some(extra) = cells.get(columns.width) {
        let why = format!(
            "{} fields but the header has {} (quote a field that holds a comma: \"64,000.5\")",
            cells.len(),
            columns.width
        );
        return Err(issue(ErrorCode::BadLine, extra.at, &why));
    }
    let get = |field: Field| {
        columns.at[field as usize]
            .and_then(|i| cells.get(i))
            .filter(|c| !c.text.is_empty())
    };
    let Some(name) = get(Field::Instrument) else {
        return Err(bad_line(line_no, 1, "missing instrument"));
    };
    let venue = match get(Field::Venue) {
        None => columns.venue,
        Some(v) => Some(Venue::parse(&v.text).ok_or_else(|| {
            let why = ["'", &v.text, "' is not a venue (deribit, okx or bybit)"].concat();
            issue(ErrorCode::BadLine, v.at, &why)
        })?),
    };
    let named = parse_name(&name.text, venue).map_err(|within| {
        let c = col(raw, name.at) + within.column.unwrap_or(1) - 1;
        line_issue(within.code, line_no, c, &within.message)
    })?;
    let instrument = named.instrument;
    let Some(qty) = get(Field::Quantity) else {
        let why = ["missing quantity for ", &instrument.name].concat();
        return Err(issue(ErrorCode::BadLine, raw.len(), &why));
    };
    let qty_text = ungroup(&qty.text);
    let (quantity, unit) = quantity_with_unit(&qty_text, &instrument)
        .and_then(|read| crate::input::position::in_contracts(&qty_text, read, &named.contract))
        .map_err(|m| issue(ErrorCode::BadNumber, qty.at, &m))?;
    let quantity = match get(Field::Side) {
        None => quantity,
        Some(side) => {
            signed(quantity, &side.text).map_err(|m| issue(ErrorCode::BadLine, side.at, &m))?
        }
    };
    let mut values = [None; 3];
    for (slot, (field, what)) in values.iter_mut().zip([
        (Field::Price, "a price (a number ≥ 0)"),
        (
            Field::Iv,
            "an implied vol in [0.0001, 20] (write 55% as 0.55 or 55%)",
        ),
        (Field::Entry, "an entry price (a positive number)"),
    ]) {
        if let Some(c) = get(field) {
            let v = read_value(&c.text, field).ok_or_else(|| {
                let why = ["'", &c.text, "' is not ", what].concat();
                issue(ErrorCode::BadNumber, c.at, &why)
            })?;
            *slot = Some(v);
        }
    }
    let [mark, iv, entry] = values;
    Ok(PositionInput {
        mark,
        iv,
        entry,
        instrument,
        quantity,
        unit,
        line: Some(line_no),
        venue: named.venue,
    })
}

/// A price, vol or entry: thousands separators allowed, a vol may end in `%`.
fn read_value(text: &str, field: Field) -> Option<f64> {
    let t = ungroup(text);
    let v = match (field, t.strip_suffix('%')) {
        (Field::Iv, Some(pct)) => number(pct)? / 100.0,
        _ => number(&t)?,
    };
    let ok = match field {
        Field::Price => check_mark(v),
        Field::Iv => check_iv(v),
        _ => check_entry(v),
    };
    ok.then_some(v)
}

/// Drop thousands separators when the digits are grouped by three (`1,234,567.5`, `-64,000 USD`);
/// any other comma is left in place, so that the number is refused (`0,5` is not read as 5).
fn ungroup(text: &str) -> String {
    let t = text.trim();
    let b = t.as_bytes();
    // the leading run of digits, commas, points and signs is the number
    let numeric = b
        .iter()
        .position(|&c| !(c.is_ascii_digit() || matches!(c, b',' | b'.' | b'+' | b'-')))
        .unwrap_or(b.len());
    let num = &b[..numeric];
    let signs = num.iter().take_while(|&&c| c == b'+' || c == b'-').count();
    let body = &num[signs..];
    let int = body.iter().position(|&c| c == b'.').unwrap_or(body.len());
    // groups of the integer part: the first of 1 to 3 digits, every later one of exactly 3
    let mut grouped = !body[int..].contains(&b',');
    let mut commas = 0;
    let mut run = 0;
    for &c in &body[..int] {
        if c == b',' {
            grouped &= if commas == 0 {
                (1..=3).contains(&run)
            } else {
                run == 3
            };
            commas += 1;
            run = 0;
        } else {
            grouped &= c.is_ascii_digit();
            run += 1;
        }
    }
    if grouped && commas > 0 && run == 3 {
        let mut out = String::with_capacity(t.len());
        for &c in num {
            if c != b',' {
                out.push(char::from(c));
            }
        }
        out.push_str(t.get(numeric..).unwrap_or(""));
        out
    } else {
        owned(t)
    }
}

/// Sign a quantity by its side. A signed size and a side that agree are accepted (Deribit gives
/// both: `size -10`, `direction sell`); a size and a side that disagree are an error.
fn signed(quantity: f64, side: &str) -> Result<f64, String> {
    let side = side.trim();
    let sign = match ascii_case(side, false).as_str() {
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
            return Err(["side '", side, "' is not buy, sell, long or short"].concat());
        }
    };
    if quantity < 0.0 && sign > 0.0 {
        return Err(format!(
            "the size {quantity} and the side '{side}' disagree: give the size unsigned with a side, \
             or signed without one"
        ));
    }
    Ok(sign * quantity.abs())
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
        let err_col = |line: &str| col(line, split_record(line).unwrap_err().0);
        assert_eq!(err_col("x,\"open"), 3);
        assert_eq!(err_col("\"a\"b"), 4);
        let line = "\u{feff}id,\u{feff} Size";
        let cells = split_record(line).unwrap();
        assert_eq!(
            (col(line, cells[1].at), cells[1].text.as_str()),
            (7, "Size")
        );
    }

    #[test]
    fn header_names_normalise() {
        assert_eq!(normalise("Mark Price"), b"markprice");
        assert_eq!(normalise("instrument_name"), b"instrumentname");
        assert_eq!(normalise("\u{feff}INSTRUMENT"), b"instrument");
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
