#!/usr/bin/env python3
"""Independent reference implementation of portfolio-margin's margin models.

    python3 tests/reference/margin_reference.py

  1. checks the published Deribit worked example (fixtures/deribit-pm-btc.json) to 1e-8,
  2. runs a few pricing laws as self-checks,
  3. (re)writes every golden case tests/golden/margin/NN-short-name.json.

Deterministic: same Python, same bytes. Plain Python 3 (math, json, re, os, sys only).

Written from ../shared/SPEC.md (§1, §2, §3.1, §3.2, §6) and docs/CONVENTIONS.md only —
never from the engine's source — so that the golden files are an independent check of it.
Scope: the `deribit-pm` model (SPEC §3.1, steps 1–10) and `deribit-standard` (SPEC §3.2), the
pasted-line position format, ISO times, Deribit instrument names and the market object.
Not covered (and not used in the goldens): expired instruments, CSV/JSON position lists, Greeks
other than delta, accounts, VaR, stress, SPAN.

Choices that SPEC and CONVENTIONS leave open and that this file fixes are marked "CHOICE:".
"""

import json
import math
import os
import re
import sys

SECONDS_PER_YEAR = 365 * 86400


# --------------------------------------------------------------------------------------------
# Time (SPEC §1, CONVENTIONS "Time")
# --------------------------------------------------------------------------------------------

def _days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= 1 if m <= 2 else 0
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?)?$")


class Instant:
    """A UTC instant kept as whole seconds since the epoch plus a fraction (exact for ms)."""

    def __init__(self, whole, frac=0.0):
        self.whole = whole
        self.frac = frac

    def years_until(self, other):
        """T = (other − self) seconds / (365 × 86400)."""
        return ((other.whole - self.whole) + (other.frac - self.frac)) / SECONDS_PER_YEAR


def parse_iso(text):
    """ISO 8601: date, or date-time with optional fractional seconds and Z / ±hh:mm; bare date = 00:00 UTC."""
    m = _ISO.match(text.strip())
    if not m:
        raise ValueError("BAD_TIME: %r" % text)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh = int(m.group(4) or 0)
    mi = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    frac = float(m.group(7)) if m.group(7) else 0.0
    offset = 0
    zone = m.group(8)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    whole = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset
    return Instant(whole, frac)


def expiry_instant(date_iso):
    """Crypto expiries settle at 08:00 UTC on the expiry date."""
    y, mo, d = (int(x) for x in date_iso.split("-"))
    return Instant(_days_from_civil(y, mo, d) * 86400 + 8 * 3600)


# --------------------------------------------------------------------------------------------
# Instruments and pasted positions (SPEC §2, CONVENTIONS "Instruments and quantities")
# --------------------------------------------------------------------------------------------

MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
_EXPIRY = re.compile(r"^(\d{1,2})([A-Z]{3})(\d{2})$")
_COIN = re.compile(r"^[A-Z0-9]+$")


def parse_expiry(code):
    """`27DEC26` / `7MAR25` → `2026-12-27` (D or DD + MMM + YY, years 20YY)."""
    m = _EXPIRY.match(code)
    if not m or m.group(2) not in MONTHS:
        raise ValueError("UNKNOWN_INSTRUMENT: bad expiry %r" % code)
    return "20%s-%02d-%02d" % (m.group(3), MONTHS[m.group(2)], int(m.group(1)))


def parse_instrument(name):
    """Deribit-style name → dict(name, underlying, kind, settlement, pool, currency, expiry, strike, call)."""
    up = name.strip().upper()
    parts = up.split("-")
    base = parts[0]
    if "_" in base:
        coin, quote = base.split("_", 1)
        settlement = "linear"
    else:
        coin, quote = base, None
        settlement = "inverse"
    if not _COIN.match(coin) or (quote is not None and quote not in ("USDC", "USDT")):
        raise ValueError("UNKNOWN_INSTRUMENT: %r" % name)
    inst = {"name": up, "underlying": coin, "expiry": None, "strike": None, "call": None}
    if len(parts) == 1:
        # A bare coin is a spot holding: linear, valued in USD, in the coin's USDC pool.
        if quote is not None:
            raise ValueError("UNKNOWN_INSTRUMENT: %r" % name)
        inst.update(kind="spot", settlement="linear", quote="USDC")
    elif len(parts) == 2:
        if parts[1] == "PERPETUAL":
            inst["kind"] = "perpetual"
        else:
            inst.update(kind="future", expiry=parse_expiry(parts[1]))
        inst.update(settlement=settlement, quote=quote)
    elif len(parts) == 4 and parts[3] in ("C", "P"):
        strike = float(parts[2].replace("D", "."))
        if not strike > 0:
            raise ValueError("UNKNOWN_INSTRUMENT: bad strike in %r" % name)
        inst.update(kind="option", expiry=parse_expiry(parts[1]), strike=strike,
                    call=(parts[3] == "C"), settlement=settlement, quote=quote)
    else:
        raise ValueError("UNKNOWN_INSTRUMENT: %r" % name)
    # Pools: inverse → the coin; linear → `<COIN>_<QUOTE>` (quote currency USD-valued).
    if inst["settlement"] == "inverse":
        inst["pool"], inst["currency"] = coin, coin
    else:
        inst["pool"], inst["currency"] = coin + "_" + inst["quote"], inst["quote"]
    return inst


_QTY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]+)?$")


