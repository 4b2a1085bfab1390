//! A deterministic generated book for benchmarks and scale tests (no randomness crate needed).

/// `n` positions over BTC and ETH on 8 expiries of the default market: inverse options (both
/// kinds, strikes around the forward), inverse futures and perpetuals, and some linear options.
pub fn generated_book(n: usize) -> String {
    const EXPIRIES: [&str; 8] = [
        "27NOV26", "4DEC26", "25DEC26", "29JAN27", "26FEB27", "26MAR27", "25JUN27", "24SEP27",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = String::with_capacity(n * 40);
    for i in 0..n {
        let r = next();
        let (coin, spot, step) = if r % 3 == 0 {
            ("ETH", 3412.5, 100.0)
        } else {
            ("BTC", 94250.0, 5000.0)
        };
        let expiry = EXPIRIES[(r >> 8) as usize % EXPIRIES.len()];
        let qty = ((r >> 16) % 200) as f64 / 10.0 - 10.0;
        let qty = if qty == 0.0 { 1.0 } else { qty };
        let kind = (r >> 32) % 10;
        let strike = ((spot * (0.6 + ((r >> 40) % 80) as f64 / 100.0)) / step).round() * step;
        let line = match kind {
            0 => format!("{coin}-{expiry} {}", qty * 10_000.0),
            1 => format!("{coin}-PERPETUAL {}", qty * 10_000.0),
            2 => format!(
                "{coin}_USDC-{expiry}-{strike}-{} {qty}",
                if r & 1 == 0 { "C" } else { "P" }
            ),
            _ => format!(
                "{coin}-{expiry}-{strike}-{} {qty}",
                if r & 1 == 0 { "C" } else { "P" }
            ),
        };
        out.push_str(&line);
        if i + 1 < n {
            out.push('\n');
        }
    }
    out
}
