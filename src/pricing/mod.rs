//! Pricing: Black-76 (`black76`), positions valued on a market with their Greeks and scenario
//! revaluation (`valuation`), and the single-option calculator.

pub mod black76;
pub mod calculator;
pub mod valuation;