def parse_positions(text):
    """Pasted lines: `<instrument> <quantity>[unit] [@mark] [iv=vol] [entry=price] [# comment]`."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        if len(tokens) < 2:
            raise ValueError("line %d: missing quantity" % lineno)
        inst = parse_instrument(tokens[0])
        m = _QTY.match(tokens[1])
        if not m:
            raise ValueError("BAD_NUMBER line %d: %r" % (lineno, tokens[1]))
        pos = {"instrument": inst, "quantity": float(m.group(1)),
               "unit": (m.group(2) or "").upper() or None, "mark": None, "iv": None, "line": lineno}
        for tok in tokens[2:]:
            if tok.startswith("@"):
                pos["mark"] = float(tok[1:])
            elif tok.lower().startswith("iv="):
                pos["iv"] = float(tok[3:])
            elif tok.lower().startswith("entry="):
                pos["entry"] = float(tok[6:])
            else:
                raise ValueError("line %d: unexpected %r" % (lineno, tok))
        out.append(pos)
    return out


# --------------------------------------------------------------------------------------------
# Normal distribution and Black-76 (CONVENTIONS "Valuation and Greeks")
# --------------------------------------------------------------------------------------------

SQRT2 = math.sqrt(2.0)


def norm_cdf(x):
    return 0.5 * math.erfc(-x / SQRT2)


def black76(F, K, sigma, T, r, call):
    """Discounted Black-76 price in USD per coin: V = e^(−rT)·(FΦ(d1) − KΦ(d2)) for a call.

    CHOICE: the put is computed directly as e^(−rT)·(KΦ(−d2) − FΦ(−d1)) (equal to put-call parity,
    without its cancellation for far out-of-the-money puts)."""
    disc = math.exp(-r * T)
    sd = sigma * math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    if call:
        return disc * (F * norm_cdf(d1) - K * norm_cdf(d2))
    return disc * (K * norm_cdf(-d2) - F * norm_cdf(-d1))


def black76_delta(F, K, sigma, T, r, call):
    """∂V/∂F per coin: e^(−rT)Φ(d1) for a call, −e^(−rT)Φ(−d1) for a put."""
    disc = math.exp(-r * T)
    sd = sigma * math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * sd * sd) / sd
    return disc * norm_cdf(d1) if call else -disc * norm_cdf(-d1)


def implied_vol(price_usd, F, K, T, r, call):
    """σ with black76(σ) = price: bisection on [1e-4, 20] to the last bit, then two Newton steps."""
    disc = math.exp(-r * T)
    intrinsic = disc * max(F - K, 0.0) if call else disc * max(K - F, 0.0)
    if not (intrinsic < price_usd < (disc * F if call else disc * K)):
        raise ValueError("BAD_NUMBER: mark outside the no-arbitrage bounds")
    lo, hi = 1e-4, 20.0
    if not (black76(F, K, lo, T, r, call) < price_usd < black76(F, K, hi, T, r, call)):
        raise ValueError("BAD_NUMBER: implied vol outside [1e-4, 20]")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if black76(F, K, mid, T, r, call) < price_usd:
            lo = mid
        else:
            hi = mid
    sigma = 0.5 * (lo + hi)
    for _ in range(2):
        sd = sigma * math.sqrt(T)
        d1 = (math.log(F / K) + 0.5 * sd * sd) / sd
        vega = disc * F * math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) * math.sqrt(T)
        if vega <= 0:
            break
        step = (black76(F, K, sigma, T, r, call) - price_usd) / vega
        if abs(step) > 1e-10 * sigma:
            break  # bisection already closer than Newton can safely improve
        sigma -= step
    return sigma


# --------------------------------------------------------------------------------------------
# Market (SPEC §2 "Market", CONVENTIONS "Market")
# --------------------------------------------------------------------------------------------

class UnderlyingMarket:
    def __init__(self, name, spec, as_of):
        self.name = name
        self.index = float(spec["index"])
        self.carry = float(spec.get("carry", 0.0))
        # Futures marks → annualised basis b_i = ln(F_i/S)/T_i at each quoted expiry (T_i > 0 only).
        self.basis = []
        for date, mark in (spec.get("futures") or {}).items():
            T = as_of.years_until(expiry_instant(date))
            if T > 0:
                self.basis.append((T, math.log(float(mark) / self.index) / T))
        self.basis.sort()
        self.flat_iv = float(spec["iv"]) if spec.get("iv") is not None else None
        # Smiles: per expiry, points (k = ln(K/F_slice), iv) sorted by k.
        self.slices = []
        for date, points in (spec.get("smiles") or {}).items():
            T = as_of.years_until(expiry_instant(date))
            if T <= 0:
                continue
            F = self.forward(T)
            pts = sorted((math.log(float(k) / F), float(v)) for k, v in points)
            self.slices.append((T, pts))
        self.slices.sort(key=lambda s: s[0])

    def forward(self, T):
        """F(T) = S·e^(b(T)·T): b linear in T between quotes, flat outside; else the flat carry."""
        if not self.basis:
            return self.index * math.exp(self.carry * T)
        b = _interp(self.basis, T)
        return self.index * math.exp(b * T)

    def vol(self, K, T):
        """Surface vol at strike K, expiry T: smile in k = ln(K/F(T)), total variance across expiries."""
        if not self.slices:
            if self.flat_iv is None:
                raise ValueError("MISSING_MARKET: no iv for " + self.name)
            return self.flat_iv
        k = math.log(K / self.forward(T))
        first, last = self.slices[0], self.slices[-1]
        if T <= first[0]:
            return _interp(first[1], k)
        if T >= last[0]:
            return _interp(last[1], k)
        for (T1, p1), (T2, p2) in zip(self.slices, self.slices[1:]):
            if T1 <= T <= T2:
                w1 = _interp(p1, k) ** 2 * T1
                w2 = _interp(p2, k) ** 2 * T2
                w = w1 + (w2 - w1) * (T - T1) / (T2 - T1)
                return math.sqrt(w / T)
        raise AssertionError("unreachable")


def _interp(points, x):
    """Linear interpolation on sorted (x, y) points, flat outside."""
    if x <= points[0][0]:
        return points[0][1]
    if x >= points[-1][0]:
        return points[-1][1]
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        if x1 <= x <= x2:
            return y1 + (y2 - y1) * (x - x1) / (x2 - x1)
    raise AssertionError("unreachable")


class Market:
    def __init__(self, spec):
        self.as_of = parse_iso(spec["asOf"])
        self.rate = float(spec.get("rate", 0.0))
        self.underlyings = {name.upper(): UnderlyingMarket(name.upper(), u, self.as_of)
                            for name, u in spec["underlyings"].items()}

    def underlying(self, name):
        if name not in self.underlyings:
            raise ValueError("MISSING_MARKET: " + name)
        return self.underlyings[name]


# --------------------------------------------------------------------------------------------
# Valued positions: base state per position (CONVENTIONS "Valuation", "deribit-pm choices")
# --------------------------------------------------------------------------------------------

def value_position(pos, market):
    """Resolve a parsed position against the market.

    Returns a dict with: kind, settlement, pool, currency, underlying, index S, T (years),
    F (the position's own reference price: the option's forward, a future's mark or forward,
    a perpetual's mark or the index, spot's index), sigma (options), and the position size:
    `q` in coin (options, linear futures/perpetuals, spot) or `N` in USD (inverse futures/perpetuals)."""
    inst = pos["instrument"]
    und = market.underlying(inst["underlying"])
    S = und.index
    r = market.rate
    v = {"name": inst["name"], "kind": inst["kind"], "settlement": inst["settlement"],
         "pool": inst["pool"], "currency": inst["currency"], "underlying": inst["underlying"],
         "S": S, "T": None, "expiry": inst["expiry"], "strike": inst["strike"], "call": inst["call"]}
    if inst["expiry"] is not None:
        v["T"] = market.as_of.years_until(expiry_instant(inst["expiry"]))
        if v["T"] <= 0:
            raise NotImplementedError("expired instruments are not covered by the reference")

    # Reference price used for valuation and for unit conversion of the quantity.
    if inst["kind"] == "option":
        F = und.forward(v["T"])               # position marks never move the curve
    elif inst["kind"] == "future":
        F = pos["mark"] if pos["mark"] is not None else und.forward(v["T"])
    elif inst["kind"] == "perpetual":
        F = pos["mark"] if pos["mark"] is not None else S
    else:                                     # spot
        F = S
    v["F"] = F

    # Quantity and its unit. Inverse futures/perpetuals are held as USD notional N; everything
    # else in coin. `<x><COIN>` / `<x>USD` convert at the reference price F.
    # CHOICE (unused in goldens): a USD quantity on an option converts at the option's forward.
    q, unit = pos["quantity"], pos["unit"]
    if unit is not None and unit not in (inst["underlying"], "USD"):
        raise ValueError("BAD_NUMBER: unit %s on %s" % (unit, inst["name"]))
    usd_held = inst["settlement"] == "inverse" and inst["kind"] in ("future", "perpetual")
    if usd_held:
        v["N"] = q * F if unit == inst["underlying"] else q
    else:
        v["q"] = q / F if unit == "USD" else q

    if inst["kind"] == "option":
        T, K = v["T"], inst["strike"]
        if pos["iv"] is not None:
            sigma = pos["iv"]
        elif pos["mark"] is not None:
            # The mark is in the instrument's own quote unit: coin for inverse, USD for linear.
            mark_usd = pos["mark"] * F if inst["settlement"] == "inverse" else pos["mark"]
            sigma = implied_vol(mark_usd, F, K, T, r, inst["call"])
        else:
            sigma = und.vol(K, T)
        v["sigma"] = sigma
        v["r"] = r
        v["B"] = black76(F, K, sigma, T, r, inst["call"])       # USD per coin, discounted
        v["delta"] = v["q"] * black76_delta(F, K, sigma, T, r, inst["call"])
    elif usd_held:
        v["delta"] = v["N"] / F
    else:
        v["delta"] = v["q"]
    return v


# --------------------------------------------------------------------------------------------
# deribit-pm parameters (SPEC §3.1 tables)
# --------------------------------------------------------------------------------------------

UNDERLYING_PARAMS = {
    "BTC": {"priceRange": 0.16, "volUp": 0.50, "volDown": 0.25, "minVolForShockUp": 0.50,
            "deltaShockIncrement": 0.00005},
    "ETH": {"priceRange": 0.18, "volUp": 0.40, "volDown": 0.25, "minVolForShockUp": 0.50,
            "deltaShockIncrement": 0.000004},
    "default": {"priceRange": 0.20, "volUp": 0.50, "volDown": 0.25, "minVolForShockUp": 0.50,
                "deltaShockIncrement": 0.00005},
}
VEGA_POWER_SHORT, VEGA_POWER_LONG = 0.30, 0.13   # DTE < 30 / DTE ≥ 30
SETTLEMENT_PARAMS = {
    "BTC": {"annualisedMoveRisk": 0.075, "minAnnualisedMove": 0.01, "extendedDampener": 100000.0,
            "pnlOffset": 0.0, "mmFactor": 0.8},
    "ETH": {"annualisedMoveRisk": 0.05, "minAnnualisedMove": 0.005, "extendedDampener": 200000.0,
            "pnlOffset": 0.6, "mmFactor": 0.8},
    "USD": {"annualisedMoveRisk": 0.10, "minAnnualisedMove": 0.01, "extendedDampener": 25000.0,
            "pnlOffset": 0.4, "mmFactor": 0.8},
    "default": {"annualisedMoveRisk": 0.10, "minAnnualisedMove": 0.01, "extendedDampener": 25000.0,
                "pnlOffset": 0.0, "mmFactor": 0.8},
}
DELTA_TOTAL_LIQ_SHOCK_THRESHOLD = 20000000.0
MAX_DELTA_SHOCK = 0.10
EXTENDED_MOVES = [-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]
VOL_STATES = ["up", "unchanged", "down"]


def underlying_params(coin):
    return UNDERLYING_PARAMS.get(coin, UNDERLYING_PARAMS["default"])


def settlement_params(pool_is_linear, coin):
    if pool_is_linear:
        return SETTLEMENT_PARAMS["USD"]
    return SETTLEMENT_PARAMS.get(coin, SETTLEMENT_PARAMS["default"])


def shocked_vols(sigma, T, up_params):
    """Step 1: vol shocks from the position's own σ and DTE."""
    dte = T * 365.0
    d = max(dte, 1.0)
    p = VEGA_POWER_SHORT if d < 30 else VEGA_POWER_LONG
    s = (30.0 / d) ** p
    up = max(sigma * (1.0 + up_params["volUp"] * s), up_params["minVolForShockUp"])
    down = sigma * max(1.0 - up_params["volDown"] * s, 0.05)
    return {"up": up, "unchanged": sigma, "down": down}


