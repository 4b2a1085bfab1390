#!/usr/bin/env python3
"""Writes data/default-market.json: the embedded default market of portfolio-margin.

A synthetic but realistic snapshot dated 2026-11-24 08:00 UTC, modelled on the shape of Deribit's
BTC, ETH and SOL markets: index levels, a contango futures curve on Deribit's Friday expiries
(annualised basis 5-9 %, rising with term), and per-expiry smiles with put skew and wings whose ATM
level follows a typical crypto term structure. It is not a recording of any venue's data.
Regenerate: python3 data/make_default_market.py  (deterministic; standard library only)
"""
import json, math
from datetime import datetime, timezone

AS_OF = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)
EXPIRIES = ["2026-11-27", "2026-12-04", "2026-12-25", "2027-01-29", "2027-03-26", "2027-06-25", "2027-09-24"]
COINS = {
    #        index     basis short/long  ATM short/long  skew   curvature  strike step
    "BTC": (94250.0, 0.052, 0.078, 0.46, 0.54, -0.10, 0.30, 5000.0),
    "ETH": (3412.5, 0.055, 0.082, 0.58, 0.65, -0.09, 0.32, 100.0),
    "SOL": (238.4, 0.060, 0.090, 0.74, 0.72, -0.07, 0.28, 5.0),
}

def years(date):
    d = datetime.fromisoformat(date).replace(hour=8, tzinfo=timezone.utc)
    return (d - AS_OF).total_seconds() / (365 * 86400)

def underlying(index, b0, b1, atm0, atm1, skew, curv, step):
    ts = [years(e) for e in EXPIRIES]
    futures, smiles = {}, {}
    for e, t in zip(EXPIRIES, ts):
        w = (t - ts[0]) / (ts[-1] - ts[0])
        basis = b0 + (b1 - b0) * w
        fwd = index * math.exp(basis * t)
        futures[e] = round(fwd, 2)
        atm = atm0 + (atm1 - atm0) * math.sqrt(w)
        spread = 0.35 + 0.9 * math.sqrt(t)  # strike range widens with term
        lo = math.floor(fwd * math.exp(-spread) / step) * step
        hi = math.ceil(fwd * math.exp(spread) / step) * step
        n = 13
        points = []
        for i in range(n):
            k_strike = lo + (hi - lo) * i / (n - 1)
            k_strike = max(step, round(k_strike / step) * step)
            k = math.log(k_strike / fwd) / math.sqrt(max(t, 1 / 365) / 0.25)  # term-scaled moneyness
            iv = atm + skew * k + curv * k * k
            points.append([k_strike, round(iv, 4)])
        smiles[e] = sorted({p[0]: p for p in points}.values())
    return {"index": index, "futures": futures, "smiles": smiles}

market = {
    "asOf": "2026-11-24T08:00:00Z",
    "rate": 0,
    "description": "Embedded default: synthetic snapshot of 2026-11-24 08:00 UTC modelled on Deribit BTC/ETH/SOL "
                   "(contango futures on Friday expiries, smiles with put skew). Not recorded venue data.",
    "underlyings": {c: underlying(*p) for c, p in COINS.items()},
    "correlations": {"BTC/ETH": 0.82, "BTC/SOL": 0.74, "ETH/SOL": 0.78},
}
with open(__file__.replace("make_default_market.py", "default-market.json"), "w") as f:
    json.dump(market, f, indent=1)
    f.write("\n")
