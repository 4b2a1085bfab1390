//! One error type for the whole core: a stable machine code, a message for people, and the place.

use serde::Serialize;
use std::fmt;

/// Stable error codes. The string form (`code.as_str()`) is part of the public contract.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is not valid JSON, or a field has the wrong type or an unknown name.
    BadRequest,
    /// A number is missing, not a number, not finite, or out of its allowed range.
    BadNumber,
    /// An instrument name (or explicit instrument object) could not be understood.
    UnknownInstrument,
    /// A pasted line could not be read (missing quantity, unknown field, bad CSV header…).
    BadLine,
    /// A position needs market data (index, volatility) that the market does not have.
    MissingMarket,
    /// A date or time could not be read.
    BadDate,
    /// A model name or model field is unknown or invalid.
    BadModel,
    /// A documented size limit was exceeded.
    LimitExceeded,
    /// Implied volatility: the price is below the option's intrinsic value.
    BelowIntrinsic,
    /// Implied volatility: the price is at or above the largest possible option value.
    AboveMaximum,
    /// Implied volatility: the option has no time left.
    NoTimeLeft,
    /// Correlations that are not symmetric, not in [−1, 1] or not positive semi-definite.
    BadCorrelation,
    /// A computation produced a non-finite number (a bug guard; never expected).
    Numeric,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::BadNumber => "BAD_NUMBER",
            ErrorCode::UnknownInstrument => "UNKNOWN_INSTRUMENT",
            ErrorCode::BadLine => "BAD_LINE",
            ErrorCode::MissingMarket => "MISSING_MARKET",
            ErrorCode::BadDate => "BAD_DATE",
            ErrorCode::BadModel => "BAD_MODEL",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::BelowIntrinsic => "BELOW_INTRINSIC",
            ErrorCode::AboveMaximum => "ABOVE_MAXIMUM",
            ErrorCode::NoTimeLeft => "NO_TIME_LEFT",
            ErrorCode::BadCorrelation => "BAD_CORRELATION",
            ErrorCode::Numeric => "NUMERIC",
        }
    }
}

/// One problem, with where it is: `line`/`column` (1-based) in pasted text, or a JSON `path`.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The error returned by the core. The first issue is the headline; `issues` holds all of them
/// (pasted text reports every bad line, not only the first).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub issues: Vec<Issue>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl Issue {
    #[inline(never)]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Issue::of(code, message.into())
    }
    #[inline(never)]
    fn of(code: ErrorCode, message: String) -> Self {
        Issue {
            code,
            message,
            line: None,
            column: None,
            path: None,
        }
    }
    #[inline(never)]
    pub fn at_line(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
    #[inline(never)]
    pub fn at_path(self, path: impl Into<String>) -> Self {
        self.at_path_of(path.into())
    }
    #[inline(never)]
    fn at_path_of(mut self, path: String) -> Self {
        self.path = Some(path);
        self
    }
}

impl Error {
    #[inline(never)]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::from(Issue::of(code, message.into()))
    }
    #[inline(never)]
    pub fn at_path(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::at_path_of(code, path.into(), message.into())
    }
    #[inline(never)]
    fn at_path_of(code: ErrorCode, path: String, message: String) -> Self {
        let mut issue = Issue::of(code, message);
        issue.path = Some(path);
        Error::from(issue)
    }
    /// Several issues as one error (the first is the headline). `issues` must not be empty.
    pub fn from_issues(mut issues: Vec<Issue>) -> Self {
        if issues.is_empty() {
            issues.push(Issue::new(ErrorCode::BadRequest, "invalid input"));
        }
        let first = &issues[0];
        let message = if issues.len() > 1 {
            format!(
                "{} (and {} more problem{})",
                first.message,
                issues.len() - 1,
                if issues.len() > 2 { "s" } else { "" }
            )
        } else {
            first.message.clone()
        };
        let (code, line, column, path) = (first.code, first.line, first.column, first.path.clone());
        Error {
            code,
            message,
            line,
            column,
            path,
            issues,
        }
    }
    pub fn code_str(&self) -> &'static str {
        self.code.as_str()
    }
    /// Prefix the JSON path (e.g. nest `index` under `market.underlyings.BTC`).
    pub fn under(mut self, prefix: &str) -> Self {
        let join = |p: &Option<String>| match p {
            Some(p) if p.starts_with('[') => Some(format!("{prefix}{p}")),
            Some(p) => Some(format!("{prefix}.{p}")),
            None => Some(owned(prefix)),
        };
        if self.line.is_none() {
            self.path = join(&self.path);
        }
        for issue in &mut self.issues {
            if issue.line.is_none() {
                issue.path = join(&issue.path);
            }
        }
        self
    }
    /// Paths under `from` (`model`, `model.overrides.x`) moved under `to` (`models[2]`): a model
    /// read in another place of a request.
    pub fn rebased(mut self, from: &str, to: &str) -> Self {
        let move_path = |p: &mut Option<String>| match p.as_deref() {
            Some(x) if x == from || x.starts_with(&format!("{from}.")) => {
                *p = Some(format!("{to}{}", &x[from.len()..]));
            }
            Some(x) => *p = Some(format!("{to}.{x}")),
            None => *p = Some(owned(to)),
        };
        if self.line.is_none() {
            move_path(&mut self.path);
        }
        for issue in &mut self.issues {
            if issue.line.is_none() {
                move_path(&mut issue.path);
            }
        }
        self
    }
    /// The error as JSON (what the CLI prints on stderr and what the JS `Error` carries).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| format!("{{\"code\":\"{}\"}}", self.code.as_str()))
    }
}