def scenario_pnl(v, m, sigma_new):
    """Step 2: P&L of one position when every price moves by 1+m, in the pool's currency."""
    if v["kind"] == "option":
        F0 = v["F"]
        F1 = F0 * (1.0 + m)
        B1 = black76(F1, v["strike"], sigma_new, v["T"], v["r"], v["call"])
        if v["settlement"] == "inverse":
            return v["q"] * (B1 / F1 - v["B"] / F0)
        return v["q"] * (B1 - v["B"])
    if "N" in v:                                  # inverse future / perpetual: N(1/F − 1/F′)
        F0 = v["F"]
        return v["N"] * (1.0 / F0 - 1.0 / (F0 * (1.0 + m)))
    return v["q"] * v["F"] * m                    # linear future / perpetual / spot


# --------------------------------------------------------------------------------------------
# deribit-standard (SPEC §3.2)
# --------------------------------------------------------------------------------------------

def standard_margin(v):
    """(initial, maintenance) of one position in its pool's currency."""
    S = v["S"]
    linear = v["settlement"] == "linear"
    if v["kind"] == "option":
        q = v["q"]
        if q >= 0:
            return 0.0, 0.0
        # Marks per coin of underlying, in coin: inverse B/F; linear markUsd/S.
        mark = v["B"] / S if linear else v["B"] / v["F"]
        K = v["strike"]
        otm = max(K - S, 0.0) if v["call"] else max(S - K, 0.0)
        base = max(0.15 - otm / S, 0.10)
        if v["call"]:
            im, mm = base + mark, 0.075 + mark
        else:
            mm = max(0.075, 0.075 * mark) + mark
            im = max(base + mark, mm)
        scale = abs(q) * (S if linear else 1.0)
        return im * scale, mm * scale
    if v["kind"] == "spot" and v["q"] >= 0:
        return 0.0, 0.0
    # Futures, perpetuals, short spot: rates on notional.
    if "N" in v:
        size = abs(v["N"]) / v["F"]
        notional = size
    else:
        size = abs(v["q"])
        notional = size * v["F"]
    return (0.02 + 0.00005 * size) * notional, (0.01 + 0.00005 * size) * notional


