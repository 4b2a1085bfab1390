//! Stress tests (SPEC §4): the library shipped as data (`stress-library.json`) and the request's
//! own scenarios, each an instantaneous joint move of every underlying's price and vols; P&L in
//! USD per scenario, per underlying and per pool (collateral under its coin), and the worst.

use crate::error::{Error, ErrorCode, Result};
use crate::input::analysis::{StressInput, StressScenario};
use crate::input::json::{as_array, parse_json, Obj};
use crate::risk::types::{StressReport, StressResult};
use crate::risk::RiskBook;
use std::collections::BTreeMap;

/// The library's data file, embedded.
pub const LIBRARY_JSON: &str = include_str!("stress-library.json");

/// The library's scenarios, in file order (read by the strict reader: a bad file fails its test).
pub fn library() -> Result<Vec<StressScenario>> {
    let v = parse_json(LIBRARY_JSON, "the stress library")?;
    let o = Obj::new(&v, "", &["about", "scenarios"])?;
    let list = as_array(
        o.get("scenarios").unwrap_or(&serde_json::Value::Null),
        "scenarios",
    )?;
    list.iter()
        .enumerate()
        .map(|(i, s)| StressScenario::from_json(s, &format!("scenarios[{i}]")))
        .collect()
}

/// The scenarios a request runs: the library's (all, or those in `include`, in that order), then
/// its custom ones. An unknown name, or a custom name that is a library name, is `BAD_REQUEST`.
fn selected(input: &StressInput) -> Result<Vec<(StressScenario, &'static str)>> {
    let lib = library()?;
    let names = || {
        lib.iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out: Vec<(StressScenario, &'static str)> = match &input.include {
        None => lib.iter().cloned().map(|s| (s, "library")).collect(),
        Some(include) => include
            .iter()
            .enumerate()
            .map(|(i, name)| {
                lib.iter()
                    .find(|s| s.name == *name)
                    .cloned()
                    .map(|s| (s, "library"))
                    .ok_or_else(|| {
                        let at = format!("analysis.stress.include[{i}]");
                        Error::at_path(
                            ErrorCode::BadRequest,
                            &at,
                            format!(
                                "{at}: no library scenario '{name}' (the library has {})",
                                names()
                            ),
                        )
                    })
            })
            .collect::<Result<_>>()?,
    };
    for (i, s) in input.custom.iter().enumerate() {
        if lib.iter().any(|l| l.name == s.name)
            || input.custom[..i].iter().any(|c| c.name == s.name)
        {
            let at = format!("analysis.stress.custom[{i}].name");
            return Err(Error::at_path(
                ErrorCode::BadRequest,
                &at,
                format!(
                    "{at}: the name '{}' is already taken; give the scenario its own name",
                    s.name
                ),
            ));
        }
        out.push((s.clone(), "custom"));
    }
    Ok(out)
}

/// The P&L of the whole account (collateral included) in every selected scenario.
pub fn run(book: &RiskBook, input: &StressInput) -> Result<StressReport> {
    let mut scenarios = Vec::new();
    for (s, origin) in selected(input)? {
        let moves: Vec<f64> = book.underlyings.iter().map(|u| s.move_of(u)).collect();
        let vols: Vec<f64> = book.underlyings.iter().map(|u| s.vol_of(u)).collect();
        let mut by_underlying: BTreeMap<String, f64> =
            book.underlyings.iter().map(|u| (u.clone(), 0.0)).collect();
        let mut by_pool: BTreeMap<String, f64> = BTreeMap::new();
        let mut total = 0.0;
        for item in &book.items {
            let pnl = match item.underlying {
                Some(u) => item.pnl(book.index[u], 1.0 + moves[u], 1.0 + vols[u], 0.0),
                None => 0.0,
            };
            if let Some(u) = item.underlying {
                *by_underlying
                    .get_mut(&book.underlyings[u])
                    .expect("every underlying") += pnl;
            }
            *by_pool.entry(item.pool.to_string()).or_insert(0.0) += pnl;
            total += pnl;
        }
        scenarios.push(StressResult {
            moves: book.underlyings.iter().cloned().zip(moves).collect(),
            vol: book.underlyings.iter().cloned().zip(vols).collect(),
            name: s.name,
            label: s.label,
            window: s.window,
            source: s.source,
            vol_basis: s.vol_basis,
            origin,
            pnl_usd: total,
            by_underlying,
            by_pool,
        });
    }
    let worst = scenarios
        .iter()
        .min_by(|a, b| a.pnl_usd.total_cmp(&b.pnl_usd))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    Ok(StressReport { scenarios, worst })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_is_the_spec_table() {
        let lib = library().unwrap();
        let names: Vec<&str> = lib.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "covid-2020",
                "china-ban-2021",
                "luna-2022",
                "three-arrows-2022",
                "merge-2022",
                "ftx-2022",
                "rally-2021-01",
                "rally-2021-10",
                "yen-carry-2024",
                "liquidations-2025-10",
                "vol-crush-2024-11"
            ]
        );
        let ftx = &lib[5];
        assert_eq!(
            (
                ftx.move_of("BTC"),
                ftx.move_of("ETH"),
                ftx.move_of("SOL"),
                ftx.move_of("XRP")
            ),
            (-0.26, -0.328, -0.622, -0.622)
        );
        assert_eq!(ftx.vol_of("BTC"), 1.02);
        assert_eq!(lib[0].move_of("SOL"), -0.432);
        for s in &lib {
            assert!(s.window.is_some() && s.source.is_some());
            assert!(matches!(
                s.vol_basis.as_deref(),
                Some("measured" | "estimated")
            ));
            assert_eq!(
                s.move_of("DOGE"),
                s.move_of("SOL"),
                "{}: default is the SOL figure",
                s.name
            );
        }
    }
}