impl From<Issue> for Error {
    #[inline(never)]
    fn from(issue: Issue) -> Self {
        Error::from_issues(vec![issue])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An owned copy of a string, out of line: an inlined `to_string` is an allocation, its error
/// path and a copy at every call site.
#[inline(never)]
pub(crate) fn owned(s: &str) -> String {
    s.to_string()
}

/// `s` with ASCII letters in upper (or lower) case, out of line like [`owned`].
#[inline(never)]
pub(crate) fn ascii_case(s: &str, upper: bool) -> String {
    if upper {
        s.to_ascii_uppercase()
    } else {
        s.to_ascii_lowercase()
    }
}

/// A finite number check with a path for the message.
pub fn finite(value: f64, path: &str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::at_path(
            ErrorCode::BadNumber,
            path,
            format!("{path} must be a finite number"),
        ))
    }
}

/// A price: positive and within the documented range [1e-8, 1e12].
pub fn positive(value: f64, path: &str) -> Result<f64> {
    if value.is_finite() && (1e-8..=1e12).contains(&value) {
        Ok(value)
    } else {
        let message = format!(
            "{path} must be a positive price between 1e-8 and 1e12, got {}",
            exponential(value)
        );
        Err(Error::at_path(ErrorCode::BadNumber, path, message))
    }
}

/// `format!("{value:e}")` (`1.5e-8`, `1e12`, `-0e0`, `inf`, `NaN`), from the shortest digits that
/// `Display` writes: one float formatter in the WebAssembly instead of two.
pub fn exponential(value: f64) -> String {
    let plain = value.to_string();
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    if !value.is_finite() {
        return plain;
    }
    // `Display` never writes an exponent: `1000000000000`, `0.000000015`, `1.5`
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let (all, exp) = if int != "0" {
        ([int, frac].concat(), int.len() as i32 - 1)
    } else {
        let lead = frac.bytes().take_while(|&d| d == b'0').count();
        match frac.get(lead..) {
            Some(rest) if !rest.is_empty() => (rest.to_string(), -(lead as i32) - 1),
            _ => ("0".to_string(), 0),
        }
    };
    let all = all.trim_end_matches('0');
    let all = if all.is_empty() { "0" } else { all };
    let (first, rest) = all.split_at(1);
    let point = if rest.is_empty() { "" } else { "." };
    format!("{sign}{first}{point}{rest}e{exp}")
}

/// Stable warning codes. The string form is part of the public contract.
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WarningCode {
    /// An option or future past its expiry: settled at intrinsic, no margin.
    Expired,
    /// A position with quantity 0.
    ZeroQuantity,
    /// A part of the request that this version accepts but does not compute.
    NotComputed,
    /// CSV columns that the reader does not use (named in the message).
    IgnoredColumn,
    /// Cornish-Fisher outside its domain of validity (not monotone in p): figures unreliable.
    CfOutOfDomain,
    /// A Monte Carlo run from a fresh seed (`"seed": null`): the figures change from run to run.
    FreshSeed,
    /// A CSV's names show its venue: rows without a venue are read as that venue's.
    VenueInferred,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::Expired => "EXPIRED",
            WarningCode::ZeroQuantity => "ZERO_QUANTITY",
            WarningCode::NotComputed => "NOT_COMPUTED",
            WarningCode::IgnoredColumn => "IGNORED_COLUMN",
            WarningCode::CfOutOfDomain => "CF_OUT_OF_DOMAIN",
            WarningCode::FreshSeed => "FRESH_SEED",
            WarningCode::VenueInferred => "VENUE_INFERRED",
        }
    }
}

/// Something suspicious but computable, reported in the report's `warnings` with a stable code
/// (`EXPIRED`, `ZERO_QUANTITY`, …).
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::exponential;

    #[test]
    fn exponential_is_lower_exp() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let check = |v: f64| assert_eq!(exponential(v), format!("{v:e}"), "{v:?}");
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1e12,
            1e-8,
            1.5e-8,
            123456.0,
            0.1,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e21,
            1e22,
            1e-7,
            100.0,
            10.5,
        ] {
            check(v);
        }
        for _ in 0..200_000 {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            check(f64::from_bits(r));
            check((r % 100_000) as f64 / 10f64.powi((r >> 40) as i32 % 12));
        }
    }
}