# --------------------------------------------------------------------------------------------
# deribit-pm per pool (SPEC §3.1 steps 1–10)
# --------------------------------------------------------------------------------------------

def pool_margin(pool, valued, market):
    first = valued[0]
    linear = first["settlement"] == "linear"
    coin = first["underlying"]
    S = market.underlying(coin).index
    up_p = underlying_params(coin)
    st_p = settlement_params(linear, coin)
    R = up_p["priceRange"]
    moves = [R * i / 4.0 for i in range(-4, 5)]

    # Steps 1–2 and 4: standard table, 27 cells, aggregated cell by cell.
    raw = [[0.0] * 9 for _ in VOL_STATES]
    ext_raw = [0.0] * len(EXTENDED_MOVES)
    for v in valued:
        vols = shocked_vols(v["sigma"], v["T"], up_p) if v["kind"] == "option" else None
        for a, state in enumerate(VOL_STATES):
            for b, m in enumerate(moves):
                raw[a][b] += scenario_pnl(v, m, vols[state] if vols else None)
        # Step 3: extended table, vol up, weight R/|m|; inverse re-expressed at the edge price.
        for c, m in enumerate(EXTENDED_MOVES):
            sgn = 1.0 if m > 0 else -1.0
            pnl = scenario_pnl(v, m, vols["up"] if vols else None) * (R / abs(m))
            if not linear:
                pnl *= (1.0 + m) / (1.0 + sgn * R)
            ext_raw[c] += pnl

    # Step 5: dampener on each aggregated extended cell, toward zero by at most its size.
    ext = []
    for c, m in enumerate(EXTENDED_MOVES):
        sgn = 1.0 if m > 0 else -1.0
        damp = (abs(m) / R - 1.0) * st_p["extendedDampener"]
        if not linear:
            damp /= (1.0 + sgn * R) * S
        x = ext_raw[c]
        if x > 0:
            x = max(x - damp, 0.0)
        elif x < 0:
            x = min(x + damp, 0.0)
        ext.append(x)

    # Step 6: gains haircut on both tables.
    def haircut(x):
        return x * st_p["pnlOffset"] if x > 0 else x
    pnl = [[haircut(x) for x in row] for row in raw]
    ext = [haircut(x) for x in ext]

    # Step 7: worst case; ties → the first cell in order (standard: up, unchanged, down; moves
    # ascending; then extended, moves ascending).
    cells = [(pnl[a][b], {"priceMove": moves[b], "vol": VOL_STATES[a], "table": "standard"})
             for a in range(3) for b in range(9)]
    cells += [(ext[c], {"priceMove": m, "vol": "up", "table": "extended"})
              for c, m in enumerate(EXTENDED_MOVES)]
    worst_value, worst_scenario = cells[0]
    for value, scen in cells[1:]:
        if value < worst_value:
            worst_value, worst_scenario = value, scen
    worst_case = max(0.0, -worst_value)

    # Step 8: roll shock, one bucket per dated expiry plus one for all perpetuals (floor rate).
    buckets = {}
    for v in valued:
        if v["kind"] == "future":
            key, T = v["expiry"], v["T"]
        elif v["kind"] == "perpetual":
            key, T = "PERPETUAL", None
        else:
            continue                  # CHOICE: options and spot holdings carry no roll risk
        coin_amount = v["N"] / v["F"] if "N" in v else v["q"]
        bucket = buckets.setdefault(key, [0.0, T])
        bucket[0] += coin_amount
    roll = 0.0
    for key in sorted(buckets):
        net, T = buckets[key]
        if T is None:
            rate = st_p["minAnnualisedMove"]
        else:
            rate = max(st_p["minAnnualisedMove"], math.exp(st_p["annualisedMoveRisk"] * T) - 1.0)
        roll += abs(net) * rate
    if linear:
        roll *= S

    # Step 9: delta shock.
    D = 0.0
    for v in valued:
        D += v["delta"]
    excess = max(0.0, abs(D) * S - DELTA_TOTAL_LIQ_SHOCK_THRESHOLD)
    rate = min(MAX_DELTA_SHOCK, up_p["deltaShockIncrement"] * excess / S)
    delta_shock = rate * abs(D) * (S if linear else 1.0)

    # Step 10.
    rm = worst_case + roll + delta_shock
    std_im = std_mm = 0.0
    for v in valued:
        im, mm = standard_margin(v)
        std_im += im
        std_mm += mm
    return {
        "pool": pool, "currency": first["currency"],
        "worstCase": worst_case, "worstScenario": worst_scenario,
        "rollShock": roll, "deltaShock": delta_shock,
        "initial": rm, "maintenance": st_p["mmFactor"] * rm,
        "riskMatrix": {"priceMoves": moves, "volStates": list(VOL_STATES), "pnl": pnl, "pnlRaw": raw},
        "extended": {"priceMoves": list(EXTENDED_MOVES), "pnl": ext, "pnlRaw": ext_raw},
        "standard": {"initial": std_im, "maintenance": std_mm},
        # for checks only (not written): base-state positions
        "_positions": valued, "_S": S, "_linear": linear,
    }


def evaluate(request):
    """The `margin` part of the report for a request with model deribit-pm."""
    assert request.get("model", "deribit-pm") == "deribit-pm"
    market = Market(request["market"])
    valued = [value_position(p, market) for p in parse_positions(request["positions"])]
    by_pool = {}
    for v in valued:
        by_pool.setdefault(v["pool"], []).append(v)
    pools = [pool_margin(name, by_pool[name], market) for name in sorted(by_pool)]
    total = {"initial": 0.0, "maintenance": 0.0, "standardInitial": 0.0, "standardMaintenance": 0.0}
    for p in pools:
        fx = 1.0 if p["_linear"] else p["_S"]   # inverse pools at their coin's index
        total["initial"] += p["initial"] * fx
        total["maintenance"] += p["maintenance"] * fx
        total["standardInitial"] += p["standard"]["initial"] * fx
        total["standardMaintenance"] += p["standard"]["maintenance"] * fx
    return {"pools": pools, "totalUsd": total}


def public(result):
    """Drop the private check fields and turn −0.0 into 0.0."""
    def clean(x):
        if isinstance(x, dict):
            return {k: clean(val) for k, val in x.items() if not k.startswith("_")}
        if isinstance(x, list):
            return [clean(val) for val in x]
        if isinstance(x, float):
            assert math.isfinite(x)
            return x + 0.0
        return x
    return clean(result)


# --------------------------------------------------------------------------------------------
# Checks: the published fixture and a few laws
# --------------------------------------------------------------------------------------------

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(b))


def find_fixture():
    candidates = [os.environ.get("PM_FIXTURE", ""),
                  os.path.join(REPO, "..", "shared", "fixtures", "deribit-pm-btc.json"),
                  os.path.join(REPO, "tests", "fixtures", "deribit-pm-btc.json"),
                  os.path.join(REPO, "fixtures", "deribit-pm-btc.json")]
    for c in candidates:
        if c and os.path.isfile(c):
            return c
    raise SystemExit("fixture deribit-pm-btc.json not found (set PM_FIXTURE)")


def check_fixture():
    path = find_fixture()
    with open(path) as f:
        fx = json.load(f)
    tol = fx["tolerance"]
    exp = fx["expected"]
    result = evaluate(fx["request"])
    (pool,) = result["pools"]
    assert pool["pool"] == exp["pool"]
    for a, b in zip(pool["riskMatrix"]["priceMoves"], exp["priceMoves"]):
        assert close(a, b, 1e-15), (a, b)
    # Per-position P&L along the price axis (futures have no vol: every row is the same).
    for v in pool["_positions"]:
        want = exp["pnlByPosition"][v["name"]]
        got = [scenario_pnl(v, m, None) for m in pool["riskMatrix"]["priceMoves"]]
        for g, w in zip(got, want):
            assert close(g, w, tol), (v["name"], g, w)
    for key in ("worstCase", "rollShock", "deltaShock", "initial", "maintenance"):
        assert close(pool[key], exp[key], tol), (key, pool[key], exp[key])
    assert close(pool["worstScenario"]["priceMove"], exp["worstScenario"]["priceMove"], 1e-15)
    assert all(x == 0.0 for x in pool["extended"]["pnl"])
    return path, pool


def check_laws():
    F, K, T, r = 95000.0, 100000.0, 0.25, 0.03
    for sigma in (0.2, 0.55, 1.3):
        c = black76(F, K, sigma, T, r, True)
        p = black76(F, K, sigma, T, r, False)
        assert abs((c - p) - math.exp(-r * T) * (F - K)) < 1e-9          # put–call parity
        for call in (True, False):
            price = black76(F, K, sigma, T, r, call)
            assert abs(implied_vol(price, F, K, T, r, call) - sigma) < 1e-11   # IV(price(σ)) = σ
            h = 1e-3
            fd = (black76(F + h, K, sigma, T, r, call) - black76(F - h, K, sigma, T, r, call)) / (2 * h)
            assert abs(fd - black76_delta(F, K, sigma, T, r, call)) < 1e-7     # delta = ∂V/∂F
    # Delta-one positions: weighted extended P&L equals the P&L at ±R (before the dampener).
    market = Market({"asOf": "2026-11-24T08:00:00Z",
                     "underlyings": {"BTC": {"index": 95000, "carry": 0.05, "iv": 0.5}}})
    for line in ("BTC-PERPETUAL 100000", "BTC-26MAR27 -50000", "BTC_USDC-PERPETUAL 3", "BTC -2"):
        (pos,) = parse_positions(line)
        v = value_position(pos, market)
        linear = v["settlement"] == "linear"
        R = 0.16
        for m in EXTENDED_MOVES:
            sgn = 1.0 if m > 0 else -1.0
            w = scenario_pnl(v, m, None) * R / abs(m) * (1.0 if linear else (1 + m) / (1 + sgn * R))
            assert close(w, scenario_pnl(v, sgn * R, None), 1e-12), (line, m)
    # Time parsing.
    assert parse_iso("2026-11-24T09:00:00+01:00").whole == parse_iso("2026-11-24T08:00:00Z").whole
    assert parse_iso("2026-11-24").years_until(parse_iso("2026-11-25")) == 86400 / SECONDS_PER_YEAR
    assert parse_instrument("xrp_usdc-25dec26-0d625-c")["strike"] == 0.625
    assert parse_instrument("BTC-7MAR25")["expiry"] == "2025-03-07"


# --------------------------------------------------------------------------------------------
# Golden cases
# --------------------------------------------------------------------------------------------

AS_OF = "2026-11-24T08:00:00Z"

BTC_FLAT = {"index": 95000, "futures": {"2026-12-25": 95600, "2027-03-26": 97100}, "iv": 0.55}
BTC_CURVE = {"index": 95000,
             "futures": {"2026-11-27": 95040, "2026-12-25": 95600, "2027-03-26": 97100,
                         "2027-06-25": 98700},
             "iv": 0.55}
BTC_SMILES = {
    "2026-11-27": [[85000, 0.62], [90000, 0.55], [95000, 0.50], [100000, 0.52], [105000, 0.57]],
    "2026-12-25": [[75000, 0.68], [85000, 0.59], [95000, 0.53], [105000, 0.52], [120000, 0.56]],
    "2027-03-26": [[65000, 0.70], [80000, 0.61], [95000, 0.56], [110000, 0.545], [140000, 0.58]],
}
BTC_SMILE = {"index": 95000,
             "futures": {"2026-12-25": 95600, "2027-03-26": 97100, "2027-06-25": 98700},
             "smiles": BTC_SMILES}
ETH_SMILE = {"index": 3400, "futures": {"2026-12-25": 3425, "2027-03-26": 3490},
             "smiles": {"2026-12-25": [[2600, 0.80], [3000, 0.72], [3400, 0.66], [3800, 0.65],
                                       [4400, 0.69]],
                        "2027-03-26": [[2400, 0.82], [3000, 0.72], [3400, 0.68], [4000, 0.67],
                                       [5000, 0.70]]}}
ETH_FLAT = {"index": 3400, "futures": {"2026-12-25": 3425, "2027-03-26": 3490}, "iv": 0.68}
SOL_FLAT = {"index": 240, "carry": 0.06, "iv": 0.85}
XRP_FLAT = {"index": 0.6, "carry": 0.04, "iv": 0.9}


def mkt(as_of=AS_OF, rate=None, **unds):
    m = {"asOf": as_of}
    if rate is not None:
        m["rate"] = rate
    m["underlyings"] = unds
    return m


# (short-name, description, positions, market, expectations): `expectations` are facts the
# description states, asserted on the computed result so that a description never lies.
CASES = [
    ("long-call",
     "One long inverse BTC call, flat iv, two-point futures curve. Long options lose at most the "
     "premium; BTC pnlOffset 0 zeroes every gain, so the worst cell is the −16 % / vol-down corner.",
     "BTC-25DEC26-100000-C 2", mkt(BTC=BTC_FLAT), {"worst": ("standard", -0.16, "down")}),
    ("short-call",
     "One short inverse BTC call on a smile (strike 105 000 between smile points). Loss grows with "
     "price and vol: worst cell +16 % / vol up.",
     "BTC-25DEC26-105000-C -3", mkt(BTC=BTC_SMILE), {"worst": ("standard", 0.16, "up")}),
    ("short-put",
     "Short inverse BTC put on the March smile (put skew). The inverse coin P&L of a short put is "
     "convex in the downside: worst at −16 % / vol up.",
     "BTC-26MAR27-85000-P -2", mkt(BTC=BTC_SMILE), {"worst": ("standard", -0.16, "up")}),
    ("bull-call-spread",
     "Long 95k / short 105k March call spread, flat iv, futures curve. Defined risk: the loss at "
     "−16 % is bounded by the net premium.",
     "BTC-26MAR27-95000-C 5\nBTC-26MAR27-105000-C -5", mkt(BTC=BTC_FLAT), {}),
    ("bear-put-spread",
     "Long 95k / short 85k December put spread on a skewed smile.",
     "BTC-25DEC26-95000-P 4\nBTC-25DEC26-85000-P -4", mkt(BTC=BTC_SMILE), {}),
    ("long-straddle",
     "Long ATM straddle expiring 29JAN27: between two smile slices (total-variance interpolation) "
     "and between two futures quotes (basis interpolation). Worst cell is no move with vol down.",
     "BTC-29JAN27-95000-C 1\nBTC-29JAN27-95000-P 1", mkt(BTC=BTC_SMILE),
     {"worst": ("standard", 0.0, "down")}),
    ("short-straddle",
     "Short ATM December straddle, flat iv: loses on both sides and on vol up.",
     "BTC-25DEC26-95000-C -2\nBTC-25DEC26-95000-P -2", mkt(BTC=BTC_FLAT), {}),
    ("short-strangle",
     "Short 110k call / 80k put strangle on the December smile (wings from the smile's slope).",
     "BTC-25DEC26-110000-C -3\nBTC-25DEC26-80000-P -3", mkt(BTC=BTC_SMILE), {}),
    ("iron-condor",
     "March iron condor 75/85/110/120k on the March smile slice (110k sits exactly on a smile "
     "point). Bounded loss on both sides.",
     "BTC-26MAR27-75000-P 1\nBTC-26MAR27-85000-P -1\nBTC-26MAR27-110000-C -1\n"
     "BTC-26MAR27-120000-C 1", mkt(BTC=BTC_SMILE), {}),
    ("butterfly",
     "Long December 90/95/100k call butterfly, flat iv.",
     "BTC-25DEC26-90000-C 1\nBTC-25DEC26-95000-C -2\nBTC-25DEC26-100000-C 1",
     mkt(BTC=BTC_FLAT), {}),
    ("calendar-spread",
     "Short December / long March 100k calls (same strike, two expiries): the vol shocks differ "
     "by expiry through the (30/DTE)^0.13 term scaling.",
     "BTC-25DEC26-100000-C -2\nBTC-26MAR27-100000-C 2", mkt(BTC=BTC_SMILE), {}),
    ("diagonal-rate",
     "Diagonal: short December 105k call, long March 100k call, forwards from a flat carry 0.05 "
     "and a nonzero discount rate 0.03 (option prices × e^(−rT)).",
     "BTC-25DEC26-105000-C -2\nBTC-26MAR27-100000-C 2",
     mkt(rate=0.03, BTC={"index": 95000, "carry": 0.05, "iv": 0.55}), {}),
    ("risk-reversal",
     "Long 110k call / short 80k put (March) on a skewed smile: a synthetic long with skew.",
     "BTC-26MAR27-110000-C 3\nBTC-26MAR27-80000-P -3", mkt(BTC=BTC_SMILE),
     {"worst": ("standard", -0.16, "up")}),
    ("covered-call-inverse",
     "Inverse covered call: long March future (USD notional 97 100 ≈ 1 BTC) and short 1 March "
     "110k call. The future carries a roll shock on its own expiry bucket.",
     "BTC-26MAR27 97100\nBTC-26MAR27-110000-C -1", mkt(BTC=BTC_FLAT), {"roll": True}),
    ("covered-call-linear",
     "Linear covered call in the BTC_USDC pool: 1.5 spot BTC (a delta-one linear holding) and a "
     "short 1.5 BTC_USDC December 105k call. Spot carries no roll shock. USD pool: dampener 25 000, "
     "pnlOffset 0.4.",
     "BTC 1.5\nBTC_USDC-25DEC26-105000-C -1.5", mkt(BTC=BTC_FLAT), {"roll": False}),
    ("protective-put",
     "Long perpetual (190 000 USD notional ≈ 2 BTC) with 2 long March 85k puts: the put floors the "
     "downside; the perpetual pays the roll-shock floor 0.01.",
     "BTC-PERPETUAL 190000\nBTC-26MAR27-85000-P 2", mkt(BTC=BTC_SMILE), {"roll": True}),
    ("futures-calendar",
     "Futures only: long June future, short perpetual (same USD notional) on a four-expiry curve. "
     "Almost flat in the standard table; the risk is the roll shock: June bucket e^(0.075T)−1 above "
     "the floor, perpetual bucket at the floor.",
     "BTC-25JUN27 500000\nBTC-PERPETUAL -500000", mkt(BTC=BTC_CURVE), {"roll": True}),
    ("big-perpetual-delta-shock",
     "A 30 000 000 USD long perpetual: |delta|·S = 30 M USD is above the 20 M threshold, so the "
     "delta shock (mInc 0.00005 per coin of excess) adds to the risk-matrix margin.",
     "BTC-PERPETUAL 30000000", mkt(BTC=BTC_FLAT), {"deltaShock": True}),
    ("eth-long-straddle",
     "ETH inverse pool: long December ATM straddle plus a short 4400 call. ETH's pnlOffset 0.6 lets "
     "60 % of every gain count (visible in pnl vs pnlRaw); ETH range 0.18, volUp 0.40.",
     "ETH-25DEC26-3400-C 50\nETH-25DEC26-3400-P 50\nETH-25DEC26-4400-C -30",
     mkt(ETH=ETH_SMILE), {"haircut": True}),
    ("linear-btc-usdc",
     "A BTC_USDC linear book: short strangle, a linear March future and a linear perpetual, with a "
     "nonzero rate 0.02. USD pool: dampener 25 000 USD, pnlOffset 0.4, roll × index.",
     "BTC_USDC-25DEC26-110000-C -4\nBTC_USDC-25DEC26-80000-P -4\nBTC_USDC-26MAR27 1.5\n"
     "BTC_USDC-PERPETUAL -0.5", mkt(rate=0.02, BTC=BTC_SMILE), {"roll": True}),
    ("multi-underlying-linear",
     "Three linear pools in one account (BTC_USDC, ETH_USDC, SOL_USDC), each stressed on its own "
     "with its underlying's range (0.16 / 0.18 / 0.20 for SOL, the 'others' parameters); "
     "no offset between pools.",
     "BTC_USDC-25DEC26-100000-C -2\nETH_USDC-25DEC26-3000-P -20\nETH_USDC-PERPETUAL 10\n"
     "SOL_USDC-25DEC26-260-C -300\nSOL_USDC-26MAR27 200",
     mkt(BTC=BTC_FLAT, ETH=ETH_FLAT, SOL=SOL_FLAT), {"pools": 3}),
    ("mixed-pools",
     "Inverse BTC options, an inverse ETH future and a linear BTC_USDC put: three pools (BTC, "
     "BTC_USDC, ETH), each in its own currency; totalUsd converts inverse pools at their index.",
     "BTC-25DEC26-100000-C -1\nBTC-26MAR27-90000-P 1\nETH-26MAR27 -100000\n"
     "BTC_USDC-25DEC26-90000-P -2", mkt(BTC=BTC_SMILE, ETH=ETH_SMILE), {"pools": 3}),
    ("short-dated-dte-below-1",
     "Valued at 14:30 UTC on the day before expiry: DTE = 0.729 < 1, so the vol shocks use "
     "d = max(DTE, 1) = 1 and power 0.30. Before the first futures quote (flat basis) and before "
     "the first smile slice (that slice's vol at the same k).",
     "BTC-25NOV26-96000-C -5\nBTC-25NOV26-94000-P -5",
     mkt(as_of="2026-11-24T14:30:00Z", BTC=BTC_SMILE), {}),
    ("short-dated-dte-3",
     "Three-day options (DTE 3, power 0.30, (30/3)^0.3 scaling) on the 27NOV26 smile slice.",
     "BTC-27NOV26-97000-C -4\nBTC-27NOV26-92000-P 2", mkt(BTC=BTC_SMILE), {}),
    ("far-dated",
     "Short 31DEC27 120k call and 80k put, DTE 402 > 365: beyond the last futures quote (flat "
     "basis) and after the last smile slice (flat: the March slice's vol at the same "
     "k = ln(K/F(T)), interpolated inside that slice). asOf is written with a +01:00 offset "
     "(= 08:00 UTC).",
     "BTC-31DEC27-120000-C -3\nBTC-31DEC27-80000-P -2",
     mkt(as_of="2026-11-24T09:00:00+01:00", BTC=BTC_SMILE), {}),
    ("min-vol-floor",
     "Deep OTM short December 140k calls at iv 0.25: σ·(1 + 0.5·s) ≈ 0.374 < minVolForShockUp, so "
     "the vol-up state uses 0.50. The floor doubles the vol and dominates the loss.",
     "BTC-25DEC26-140000-C -10 iv=0.25", mkt(BTC=BTC_FLAT), {"floor": True}),
    ("marks-implied-vol",
     "Options given with @mark and no iv: inverse marks are in coin (USD = mark × forward), the "
     "linear mark in USD; each position's vol is implied from its mark and then held sticky.",
     "BTC-25DEC26-100000-C -2 @0.0435\nBTC-26MAR27-90000-P 3 @0.0955\n"
     "BTC_USDC-25DEC26-95000-P -1 @5900", mkt(BTC=BTC_FLAT), {"pools": 2}),
    ("quantity-units",
     "Quantities with units: a perpetual of 0.5BTC at its @mark (USD notional 0.5 × 95 100), an "
     "inverse future of 20000USD, a linear perpetual of 20000USD (coin = 20000/index), a short ETH "
     "perpetual of −2ETH (converted at the index), an option of −0.5BTC.",
     "BTC-PERPETUAL 0.5BTC @95100\nBTC-26MAR27 20000USD\nBTC-25DEC26-100000-C -0.5BTC\n"
     "BTC_USDC-PERPETUAL 20000USD\nETH-PERPETUAL -2ETH",
     mkt(BTC=BTC_FLAT, ETH=ETH_FLAT), {"pools": 3}),
    ("xrp-decimal-strike",
     "XRP_USDC options with d-decimal strikes (0d625 = 0.625, 0d55 = 0.55) at index 0.6: "
     "an 'others' underlying (range 0.20) in a linear USD pool.",
     "XRP_USDC-25DEC26-0d625-C -20000\nXRP_USDC-25DEC26-0d55-P -20000\nXRP_USDC-PERPETUAL 8000",
     mkt(XRP=XRP_FLAT), {}),
    ("opposite-positions-zero",
     "Each position next to its exact opposite: every scenario P&L, roll and delta is exactly "
     "zero, so the portfolio margin is 0 (worst cell: the first one, −16 % vol up). The standard "
     "margin still charges the short legs position by position.",
     "BTC-25DEC26-100000-C 2\nBTC-25DEC26-100000-C -2\nBTC-PERPETUAL 10000\n"
     "BTC-PERPETUAL -10000", mkt(BTC=BTC_FLAT), {"zero": True}),
    ("extended-worst-inverse",
     "Large short far-OTM June 250k calls (400 BTC): at +16 % they are still far OTM, but at "
     "+100 … +500 % they are deep ITM; the weighted, re-expressed extended loss is larger than the "
     "100 000 USD dampener, so the worst cell is in the extended table.",
     "BTC-25JUN27-250000-C -400", mkt(BTC=BTC_CURVE), {"extendedWorst": True}),
    ("extended-worst-linear",
     "Short far-OTM BTC_USDC March 250k calls (100 BTC; the strike is beyond the smile's last "
     "point: flat extrapolation). The USD dampener (25 000 × (|m|/R − 1)) is too small to cancel "
     "the extended loss: the worst cell is the extended +300 % cell, far above the standard table's.",
     "BTC_USDC-26MAR27-250000-C -100", mkt(BTC=BTC_SMILE), {"extendedWorst": True}),
    ("sol-inverse-other-coin",
     "An inverse SOL book: pool SOL settles in coin with the 'other coins' settlement parameters "
     "(dampener 25 000, pnlOffset 0, roll 0.10 / 0.01) and the 'others' shock parameters.",
     "SOL-25DEC26-260-C -100\nSOL-25DEC26-220-P 50\nSOL-26MAR27 -24000",
     mkt(SOL=SOL_FLAT), {"roll": True}),
    ("eth-delta-shock",
     "A 25 000 000 USD short ETH perpetual and a long ETH call: net |delta|·S above 20 M, ETH's "
     "delta shock increment 0.000004 per coin of excess.",
     "ETH-PERPETUAL -25000000\nETH-26MAR27-3400-C 200", mkt(ETH=ETH_FLAT), {"deltaShock": True}),
    ("linear-delta-shock",
     "A 260 BTC long BTC_USDC perpetual (≈ 24.7 M USD): the linear delta shock is rate·|D|·S in USD.",
     "BTC_USDC-PERPETUAL 260", mkt(BTC=BTC_FLAT), {"deltaShock": True}),
]


def check_expectations(short, result, exp):
    pools = result["pools"]
    if "pools" in exp:
        assert len(pools) == exp["pools"], short
    p0 = pools[0]
    if "worst" in exp:
        table, move, vol = exp["worst"]
        ws = p0["worstScenario"]
        assert (ws["table"], ws["vol"]) == (table, vol) and abs(ws["priceMove"] - move) < 1e-12, (short, ws)
    if "roll" in exp:
        assert (p0["rollShock"] > 0) == exp["roll"], short
    if exp.get("deltaShock"):
        assert p0["deltaShock"] > 0, short
    if exp.get("extendedWorst"):
        assert p0["worstScenario"]["table"] == "extended", (short, p0["worstScenario"])
    if exp.get("haircut"):
        assert any(x > 0 for row in p0["riskMatrix"]["pnlRaw"] for x in row), short
    if exp.get("zero"):
        assert p0["initial"] == 0.0 and p0["worstCase"] == 0.0, short
        assert p0["standard"]["initial"] > 0, short
    if exp.get("floor"):
        v = p0["_positions"][0]
        up = underlying_params(v["underlying"])
        d = max(v["T"] * 365, 1)
        s = (30 / d) ** (0.30 if d < 30 else 0.13)
        assert v["sigma"] * (1 + up["volUp"] * s) < up["minVolForShockUp"] - 0.05, short


def check_robust(short, result):
    """Keep the goldens away from knife edges where an ulp could change a discrete choice."""
    for p in result["pools"]:
        linear = p["_linear"]
        up_p = underlying_params(p["_positions"][0]["underlying"])
        st_p = settlement_params(linear, p["_positions"][0]["underlying"])
        cells = [x for row in p["riskMatrix"]["pnl"] for x in row] + p["extended"]["pnl"]
        worst = min(cells)
        scale = max(1.0, abs(worst))
        for x in cells:
            # a different cell within 1e-7 (relative) of the worst, yet not exactly equal, is a near tie
            assert x == worst or x - worst > 1e-7 * scale, (short, "near tie", x, worst)
        for v in p["_positions"]:
            if v["T"] is not None:
                dte = v["T"] * 365
                assert abs(dte - 30) > 0.5 and abs(dte - 1) > 0.05, (short, "DTE near a kink")
            if v["kind"] == "option":
                d = max(v["T"] * 365, 1)
                s = (30 / d) ** (0.30 if d < 30 else 0.13)
                a = v["sigma"] * (1 + up_p["volUp"] * s)
                assert abs(a - up_p["minVolForShockUp"]) > 1e-3, (short, "vol floor kink")
            if v["kind"] == "future":
                g = math.exp(st_p["annualisedMoveRisk"] * v["T"]) - 1
                assert abs(g - st_p["minAnnualisedMove"]) > 1e-4, (short, "roll floor kink")
        D = sum(v["delta"] for v in p["_positions"])
        assert abs(abs(D) * p["_S"] - DELTA_TOTAL_LIQ_SHOCK_THRESHOLD) > 1000, (short, "delta kink")


def _fmt(x, indent=0):
    """JSON with 2-space indent, number arrays on one line (deterministic)."""
    pad = "  " * indent
    if isinstance(x, dict):
        if not x:
            return "{}"
        items = [pad + "  " + json.dumps(k) + ": " + _fmt(v, indent + 1) for k, v in x.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(x, list):
        if all(not isinstance(v, (dict, list)) for v in x):
            return "[" + ", ".join(json.dumps(v) for v in x) + "]"
        items = [pad + "  " + _fmt(v, indent + 1) for v in x]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(x, ensure_ascii=False)


def write_goldens(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for i, (short, desc, positions, market, exp) in enumerate(CASES, 1):
        request = {"positions": positions, "market": market, "model": "deribit-pm"}
        result = evaluate(request)
        check_expectations(short, result, exp)
        check_robust(short, result)
        doc = {"name": short, "description": desc, "tolerance": 1e-9,
               "request": request, "expected": public(result)}
        # Round-trip: the written request must evaluate to exactly the written expectation.
        text = _fmt(doc) + "\n"
        again = json.loads(text)
        assert public(evaluate(again["request"])) == again["expected"], short
        name = "%02d-%s.json" % (i, short)
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
        written.append((name, result))
    return written


def main():
    path, pool = check_fixture()
    print("fixture %s reproduces: worstCase %.11f roll %.11f initial %.11f maintenance %.12f"
          % (os.path.normpath(path), pool["worstCase"], pool["rollShock"], pool["initial"],
             pool["maintenance"]))
    check_laws()
    out_dir = os.path.join(REPO, "tests", "golden", "margin")
    for name, result in write_goldens(out_dir):
        summary = "; ".join("%s %s IM %.6g (std %.6g) worst %s %s %s"
                            % (p["pool"], p["currency"], p["initial"], p["standard"]["initial"],
                               p["worstScenario"]["table"], p["worstScenario"]["priceMove"],
                               p["worstScenario"]["vol"]) for p in result["pools"])
        print("%-40s %s" % (name, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
