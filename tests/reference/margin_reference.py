#!/usr/bin/env python3
"""Independent reference implementation of portfolio-margin's margin models.

    python3 tests/reference/margin_reference.py

  1. checks the published Deribit worked example (fixtures/deribit-pm-btc.json) to 1e-8,
  2. runs a few pricing laws as self-checks, and the issue-11 reproductions (figures asserted),
  3. (re)writes every golden case tests/golden/margin/NN-short-name.json.

Deterministic: same Python, same bytes. Plain Python 3 (math, json, re, os, sys only).

Written from ../shared/SPEC.md (§1, §2, §3.1, §3.2, §3.3, §6) and docs/CONVENTIONS.md only —
never from the engine's source — so that the golden files are an independent check of it.
Scope: the `deribit-pm` model (SPEC §3.1, steps 1–11: per-underlying delta-shock increments,
delta shock in the pool's own terms, the long-option cap, expired positions settled), the
`deribit-standard` figures (SPEC §3.2, per-underlying futures rates), the `span` model (SPEC §3.3:
maintenance = the SPAN requirement, initial = 1.1 × maintenance), the Greeks `delta`, `deltaUsd`,
`deltaForward` and `deltaCoinAccount` (SPEC §1), pasted lines (bare coin lines are collateral,
SPEC §2) and the CSV form with a side/direction column, ISO times, Deribit names, the market object.
Not covered (and not used in the goldens): other Greeks, accounts and liquidation, cross mode, VaR,
stress, payoff, JSON position lists.

Golden format. Cases 01–35 (the first set) write the full pool objects (`riskMatrix`, `extended`,
`worstScenario`, …). Later cases write only the figures that matter:
`expected.pools[] = {pool, currency, initial, maintenance, worstCase, rollShock, deltaShock,
standard: {initial, maintenance}}` (SPAN pools: `{pool, currency, initial, maintenance,
worstCase, standard}`, worstCase = the scan risk), `expected.totalUsd`, and — for books without
collateral lines — `expected.greeks`
(`{"<U>": {"delta", "deltaUsd"}}`, the perpetual-equivalent delta of SPEC §1) and
`expected.positions` (one per position line, in input order: `{instrument, greeks: {delta,
deltaForward[, deltaCoinAccount]}}`, the last for inverse positions only). A case whose figures
follow SPEC's second revision or issue 11 (and so differ from the first-revision semantics, or use
a new field such as `deltaForward`) carries `"since": "spec-rev-2"` and `"newSemantics": [...]`,
the list of revised rules its figures depend on (computed, not hand-written: see
`revised_rules`). `reference` (outside `expected`) holds intermediate figures for a human reader; no test reads it.

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
    # CHOICE: the canonical name is upper case except the strike's decimal mark, written `d`
    # as in SPEC's `XRP_USDC-27DEC24-0d625-C`
    parts = up.split("-")
    if len(parts) == 4:
        parts[2] = parts[2].replace("D", "d")
    inst = {"name": "-".join(parts), "underlying": coin, "expiry": None, "strike": None, "call": None}
    if len(parts) == 1:
        # A bare coin is a holding of the coin: collateral of that coin's account (SPEC §2, §5),
        # not a position of any pool.
        if quote is not None:
            raise ValueError("UNKNOWN_INSTRUMENT: %r" % name)
        inst.update(kind="coin", settlement="inverse", quote=None)
    elif len(parts) == 2:
        if parts[1] == "PERPETUAL":
            inst["kind"] = "perpetual"
        else:
            inst.update(kind="future", expiry=parse_expiry(parts[1]))
        inst.update(settlement=settlement, quote=quote)
    elif len(parts) == 4 and parts[3] in ("C", "P"):
        strike = float(parts[2].replace("D", ".").replace("d", "."))
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


def _position(inst, qty_text, lineno):
    m = _QTY.match(qty_text)
    if not m:
        raise ValueError("BAD_NUMBER line %d: %r" % (lineno, qty_text))
    return {"instrument": inst, "quantity": float(m.group(1)),
            "unit": (m.group(2) or "").upper() or None, "mark": None, "iv": None, "line": lineno}


def _csv_fields(line):
    """One CSV record: comma-separated, fields optionally in double quotes ("" inside = ")."""
    fields, cur, quoted, i = [], "", False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                cur += '"'
                i += 1
            elif ch == '"':
                quoted = False
            else:
                cur += ch
        elif ch == '"':
            quoted = True
        elif ch == ",":
            fields.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    fields.append(cur.strip())
    return fields


CSV_ALIASES = {"instrument": "instrument", "quantity": "quantity", "size": "quantity",
               "amount": "quantity", "price": "price", "iv": "iv", "entry": "entry",
               "side": "side", "direction": "side"}


def _parse_csv(lines):
    """CSV with a header row (SPEC §2). A side/direction column signs the quantity.

    CHOICE: `sell`/`short` gives −|size| and `buy`/`long` +|size| (a side column overrides the sign
    of the size column rather than multiplying it); unused columns are ignored (the engine's warning
    IGNORED_COLUMN is not part of the margin figures)."""
    header = [h.lower() for h in _csv_fields(lines[0][1])]
    cols = {CSV_ALIASES[h]: i for i, h in enumerate(header) if h in CSV_ALIASES}
    out, collateral = [], {}
    for lineno, raw in lines[1:]:
        f = _csv_fields(raw)
        inst = parse_instrument(f[cols["instrument"]])
        pos = _position(inst, f[cols["quantity"]], lineno)
        if "side" in cols:
            side = f[cols["side"]].lower()
            if side in ("sell", "short"):
                pos["quantity"] = -abs(pos["quantity"])
            elif side in ("buy", "long"):
                pos["quantity"] = abs(pos["quantity"])
            else:
                raise ValueError("BAD_NUMBER line %d: side %r" % (lineno, side))
        for key in ("price", "iv", "entry"):
            if key in cols and f[cols[key]] != "":
                pos["mark" if key == "price" else key] = float(f[cols[key]])
        if inst["kind"] == "coin":
            collateral[inst["underlying"]] = collateral.get(inst["underlying"], 0.0) + pos["quantity"]
        else:
            out.append(pos)
    return out, collateral


def _is_csv(text):
    """CHOICE: CSV when the first line holds a comma and a column named `instrument`."""
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0].lower()
    return "," in first and "instrument" in [h.strip().strip('"') for h in first.split(",")]


def parse_positions(text):
    """Pasted lines: `<instrument> <quantity>[unit] [@mark] [iv=vol] [entry=price] [# comment]`,
    or CSV with a header row naming an `instrument` column. Returns (positions, collateral): a
    bare coin line (`ETH 10`) is collateral of that coin's account, not a position."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append((lineno, line))
    if lines and _is_csv(lines[0][1]):
        return _parse_csv(lines)
    out, collateral = [], {}
    for lineno, line in lines:
        tokens = line.split()
        if len(tokens) < 2:
            raise ValueError("line %d: missing quantity" % lineno)
        inst = parse_instrument(tokens[0])
        pos = _position(inst, tokens[1], lineno)
        for tok in tokens[2:]:
            if tok.startswith("@"):
                pos["mark"] = float(tok[1:])
            elif tok.lower().startswith("iv="):
                pos["iv"] = float(tok[3:])
            elif tok.lower().startswith("entry="):
                pos["entry"] = float(tok[6:])
            else:
                raise ValueError("line %d: unexpected %r" % (lineno, tok))
        if inst["kind"] == "coin":
            if pos["unit"] is not None or pos["mark"] is not None or pos["iv"] is not None:
                raise ValueError("line %d: a coin holding takes a bare amount" % lineno)
            collateral[inst["underlying"]] = collateral.get(inst["underlying"], 0.0) + pos["quantity"]
        else:
            out.append(pos)
    return out, collateral


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
        # Delivery (settlement) prices of past expiries, SPEC §3.1 step 11.
        self.delivery = {d: float(x) for d, x in (spec.get("delivery") or {}).items()}
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
    a perpetual's mark or the index), sigma (options), the position size: `q` in coin (options,
    linear futures/perpetuals) or `N` in USD (inverse futures/perpetuals), and its Greeks of SPEC §1
    for the whole signed quantity: `delta` (perpetual-equivalent, coin: Σ ∂V/∂F·F/S), `deltaForward`
    (∂V/∂F of its own forward, coin) and, for inverse positions, `deltaCoinAccount` (deltaForward
    minus the coin mark value).

    An expired position (T ≤ 0, SPEC §3.1 step 11) is settled: `expired` True, valued at intrinsic
    against the delivery price of its date (`market.underlyings.X.delivery`), else the index; zero
    Greeks; it takes no part in any scenario, roll, delta shock or margin."""
    inst = pos["instrument"]
    und = market.underlying(inst["underlying"])
    S = und.index
    r = market.rate
    v = {"name": inst["name"], "kind": inst["kind"], "settlement": inst["settlement"],
         "pool": inst["pool"], "currency": inst["currency"], "underlying": inst["underlying"],
         "S": S, "T": None, "expiry": inst["expiry"], "strike": inst["strike"], "call": inst["call"],
         "expired": False}
    if inst["expiry"] is not None:
        v["T"] = market.as_of.years_until(expiry_instant(inst["expiry"]))
        if v["T"] <= 0:
            v["expired"] = True
            v["delivery"] = und.delivery.get(inst["expiry"], S)

    # Reference price used for valuation and for unit conversion of the quantity.
    if v["expired"]:
        # CHOICE: an expired position's reference price (for a quantity given with a unit) is its
        # delivery price (its own @mark for a future, when given).
        F = pos["mark"] if (inst["kind"] == "future" and pos["mark"] is not None) else v["delivery"]
    elif inst["kind"] == "option":
        F = und.forward(v["T"])               # position marks never move the curve
    elif inst["kind"] == "future":
        F = pos["mark"] if pos["mark"] is not None else und.forward(v["T"])
    else:                                     # perpetual
        F = pos["mark"] if pos["mark"] is not None else S
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
    inverse = inst["settlement"] == "inverse"

    if v["expired"]:
        # Settled: intrinsic against the delivery price; in coin for inverse (÷ the same price).
        P = v["delivery"]
        if inst["kind"] == "option":
            K = inst["strike"]
            intrinsic = max(P - K, 0.0) if inst["call"] else max(K - P, 0.0)
            v["settledUsd"] = v["q"] * intrinsic
            v["settledCoin"] = v["q"] * intrinsic / P if inverse else None
        else:
            v["settledUsd"] = v["settledCoin"] = None   # a future settles against its entry (§5)
        v["delta"] = v["deltaForward"] = 0.0
        if inverse:
            v["deltaCoinAccount"] = 0.0
        return v

    if inst["kind"] == "option":
        T, K = v["T"], inst["strike"]
        if pos["iv"] is not None:
            sigma = pos["iv"]
        elif pos["mark"] is not None:
            # The mark is in the instrument's own quote unit: coin for inverse, USD for linear.
            mark_usd = pos["mark"] * F if inverse else pos["mark"]
            sigma = implied_vol(mark_usd, F, K, T, r, inst["call"])
        else:
            sigma = und.vol(K, T)
        v["sigma"] = sigma
        v["r"] = r
        v["B"] = black76(F, K, sigma, T, r, inst["call"])       # USD per coin, discounted
        dF = black76_delta(F, K, sigma, T, r, inst["call"])
        v["deltaForward"] = v["q"] * dF
        v["delta"] = v["q"] * dF * F / S
        if inverse:
            v["deltaCoinAccount"] = v["q"] * (dF - v["B"] / F)
    elif usd_held:
        # Inverse future/perpetual of USD notional N at F: ∂V/∂F = N/F, delta = N/F·F/S = N/S.
        v["deltaForward"] = v["N"] / F
        v["delta"] = v["N"] / S
        v["deltaCoinAccount"] = v["N"] / F
    else:
        # Linear future/perpetual of q coin at F: ∂V/∂F = q, delta = q·F/S.
        # CHOICE: a linear perpetual given an @mark M ≠ S moves with the index like every other
        # price, so its delta is q·M/S (SPEC §1 says `q`, which is the same figure when M = S).
        v["deltaForward"] = v["q"]
        v["delta"] = v["q"] if F == S else v["q"] * F / S
    return v


# --------------------------------------------------------------------------------------------
# deribit-pm parameters (SPEC §3.1 tables)
# --------------------------------------------------------------------------------------------

UNDERLYING_PARAMS = {
    "BTC": {"priceRange": 0.16, "volUp": 0.50, "volDown": 0.25, "minVolForShockUp": 0.50,
            "deltaShockIncrement": 0.00005},
    "ETH": {"priceRange": 0.18, "volUp": 0.40, "volDown": 0.25, "minVolForShockUp": 0.50,
            "deltaShockIncrement": 0.000004},
    # SOL takes the 'others' shock parameters, with its own per-coin delta-shock increment.
    "SOL": {"priceRange": 0.20, "volUp": 0.50, "volDown": 0.25, "minVolForShockUp": 0.50,
            "deltaShockIncrement": 0.000005},
    # Others: the increment is per USD of excess (price-invariant), `mIncUsd`.
    "default": {"priceRange": 0.20, "volUp": 0.50, "volDown": 0.25, "minVolForShockUp": 0.50,
                "deltaShockIncrementUsd": 1e-9},
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

# CHOICE: "clean below 1e-12 of the gross" (issue 11): an aggregated figure (a scenario cell, a
# roll bucket's net coin amount, the pool's net delta) whose size is at most 1e-12 of the sum of
# the sizes of its terms is exactly 0, so that a book plus its opposite gives 0, not 2.8e-17.
CLEAN_RELATIVE = 1e-12

# CHOICE: worst-cell label when the vol states tie (issue 11, "prefer unchanged"): if the worst
# cell is in the standard table and the three vol states give exactly the same figure at its
# price move, the report names the vol state "unchanged" (the figure is the same).
TIE_PREFERS_UNCHANGED = True

# deribit-standard (SPEC §3.2): futures and perpetuals per underlying. IM rate `base + slope·size`,
# MM rate `base/2 + slope·size`; the slope per coin of size, or (others) per USD of notional.
STANDARD_PARAMS = {
    "BTC": {"futuresBase": 0.02, "futuresPerCoin": 0.00005},      # 2 %, 0.005 % per coin
    "ETH": {"futuresBase": 0.02, "futuresPerCoin": 0.000004},     # 2 %, 0.0004 % per coin
    "SOL": {"futuresBase": 0.04, "futuresPerCoin": 0.000005},     # 4 %, 0.0005 % per coin
    "default": {"futuresBase": 0.04, "futuresPerUsd": 1e-9},      # 4 %, 0.0000001 % per USD
}
STANDARD_OPTION = {"shortInitialBase": 0.15, "shortInitialMin": 0.10, "shortMaintenance": 0.075}

# span (SPEC §3.3).
SPAN_PSR = {"BTC": 0.15, "ETH": 0.18, "default": 0.25}
SPAN_VSR = 0.25                 # relative: σ·(1 ± 0.25)
SPAN_EXTREME_MULTIPLE = 2.0
SPAN_EXTREME_COVER = 0.35
SPAN_INTRA_RATE = 0.01
SPAN_SHORT_OPTION_MINIMUM = 0.01
SPAN_INITIAL_FACTOR = 1.1


def underlying_params(coin):
    return UNDERLYING_PARAMS.get(coin, UNDERLYING_PARAMS["default"])


def settlement_params(pool_is_linear, coin):
    if pool_is_linear:
        return SETTLEMENT_PARAMS["USD"]
    return SETTLEMENT_PARAMS.get(coin, SETTLEMENT_PARAMS["default"])


def standard_params(coin):
    return STANDARD_PARAMS.get(coin, STANDARD_PARAMS["default"])


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
    if v["expired"]:
        return 0.0                                # settled: no scenario P&L (step 11)
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
    return v["q"] * v["F"] * m                    # linear future / perpetual


def _cleaned(total, gross):
    return 0.0 if abs(total) <= CLEAN_RELATIVE * gross else total


def mark_value(v):
    """A live option's mark value in its pool's currency (inverse: coin, linear: USD)."""
    return v["q"] * (v["B"] / v["F"] if v["settlement"] == "inverse" else v["B"])


# --------------------------------------------------------------------------------------------
# deribit-standard (SPEC §3.2)
# --------------------------------------------------------------------------------------------

def standard_margin(v):
    """(initial, maintenance) of one position in its pool's currency."""
    if v["expired"]:
        # CHOICE: "no margin" for a settled position includes the standard margin.
        return 0.0, 0.0
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
        o = STANDARD_OPTION
        base = max(o["shortInitialBase"] - otm / S, o["shortInitialMin"])
        if v["call"]:
            im, mm = base + mark, o["shortMaintenance"] + mark
        else:
            mm = max(o["shortMaintenance"], o["shortMaintenance"] * mark) + mark
            im = max(base + mark, mm)
        scale = abs(q) * (S if linear else 1.0)
        return im * scale, mm * scale
    # Futures and perpetuals: rates on notional, per underlying.
    sp = standard_params(v["underlying"])
    if "N" in v:
        size = abs(v["N"]) / v["F"]
        notional = size                            # in coin: the pool's currency
        notional_usd = abs(v["N"])
    else:
        size = abs(v["q"])
        notional = size * v["F"]                   # in USD
        notional_usd = notional
    # CHOICE: for 'others' the slope applies to the USD notional |N| (inverse) or |q|·F (linear).
    if "futuresPerCoin" in sp:
        slope = sp["futuresPerCoin"] * size
    else:
        slope = sp["futuresPerUsd"] * notional_usd
    base = sp["futuresBase"]
    return (base + slope) * notional, (base / 2.0 + slope) * notional


# --------------------------------------------------------------------------------------------
# deribit-pm per pool (SPEC §3.1 steps 1–11)
# --------------------------------------------------------------------------------------------

def pool_net_delta(live, linear):
    """The pool's net delta in its own terms (step 9), cleaned: inverse pools the summed
    deltaCoinAccount, linear pools the summed (perpetual-equivalent) delta. Coin."""
    key = "delta" if linear else "deltaCoinAccount"
    D = gross = 0.0
    for v in live:
        D += v[key]
        gross += abs(v[key])
    return _cleaned(D, gross)


def delta_shock(D, S, coin, linear):
    """Step 9: `rate · |D|` (× S in linear pools), rate = min(maxDeltaShock, mInc·excess/S)
    or min(maxDeltaShock, mIncUsd·excess)."""
    up_p = underlying_params(coin)
    excess = max(0.0, abs(D) * S - DELTA_TOTAL_LIQ_SHOCK_THRESHOLD)
    if "deltaShockIncrement" in up_p:
        rate = min(MAX_DELTA_SHOCK, up_p["deltaShockIncrement"] * excess / S)
    else:
        rate = min(MAX_DELTA_SHOCK, up_p["deltaShockIncrementUsd"] * excess)
    return rate * abs(D) * (S if linear else 1.0), rate


def pool_margin(pool, valued, market):
    first = valued[0]
    linear = first["settlement"] == "linear"
    coin = first["underlying"]
    S = market.underlying(coin).index
    up_p = underlying_params(coin)
    st_p = settlement_params(linear, coin)
    R = up_p["priceRange"]
    moves = [R * i / 4.0 for i in range(-4, 5)]
    # Step 11: expired positions are settled and take no part in what follows.
    live = [v for v in valued if not v["expired"]]

    # Steps 1–2 and 4: standard table, 27 cells, aggregated cell by cell.
    raw = [[0.0] * 9 for _ in VOL_STATES]
    gross = [[0.0] * 9 for _ in VOL_STATES]
    ext_raw = [0.0] * len(EXTENDED_MOVES)
    ext_gross = [0.0] * len(EXTENDED_MOVES)
    for v in live:
        vols = shocked_vols(v["sigma"], v["T"], up_p) if v["kind"] == "option" else None
        for a, state in enumerate(VOL_STATES):
            for b, m in enumerate(moves):
                x = scenario_pnl(v, m, vols[state] if vols else None)
                raw[a][b] += x
                gross[a][b] += abs(x)
        # Step 3: extended table, vol up, weight R/|m|; inverse re-expressed at the edge price.
        for c, m in enumerate(EXTENDED_MOVES):
            sgn = 1.0 if m > 0 else -1.0
            pnl = scenario_pnl(v, m, vols["up"] if vols else None) * (R / abs(m))
            if not linear:
                pnl *= (1.0 + m) / (1.0 + sgn * R)
            ext_raw[c] += pnl
            ext_gross[c] += abs(pnl)
    cleaned = False
    for a in range(3):
        for b in range(9):
            x = _cleaned(raw[a][b], gross[a][b])
            cleaned |= x != raw[a][b]
            raw[a][b] = x
    for c in range(len(EXTENDED_MOVES)):
        x = _cleaned(ext_raw[c], ext_gross[c])
        cleaned |= x != ext_raw[c]
        ext_raw[c] = x

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
    tie_relabelled = False
    if TIE_PREFERS_UNCHANGED and worst_scenario["table"] == "standard":
        b = moves.index(worst_scenario["priceMove"])
        if pnl[0][b] == pnl[1][b] == pnl[2][b] and worst_scenario["vol"] != "unchanged":
            worst_scenario = dict(worst_scenario, vol="unchanged")
            tie_relabelled = True
    worst_case = max(0.0, -worst_value)

    # Step 8: roll shock, one bucket per dated expiry plus one for all perpetuals (floor rate).
    buckets = {}
    for v in live:
        if v["kind"] == "future":
            key, T = v["expiry"], v["T"]
        elif v["kind"] == "perpetual":
            key, T = "PERPETUAL", None
        else:
            continue                  # CHOICE: options carry no roll risk
        coin_amount = v["N"] / v["F"] if "N" in v else v["q"]
        bucket = buckets.setdefault(key, [0.0, T, 0.0])
        bucket[0] += coin_amount
        bucket[2] += abs(coin_amount)
    roll = 0.0
    for key in sorted(buckets):
        net, T, g = buckets[key]
        net = _cleaned(net, g)
        if T is None:
            rate = st_p["minAnnualisedMove"]
        else:
            rate = max(st_p["minAnnualisedMove"], math.exp(st_p["annualisedMoveRisk"] * T) - 1.0)
        roll += abs(net) * rate
    if linear:
        roll *= S

    # Step 9: delta shock, in the pool's own terms, with the underlying's increment.
    D = pool_net_delta(live, linear)
    dshock, dshock_rate = delta_shock(D, S, coin, linear)

    # Step 10, with the long-option cap: a pool holding only long options never needs more IM
    # than their mark value (pool currency); maintenance is mmFactor × the capped figure.
    rm = worst_case + roll + dshock
    initial = rm
    only_long_options = bool(live) and all(v["kind"] == "option" and v["q"] > 0 for v in live)
    # CHOICE: "holds only long options" looks at the live positions (settled ones hold nothing),
    # and positions of quantity 0 are not long options.
    cap = sum(mark_value(v) for v in live) if only_long_options else None
    if cap is not None and cap < rm:
        # CHOICE: only initial (and so maintenance) is capped; worstCase, rollShock and deltaShock
        # are reported as computed.
        initial = cap
    std_im = std_mm = 0.0
    for v in valued:
        im, mm = standard_margin(v)
        std_im += im
        std_mm += mm
    return {
        "pool": pool, "currency": first["currency"],
        "worstCase": worst_case, "worstScenario": worst_scenario,
        "rollShock": roll, "deltaShock": dshock,
        "initial": initial, "maintenance": st_p["mmFactor"] * initial,
        "riskMatrix": {"priceMoves": moves, "volStates": list(VOL_STATES), "pnl": pnl, "pnlRaw": raw},
        "extended": {"priceMoves": list(EXTENDED_MOVES), "pnl": ext, "pnlRaw": ext_raw},
        "standard": {"initial": std_im, "maintenance": std_mm},
        # for checks only (not written): base-state positions and intermediate figures
        "_positions": valued, "_S": S, "_linear": linear, "_D": D, "_deltaShockRate": dshock_rate,
        "_riskMatrixMargin": rm, "_cap": cap, "_capBinds": cap is not None and cap < rm,
        "_cleaned": cleaned, "_tieRelabelled": tie_relabelled,
    }


# --------------------------------------------------------------------------------------------
# span per pool (SPEC §3.3)
# --------------------------------------------------------------------------------------------

def span_scenarios(psr):
    """The 16 SPAN scenarios (move, relative vol shift, weight), CME's order: price 0, +⅓, −⅓,
    +⅔, −⅔, +1, −1 of the scan range, each vol up then down; then the extremes ±2 × PSR, vol
    unchanged, counted at 35 %."""
    out = []
    for k in (0, 1, -1, 2, -2, 3, -3):
        m = psr * k / 3.0
        out.append((m, SPAN_VSR, 1.0))
        out.append((m, -SPAN_VSR, 1.0))
    out.append((SPAN_EXTREME_MULTIPLE * psr, 0.0, SPAN_EXTREME_COVER))
    out.append((-SPAN_EXTREME_MULTIPLE * psr, 0.0, SPAN_EXTREME_COVER))
    return out


def span_pool_margin(pool, valued, market):
    """SPAN requirement of one pool, in its currency: maintenance = max(scan risk + intra-commodity
    spread charge, short option minimum); initial = 1.1 × maintenance.

    CHOICE: the scenarios move every price of the pool by 1+m as deribit-pm does, value inverse
    positions in coin, and apply no re-denomination, dampener or gains haircut (a gain counts in
    full: scan risk is the largest loss); vol shifts are σ·(1 ± 0.25), not term-scaled; scan risk
    is floored at 0.
    CHOICE: the spread charge is `intra rate × min(Σ long, Σ short)` of the per-expiry net
    futures/perpetual deltas (perpetuals one bucket) in the pool's own terms (inverse: N/F coin,
    the deltaCoinAccount; linear: the perpetual-equivalent q·F/S coin), × S in linear pools.
    CHOICE: the short option minimum is `0.01 × S × Σ|q|` of short options in USD, i.e.
    0.01 × Σ|q| coin in inverse pools.
    CHOICE: no long-option cap (SPEC states it for deribit-pm only)."""
    first = valued[0]
    linear = first["settlement"] == "linear"
    coin = first["underlying"]
    S = market.underlying(coin).index
    psr = SPAN_PSR.get(coin, SPAN_PSR["default"])
    live = [v for v in valued if not v["expired"]]
    scen = span_scenarios(psr)
    totals = []
    for m, shift, weight in scen:
        tot = gross = 0.0
        for v in live:
            sigma = v["sigma"] * (1.0 + shift) if v["kind"] == "option" else None
            x = scenario_pnl(v, m, sigma)
            tot += x
            gross += abs(x)
        totals.append(_cleaned(tot, gross) * weight)
    worst = min(range(len(scen)), key=lambda i: (totals[i], i))
    scan = max(0.0, -totals[worst])
    buckets = {}
    key_delta = "delta" if linear else "deltaCoinAccount"
    for v in live:
        if v["kind"] in ("future", "perpetual"):
            key = v["expiry"] if v["kind"] == "future" else "PERPETUAL"
            b = buckets.setdefault(key, [0.0, 0.0])
            b[0] += v[key_delta]
            b[1] += abs(v[key_delta])
    longs = shorts = 0.0
    for key in sorted(buckets):
        net = _cleaned(*buckets[key])
        if net > 0:
            longs += net
        else:
            shorts -= net
    spread = SPAN_INTRA_RATE * min(longs, shorts) * (S if linear else 1.0)
    short_options = sum(-v["q"] for v in live if v["kind"] == "option" and v["q"] < 0)
    som = SPAN_SHORT_OPTION_MINIMUM * short_options * (S if linear else 1.0)
    mm = max(scan + spread, som)
    std_im = std_mm = 0.0
    for v in valued:
        im, mm_ = standard_margin(v)
        std_im += im
        std_mm += mm_
    return {
        "pool": pool, "currency": first["currency"],
        "initial": SPAN_INITIAL_FACTOR * mm, "maintenance": mm,
        "worstCase": scan,                        # CHOICE: a SPAN pool's worstCase is its scan risk
        "standard": {"initial": std_im, "maintenance": std_mm},
        "_positions": valued, "_S": S, "_linear": linear,
        "_span": {"scanRisk": scan, "spreadCharge": spread, "shortOptionMinimum": som,
                  "worstScenario": {"priceMove": scen[worst][0], "volShift": scen[worst][1],
                                    "weight": scen[worst][2]},
                  "priceScanRange": psr},
    }


def model_name(request):
    model = request.get("model", "deribit-pm")
    if isinstance(model, dict):
        assert set(model) == {"preset"}, "overrides are not covered by the reference"
        model = model["preset"]
    assert model in ("deribit-pm", "span"), model
    return model


def evaluate(request):
    """The `margin` part of the report (and the delta Greeks) for a request."""
    model = model_name(request)
    market = Market(request["market"])
    positions, collateral = parse_positions(request["positions"])
    valued = [value_position(p, market) for p in positions]
    # CHOICE: a pool whose positions have all expired is still listed, with zero figures (its
    # settled positions belong to it); likewise its underlying in `greeks`, with delta 0.
    by_pool = {}
    for v in valued:
        by_pool.setdefault(v["pool"], []).append(v)
    per_pool = span_pool_margin if model == "span" else pool_margin
    pools = [per_pool(name, by_pool[name], market) for name in sorted(by_pool)]
    total = {"initial": 0.0, "maintenance": 0.0, "standardInitial": 0.0, "standardMaintenance": 0.0}
    for p in pools:
        fx = 1.0 if p["_linear"] else p["_S"]   # inverse pools at their coin's index
        total["initial"] += p["initial"] * fx
        total["maintenance"] += p["maintenance"] * fx
        total["standardInitial"] += p["standard"]["initial"] * fx
        total["standardMaintenance"] += p["standard"]["maintenance"] * fx
    # Greeks per underlying (SPEC §1): perpetual-equivalent delta in coin, deltaUsd = delta × S.
    # CHOICE: collateral (bare coin lines) is not a position and adds no Greek; since SPEC does not
    # say whether the report's `greeks` count it, goldens with coin lines write no Greeks.
    greeks = {}
    for und in sorted({v["underlying"] for v in valued}):
        d = 0.0
        for v in valued:
            if v["underlying"] == und:
                d += v["delta"]
        greeks[und] = {"delta": d, "deltaUsd": d * market.underlying(und).index}
    return {"pools": pools, "totalUsd": total, "greeks": greeks, "_positions": valued,
            "_collateral": collateral, "_model": model, "_request": request}


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
    for line in ("BTC-PERPETUAL 100000", "BTC-26MAR27 -50000", "BTC_USDC-PERPETUAL 3",
                 "BTC_USDC-26MAR27 -2"):
        (pos,), _ = parse_positions(line)
        v = value_position(pos, market)
        linear = v["settlement"] == "linear"
        R = 0.16
        for m in EXTENDED_MOVES:
            sgn = 1.0 if m > 0 else -1.0
            w = scenario_pnl(v, m, None) * R / abs(m) * (1.0 if linear else (1 + m) / (1 + sgn * R))
            assert close(w, scenario_pnl(v, sgn * R, None), 1e-12), (line, m)
    # SPEC §1: `delta` is the value change (USD) per 1 USD of index with every forward moving in
    # proportion; `deltaCoinAccount` is S × the change of the coin value (inverse positions); by
    # central differences on a market whose index is bumped (carry held: F = S·e^(carry·T)).
    def usd_and_coin(line, S):
        mk = Market({"asOf": "2026-11-24T08:00:00Z",
                     "underlyings": {"BTC": {"index": S, "carry": 0.05, "iv": 0.5}}})
        (pos,), _ = parse_positions(line)
        v0 = value_position(pos, market)
        v = value_position(pos, mk)
        if v["kind"] == "option":
            usd = v["q"] * v["B"]
            coin = usd / v["F"] if v["settlement"] == "inverse" else None
        elif "N" in v:
            # Inverse future of USD notional N entered at the base price F0: coin value
            # N(1/F0 − 1/F), its USD value at its own reference price F (SPEC §1 "settlement").
            ref = v0["F"] * S / 95000.0 if v["kind"] == "future" else S
            coin = v["N"] * (1.0 / v0["F"] - 1.0 / ref)
            usd = coin * ref
        else:
            usd = v["q"] * (v["F"] if v["kind"] == "future" else S)
            coin = None
        return usd, coin, v0
    for line in ("BTC-26MAR27-100000-C -3", "BTC-25DEC26-80000-P 2", "BTC_USDC-26MAR27-90000-C 4",
                 "BTC-26MAR27 -50000", "BTC_USDC-26MAR27 -2", "BTC-PERPETUAL 70000"):
        h = 1e-2
        up, cu, v0 = usd_and_coin(line, 95000.0 + h)
        dn, cd, _ = usd_and_coin(line, 95000.0 - h)
        assert close((up - dn) / (2 * h), v0["delta"], 1e-6), (line, (up - dn) / (2 * h), v0["delta"])
        if cu is not None:
            assert close((cu - cd) / (2 * h) * 95000.0, v0["deltaCoinAccount"], 1e-6), line
    # SPEC §3.2 venue figure: 25 SOL at 200 USDC needs 200.625 USDC.
    sol = Market({"asOf": "2026-11-24T08:00:00Z", "underlyings": {"SOL": {"index": 200}}})
    (pos,), _ = parse_positions("SOL_USDC-PERPETUAL 25")
    assert close(standard_margin(value_position(pos, sol))[0], 200.625, 1e-12)
    # CSV with a side column reads the same signed quantities as pasted lines.
    (a,), _ = parse_positions('\ufeff"Instrument","Size","Side"\r\nBTC-25DEC26-100000-C,10,SELL\r\n')
    assert a["quantity"] == -10.0 and a["instrument"]["name"] == "BTC-25DEC26-100000-C"
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
     "A 'covered' linear call: 1.5 BTC held as coin beside a short 1.5 BTC_USDC December 105k "
     "call. Under SPEC's revision (§2, §5) the bare coin line `BTC 1.5` is collateral of the BTC "
     "account, not a position: the BTC_USDC pool holds the short call alone (segregated accounts, "
     "no offset), worst at +16 % vol up. USD pool: dampener 25 000, pnlOffset 0.4.",
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
     "zero, so the portfolio margin is 0 (worst cell: the first column, −16 %, named 'unchanged' "
     "since every vol state ties). The standard "
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


# --------------------------------------------------------------------------------------------
# Second set (SPEC's second revision, issue 11): fewer written fields, Greeks, SPAN
# --------------------------------------------------------------------------------------------

def _load_default_snapshot():
    with open(os.path.join(HERE, "default-market-2026-11-24.json"), encoding="utf-8") as f:
        return json.load(f)


DEFAULT_SNAPSHOT = _load_default_snapshot()


def default_market(*coins):
    """The embedded default snapshot (copy kept beside this script), restricted to `coins`,
    written out in the request so that the golden does not depend on the embedded default."""
    snap = DEFAULT_SNAPSHOT
    return {"asOf": snap["asOf"], "rate": snap["rate"],
            "underlyings": {c: snap["underlyings"][c] for c in coins}}


BTC_C05 = {"index": 95000, "carry": 0.05, "iv": 0.55}   # the issue's BTC market (S 95 000, carry 5 %)
SOL_200 = {"index": 200, "carry": 0.06, "iv": 0.85}
XRP_2 = {"index": 2.0, "carry": 0.04, "iv": 0.9}
AVAX_SMILE = {"index": 35, "futures": {"2026-12-25": 35.2, "2027-03-26": 35.9},
              "smiles": {"2026-12-25": [[25, 0.95], [30, 0.86], [35, 0.80], [40, 0.82], [50, 0.90]],
                         "2027-03-26": [[25, 0.90], [35, 0.78], [45, 0.80]]}}


def approx(got, want, abs_tol, what):
    assert abs(got - want) <= abs_tol, (what, got, want)


def _pool(result, name):
    (p,) = [p for p in result["pools"] if p["pool"] == name]
    return p


def _issue_sol_84000(r):
    p = _pool(r, "SOL_USDC")
    approx(p["standard"]["initial"], 84000.0, 1e-6, "SOL standard IM")            # issue: 84 000
    approx(legacy_standard(p["_positions"][0])[0], 384000.0, 1e-6, "SOL old IM")  # issue: 384 000


def _spec_sol_200_625(r):
    approx(_pool(r, "SOL_USDC")["standard"]["initial"], 200.625, 1e-9, "SPEC §3.2 figure")


def _issue_eth_24(r):
    p = _pool(r, "ETH")
    approx(p["standard"]["initial"], 24.0, 1e-9, "ETH standard IM")                # issue: 24 ETH
    approx(legacy_standard(p["_positions"][0])[0], 70.0, 1e-9, "ETH old IM")      # issue: 70 ETH


def _issue_xrp_22m(r):
    p = _pool(r, "XRP_USDC")
    approx(p["standard"]["initial"], 0.062 * 22e6, 1e-6, "XRP standard IM")        # 4 % + 2.2 %
    approx(legacy_standard(p["_positions"][0])[0], 12.1e9, 0.001e9, "XRP old IM")  # issue: 12.1 bn
    approx(p["deltaShock"], 0.002 * 22e6, 1e-6, "XRP delta shock")                 # mIncUsd·2M = 0.2 %


def _issue_btc_22m_shock(r):
    p = _pool(r, "BTC")
    approx(p["deltaShock"] * p["_S"], 23158.0, 0.5, "BTC 22M delta shock")         # issue: 23 158 USD


def _issue_sol_22m_shock(r):
    p = _pool(r, "SOL_USDC")
    approx(legacy_delta_shock(p), 2200000.0, 1e-6, "SOL old shock")                # issue: 2 200 000
    approx(p["deltaShock"], 1100000.0, 1e-6, "SOL shock")                          # SPEC: rate 5 %


def _sol_inverse_22m_shock(r):
    p = _pool(r, "SOL")
    approx(p["deltaShock"] * p["_S"], 1100000.0, 1e-6, "SOL inverse shock in USD")


def _deep_itm_calls(r):
    p = _pool(r, "BTC")
    approx(legacy_delta_shock(p), 37.8, 0.05, "old charge on Σ∂V/∂F")              # issue: 37.8 BTC
    # NOT REPRODUCED: the issue's 7.1 BTC (its book is not given): on this book, whose old charge is
    # the issue's 37.8 BTC, the pool's coin delta gives 4.84 BTC (see the report).
    assert p["deltaShock"] < legacy_delta_shock(p) / 5


def _issue_long_call_cap(r):
    p = _pool(r, "BTC")
    (v,) = p["_positions"]
    approx(mark_value(v), 527.6, 0.05, "premium")                                   # issue: 527.6 BTC
    legacy_rm = p["worstCase"] + p["rollShock"] + legacy_delta_shock(p)
    approx(legacy_rm, 1527.4, 0.05, "old IM")                                      # issue: 1 527.4 BTC
    assert p["_capBinds"] and p["initial"] == mark_value(v)


def _cap_binds(r):
    for p in r["pools"]:
        assert p["_capBinds"], p["pool"]


def _issue_linear_calendar(r):
    p = _pool(r, "BTC_USDC")
    assert r["greeks"]["BTC"]["delta"] < -0.29                                     # not 0
    approx(sum(v["deltaForward"] for v in p["_positions"]), 0.0, 1e-12, "old delta 0")
    approx(-p["riskMatrix"]["pnlRaw"][1][8], 4500.0, 1.0, "loss at +16 %")          # issue: 4 500 USD
    approx(p["worstCase"], 4500.0, 1.0, "worst case")


def _issue_inverse_future_delta_usd(r):
    approx(r["greeks"]["BTC"]["deltaUsd"], -1e6, 1e-6, "deltaUsd")                 # SPEC: −1 000 000
    (v,) = r["_positions"]
    approx(v["deltaForward"] * v["S"], -971243.0, 1.0, "old deltaUsd")             # issue: −971 243


def _issue_expired(r):
    (p,) = r["pools"]
    assert p["initial"] == 0.0 and p["maintenance"] == 0.0 and p["standard"]["initial"] == 0.0
    assert r["greeks"]["BTC"]["delta"] == 0.0                                      # issue: was −3


def _same_margin_as(lines):
    def check(r):
        ref = evaluate({"positions": lines, "market": r["_request"]["market"],
                        "model": r["_model"]})
        for p in r["pools"]:
            q = [x for x in ref["pools"] if x["pool"] == p["pool"]]
            if q:
                for k in ("initial", "maintenance", "worstCase", "rollShock", "deltaShock"):
                    assert p[k] == q[0][k], (p["pool"], k)
            else:
                assert p["initial"] == 0.0 and p["standard"]["initial"] == 0.0, p["pool"]
        assert any(v["expired"] for v in r["_positions"])
    return check


def _hours_to_expiry(r):
    assert any(v["T"] is not None and 0 < v["T"] * 365 < 0.2 for v in r["_positions"])


def _book_plus_opposite(r):
    for p in r["pools"]:
        assert p["initial"] == 0.0 and p["worstCase"] == 0.0 and p["rollShock"] == 0.0, p["pool"]
        assert p["deltaShock"] == 0.0 and p["standard"]["initial"] > 0, p["pool"]
    for g in r["greeks"].values():
        assert abs(g["delta"]) < 1e-9


def _span(binding):
    def check(r):
        for p in r["pools"]:
            sp = p["_span"]
            assert p["initial"] == SPAN_INITIAL_FACTOR * p["maintenance"]          # IM = 1.1 × MM
            if binding == "som":
                assert sp["shortOptionMinimum"] > sp["scanRisk"] + sp["spreadCharge"], p["pool"]
            if binding == "spread":
                assert sp["spreadCharge"] > 0, p["pool"]
    return check


def _issue_csv_short(r):
    approx(r["totalUsd"]["initial"], 92971.0, 0.5, "CSV short IM")                  # issue: 92 971
    assert r["_positions"][0]["q"] == -10.0


def _issue_long_call_default(r):
    p = _pool(r, "BTC")
    approx(p["_riskMatrixMargin"] * p["_S"], 30846.0, 0.5, "long 10 calls, uncapped")  # issue: 30 846


def _issue_eth_covered_call(r):
    approx(r["totalUsd"]["initial"], 3280.0, 0.5, "ETH covered call = naked")       # issue: 3 280
    naked = evaluate({"positions": "ETH-25DEC26-3800-C -10", "market": r["_request"]["market"],
                      "model": "deribit-pm"})
    assert r["totalUsd"] == naked["totalUsd"] and len(r["pools"]) == 1
    assert r["_collateral"] == {"ETH": 10.0}


def _shock_only_with_new_delta(r):
    p = r["pools"][0]
    assert legacy_delta_shock(p) == 0.0 and p["deltaShock"] > 0.0


def _shock_only_with_old_delta(r):
    p = r["pools"][0]
    assert legacy_delta_shock(p) > 0.0 and p["deltaShock"] == 0.0


def _shock_larger_with_coin_delta(r):
    p = r["pools"][0]
    assert p["deltaShock"] > legacy_delta_shock(p) > 0.0


BOOK = ("BTC-25DEC26-100000-C -3\nBTC-26MAR27-85000-P 2\nBTC-26MAR27 150000\nBTC-PERPETUAL -40000\n"
        "BTC_USDC-25DEC26-90000-P -4\nBTC_USDC-PERPETUAL 1.5\nETH-25DEC26-3800-C -20\n"
        "ETH-PERPETUAL 30000")


def _opposite(text):
    out = []
    for line in reversed(text.splitlines()):
        name, qty = line.split()[:2]
        out.append("%s %s" % (name, qty[1:] if qty.startswith("-") else "-" + qty))
    return "\n".join(out)


CASES_V2 = [
    {"name": "sol-usdc-perpetual-standard",
     "description": "Issue 11: SOL_USDC-PERPETUAL 6000 at 200 USDC. SOL's standard futures rates "
                    "(4 % + 0.0005 % per coin: 7 % of 1.2 M) give 84 000 USDC; BTC's rates gave 384 000.",
     "positions": "SOL_USDC-PERPETUAL 6000", "market": mkt(SOL=SOL_200), "check": _issue_sol_84000},
    {"name": "sol-usdc-perpetual-25-coin",
     "description": "SPEC §3.2's venue figure: 25 SOL at 200 USDC needs 200.625 USDC of standard "
                    "initial margin (4.0125 % of 5 000).",
     "positions": "SOL_USDC-PERPETUAL 25", "market": mkt(SOL=SOL_200), "check": _spec_sol_200_625},
    {"name": "eth-perpetual-standard",
     "description": "Issue 11: ETH-PERPETUAL 3 400 000 USD at 3 400 (1 000 ETH). ETH's standard "
                    "rates (2 % + 0.0004 % per coin) give 24 ETH; BTC's slope gave 70.",
     "positions": "ETH-PERPETUAL 3400000", "market": mkt(ETH=ETH_FLAT), "check": _issue_eth_24},
    {"name": "xrp-usdc-perpetual-22m",
     "description": "Issue 11: a 22 M USD XRP_USDC perpetual (11 M XRP at 2.0). 'Others' standard "
                    "rates are 4 % + 0.0000001 % per USD of notional (6.2 %: 1 364 000 USD; BTC's "
                    "per-coin slope gave 12.1 bn). Delta shock with mIncUsd 1e-9 per USD of the 2 M "
                    "excess: rate 0.2 %, 44 000 USD.",
     "positions": "XRP_USDC-PERPETUAL 11000000", "market": mkt(XRP=XRP_2), "check": _issue_xrp_22m},
    {"name": "btc-perpetual-22m-delta-shock",
     "description": "Issue 11: a 22 M USD BTC-PERPETUAL at 95 000: 2 M USD of excess over the "
                    "threshold, BTC's mInc 0.00005 per coin: 0.2438 BTC ≈ 23 158 USD.",
     "positions": "BTC-PERPETUAL 22000000", "market": mkt(BTC=BTC_C05),
     "check": _issue_btc_22m_shock},
    {"name": "sol-usdc-perpetual-22m-delta-shock",
     "description": "Issue 11: the same 22 M USD as a SOL_USDC perpetual (110 000 SOL at 200). "
                    "SOL's mInc 0.000005 per coin of excess: rate 5 %, 1 100 000 USD (BTC's "
                    "increment capped the rate at 10 %: 2 200 000 USD).",
     "positions": "SOL_USDC-PERPETUAL 110000", "market": mkt(SOL=SOL_200),
     "check": _issue_sol_22m_shock},
    {"name": "sol-inverse-perpetual-22m-delta-shock",
     "description": "The 22 M USD SOL perpetual inverse (SOL pool, in coin): net coin delta "
                    "N/F = 110 000 SOL, rate 5 %: 5 500 SOL (1 100 000 USD); 'other coins' settlement "
                    "parameters (roll floor 0.01).",
     "positions": "SOL-PERPETUAL 22000000", "market": mkt(SOL=SOL_200),
     "check": _sol_inverse_22m_shock},
    {"name": "deep-itm-inverse-calls-delta-shock",
     "description": "1 000 deep-ITM inverse June 45k calls: Σ∂V/∂F ≈ 981 BTC (old charge 37.8 BTC) "
                    "but the pool's coin delta, ∂V/∂F minus the coin mark (0.547 BTC per call), is "
                    "≈ 434 BTC: the delta shock in the pool's own terms is 4.84 BTC. Long options "
                    "only, but the cap (547 BTC of premium) does not bind.",
     "positions": "BTC-25JUN27-45000-C 1000", "market": mkt(BTC=BTC_FLAT),
     "check": _deep_itm_calls},
    {"name": "deep-itm-inverse-puts-coin-delta",
     "description": "Long deep-ITM inverse March 150k puts with a few short 60k puts: the coin "
                    "delta (∂V/∂F − coin mark ≈ −K/F per put: −431 BTC) is larger than Σ∂V/∂F "
                    "(−264 BTC), so the pool's delta shock grows from 0.70 to 4.76 BTC.",
     "positions": "BTC-26MAR27-150000-P 300\nBTC-26MAR27-60000-P -50", "market": mkt(BTC=BTC_FLAT),
     "check": _shock_larger_with_coin_delta},
    {"name": "eth-deep-itm-short-calls-coin-delta",
     "description": "12 000 short deep-ITM ETH March 1500 calls: Σ∂V/∂F·S ≈ 40 M USD is over the "
                    "threshold but the coin delta (≈ K/F per call) is ≈ 17 M USD: no delta shock.",
     "positions": "ETH-26MAR27-1500-C -12000", "market": mkt(ETH=ETH_FLAT),
     "check": _shock_only_with_old_delta},
    {"name": "long-call-cap",
     "description": "Issue 11: BTC-25NOV26-90000-C 10000 iv=0.3 (one day, deep ITM). Premium "
                    "527.6 BTC; worst case + delta shock was 1 527.4 BTC. A pool of long options "
                    "only is capped at their mark value: IM = 527.6 BTC, MM = 0.8 × 527.6.",
     "positions": "BTC-25NOV26-90000-C 10000 iv=0.3", "market": mkt(BTC=BTC_C05),
     "check": _issue_long_call_cap},
    {"name": "long-options-cap-linear",
     "description": "A linear pool of long options only (2 000 one-day ITM calls, 300 March puts): "
                    "the delta shock lifts the risk-matrix margin above the premium, so IM is the "
                    "mark value in USD.",
     "positions": "BTC_USDC-25NOV26-90000-C 2000 iv=0.3\nBTC_USDC-26MAR27-80000-P 300",
     "market": mkt(BTC=BTC_C05), "check": _cap_binds},
    {"name": "linear-futures-calendar-delta",
     "description": "Issue 11: BTC_USDC-25JUN27 −10 + BTC_USDC-PERPETUAL 10 (carry 5 %). Σ∂V/∂F "
                    "is 0, but the perpetual-equivalent delta is 10·(1 − F/S) ≈ −0.296 BTC and the "
                    "book loses ≈ 4 500 USD at +16 %; roll shock on both buckets.",
     "positions": "BTC_USDC-25JUN27 -10\nBTC_USDC-PERPETUAL 10", "market": mkt(BTC=BTC_C05),
     "check": _issue_linear_calendar},
    {"name": "inverse-future-delta-usd",
     "description": "Issue 11: BTC-25JUN27 −1 000 000 USD notional. deltaUsd is −1 000 000 "
                    "(delta = N/S); deltaForward is N/F (×S: the old −971 243).",
     "positions": "BTC-25JUN27 -1000000", "market": mkt(BTC=BTC_C05),
     "check": _issue_inverse_future_delta_usd},
    {"name": "expired-earlier-today",
     "description": "Issue 11: BTC-24NOV26-90000-C −3 valued at 09:00 UTC, one hour after its "
                    "08:00 expiry: settled at intrinsic against the index (no delivery price "
                    "given), zero Greeks, no margin; the BTC pool is listed with zero figures "
                    "(warning EXPIRED).",
     "positions": "BTC-24NOV26-90000-C -3",
     "market": mkt(as_of="2026-11-24T09:00:00Z", BTC=BTC_C05), "check": _issue_expired},
    {"name": "expired-with-delivery-and-live",
     "description": "At 10:15 UTC on 24NOV26 with a delivery price 94 800: expired inverse call, "
                    "put and future and an expired linear put sit beside live December legs. The "
                    "expired legs add nothing: each pool's margin is that of its live legs.",
     "positions": "BTC-24NOV26-90000-C -3\nBTC-24NOV26-97000-P 2\nBTC-24NOV26 -50000\n"
                  "BTC-25DEC26-100000-C -1\nBTC_USDC-24NOV26-92000-P -5\nBTC_USDC-25DEC26-90000-P -2",
     "market": mkt(as_of="2026-11-24T10:15:00Z",
                   BTC={"index": 95000, "futures": {"2026-12-25": 95600, "2027-03-26": 97100},
                        "iv": 0.55, "delivery": {"2026-11-24": 94800}}),
     "check": _same_margin_as("BTC-25DEC26-100000-C -1\nBTC_USDC-25DEC26-90000-P -2")},
    {"name": "expiring-today-hours",
     "description": "At 05:00 UTC, three hours before the 08:00 expiry (DTE 0.125: vol shocks at "
                    "d = max(DTE, 1) = 1, power 0.30): short ATM call and put expiring today, long "
                    "December call; forward before the first quote (flat basis).",
     "positions": "BTC-24NOV26-95000-C -5\nBTC-24NOV26-94000-P -5\nBTC-25DEC26-95000-C 2",
     "market": mkt(as_of="2026-11-24T05:00:00Z", BTC=BTC_FLAT), "check": _hours_to_expiry},
    {"name": "expiring-today-minutes-eth-mixed",
     "description": "At 07:30 UTC, 30 minutes before expiry: linear ETH_USDC short strangle and "
                    "inverse short call expiring today, with an inverse perpetual; smiles start "
                    "at December (flat before the first slice).",
     "positions": "ETH_USDC-24NOV26-3400-C -50\nETH_USDC-24NOV26-3350-P -50\n"
                  "ETH-24NOV26-3500-C -100\nETH-PERPETUAL 50000",
     "market": mkt(as_of="2026-11-24T07:30:00Z", ETH=ETH_SMILE), "check": _hours_to_expiry},
    {"name": "book-plus-opposite-zero",
     "description": "A mixed book (inverse and linear BTC, inverse ETH; options, future, "
                    "perpetuals) followed by its exact opposite in reverse order: every aggregate "
                    "cancels (cleaned below 1e-12 of the gross): IM 0 in every pool, delta 0; the "
                    "standard margin still charges each short leg.",
     "positions": BOOK + "\n" + _opposite(BOOK), "market": mkt(BTC=BTC_SMILE, ETH=ETH_SMILE),
     "check": _book_plus_opposite},
    {"name": "span-btc-inverse-calendar",
     "description": "SPAN on an inverse BTC book: short call and put, long March / short June "
                    "futures and a short perpetual (PSR 0.15, VSR 0.25). Net futures deltas "
                    "offset across expiries: spread charge 1 % of the matched coin delta. "
                    "MM = scan risk + spread charge; IM = 1.1 × MM.",
     "positions": "BTC-25DEC26-100000-C -5\nBTC-26MAR27-90000-P -3\nBTC-26MAR27 200000\n"
                  "BTC-25JUN27 -150000\nBTC-PERPETUAL -50000",
     "market": mkt(BTC=BTC_CURVE), "model": "span", "check": _span("spread")},
    {"name": "span-linear-three-pools",
     "description": "SPAN on three linear pools with their own scan ranges (BTC 0.15, ETH 0.18, "
                    "SOL 0.25); SOL_USDC holds a future/perpetual calendar (spread charge × S).",
     "positions": "BTC_USDC-25DEC26-105000-C -2\nBTC_USDC-26MAR27 1\nETH_USDC-25DEC26-3000-P -30\n"
                  "ETH_USDC-PERPETUAL -10\nSOL_USDC-25DEC26-260-C -200\nSOL_USDC-26MAR27 150\n"
                  "SOL_USDC-PERPETUAL -150",
     "market": mkt(BTC=BTC_FLAT, ETH=ETH_FLAT, SOL=SOL_FLAT), "model": "span", "check": _span(None)},
    {"name": "span-short-option-minimum",
     "description": "SPAN on 200 far-OTM short options at iv 0.3 (200k calls, 40k puts): the scan "
                    "risk is tiny, so the short option minimum (1 % × S per short option: 2 BTC) "
                    "is the requirement (MM); IM = 2.2 BTC.",
     "positions": "BTC-25DEC26-200000-C -100 iv=0.3\nBTC-25DEC26-40000-P -100 iv=0.3",
     "market": mkt(BTC=BTC_FLAT), "model": "span", "check": _span("som")},
    {"name": "span-eth-inverse-futures-calendar",
     "description": "SPAN on an inverse ETH book (PSR 0.18): long December, short March futures, a "
                    "long perpetual and short March calls; spread charge on the offsetting deltas.",
     "positions": "ETH-25DEC26 1000000\nETH-26MAR27 -1000000\nETH-PERPETUAL 300000\n"
                  "ETH-26MAR27-3400-C -100",
     "market": mkt(ETH=ETH_FLAT), "model": "span", "check": _span("spread")},
    {"name": "span-sol-inverse-default-market",
     "description": "SPAN on an inverse SOL book on the default snapshot's SOL smiles (PSR 0.25 for "
                    "coins other than BTC and ETH).",
     "positions": "SOL-25DEC26-260-C -500\nSOL-26MAR27-200-P -300\nSOL-PERPETUAL 50000",
     "market": default_market("SOL"), "model": "span", "check": _span(None)},
    {"name": "sol-inverse-default-market",
     "description": "deribit-pm on an inverse SOL book on the default snapshot (smiles, futures "
                    "curve): SOL's shock parameters ('others' range 0.20), 'other coins' settlement "
                    "parameters, SOL's standard futures rates (4 % + 0.0005 %/coin).",
     "positions": "SOL-25DEC26-260-C -500\nSOL-26MAR27-200-P -300\nSOL-PERPETUAL 50000\n"
                  "SOL-25JUN27 -30000",
     "market": default_market("SOL")},
    {"name": "sol-linear-strangle-future",
     "description": "SOL_USDC short strangle and a long March SOL_USDC future at 200: SOL's "
                    "standard futures rates on a linear pool.",
     "positions": "SOL_USDC-25DEC26-280-C -400\nSOL_USDC-25DEC26-180-P -400\nSOL_USDC-26MAR27 250",
     "market": mkt(SOL=SOL_200)},
    {"name": "avax-unknown-coin-linear",
     "description": "An underlying with no parameters of its own (AVAX) on defaults, with its own "
                    "market entry (futures and smiles): range 0.20, 'others' standard rates "
                    "(4 % + 1e-9 per USD), mIncUsd.",
     "positions": "AVAX_USDC-25DEC26-40-C -3000\nAVAX_USDC-25DEC26-30-P -3000\n"
                  "AVAX_USDC-PERPETUAL 2000\nAVAX_USDC-26MAR27 -1000",
     "market": mkt(AVAX=AVAX_SMILE)},
    {"name": "avax-inverse-big-perpetual",
     "description": "An inverse AVAX pool (in coin, 'other coins' settlement parameters) with a "
                    "30 M USD perpetual and short March calls: the delta shock uses mIncUsd "
                    "1e-9 per USD of excess, in coin.",
     "positions": "AVAX-PERPETUAL 30000000\nAVAX-26MAR27-40-C -20000",
     "market": mkt(AVAX=AVAX_SMILE)},
    {"name": "xrp-usdc-future-calendar",
     "description": "XRP_USDC March future against a perpetual, with short December calls (strike "
                    "2d4 = 2.4): 'others' standard rates per USD of notional, roll shock per bucket.",
     "positions": "XRP_USDC-26MAR27 12000000\nXRP_USDC-PERPETUAL -12000000\n"
                  "XRP_USDC-25DEC26-2d4-C -3000000",
     "market": mkt(XRP=XRP_2)},
    {"name": "inverse-calendar-btc-curve",
     "description": "Inverse BTC calendars: short December / long June 95k calls and short March / "
                    "long June puts, on a four-expiry futures curve (each option on its own forward).",
     "positions": "BTC-25DEC26-95000-C -10\nBTC-25JUN27-95000-C 10\nBTC-26MAR27-90000-P -5\n"
                  "BTC-25JUN27-85000-P 5",
     "market": mkt(BTC=BTC_CURVE)},
    {"name": "inverse-diagonal-eth-smile",
     "description": "Inverse ETH diagonal on the smile: short December 3800 calls, long March 3400 "
                    "calls, a short March future (ETH pnlOffset 0.6, dampener 200 000).",
     "positions": "ETH-25DEC26-3800-C -100\nETH-26MAR27-3400-C 100\nETH-26MAR27 -200000",
     "market": mkt(ETH=ETH_SMILE)},
    {"name": "deep-otm-vol-0.05",
     "description": "Deep-OTM short options at iv 0.05 (March 50k puts and 150k calls, a linear "
                    "60k put): worthless today, the vol-up floor 0.50 and the extended moves make "
                    "the risk.",
     "positions": "BTC-26MAR27-50000-P -50 iv=0.05\nBTC-26MAR27-150000-C -50 iv=0.05\n"
                  "BTC_USDC-26MAR27-60000-P -20 iv=0.05",
     "market": mkt(BTC=BTC_FLAT)},
    {"name": "vol-5",
     "description": "Options at iv 5 (500 %): a short inverse December straddle and long linear "
                    "March calls; vol up 5·(1 + 0.5 s), vol down 5·(1 − 0.25 s).",
     "positions": "BTC-25DEC26-95000-C -2 iv=5\nBTC-25DEC26-95000-P -2 iv=5\n"
                  "BTC_USDC-26MAR27-95000-C 3 iv=5",
     "market": mkt(BTC=BTC_FLAT)},
    {"name": "mixed-inverse-linear-default-market",
     "description": "Mixed inverse and linear BTC, ETH and SOL pools on the default snapshot "
                    "(smiles and futures curves for all three).",
     "positions": "BTC-25DEC26-100000-C -10\nBTC-26MAR27-80000-P 5\nBTC-PERPETUAL 250000\n"
                  "BTC_USDC-25DEC26-90000-P -3\nBTC_USDC-26MAR27 2\nETH-25DEC26-3800-C -100\n"
                  "ETH_USDC-PERPETUAL -20\nSOL_USDC-25DEC26-260-C -500",
     "market": default_market("BTC", "ETH", "SOL")},
    {"name": "csv-direction-sell",
     "description": "Issue 11: a CSV export `Instrument,Size,Direction` with `sell` is a short: "
                    "−10 December 100k calls on the default snapshot, IM ≈ 92 971 USD (read as a "
                    "long it gave 30 846).",
     "positions": "Instrument,Size,Direction\nBTC-25DEC26-100000-C,10,sell",
     "market": default_market("BTC"), "check": _issue_csv_short},
    {"name": "csv-side-bom-quotes-crlf",
     "description": "CSV with a UTF-8 BOM, CRLF line ends, quoted fields, a `Side` column "
                    "(Sell/buy, any case) and an unused column (warning IGNORED_COLUMN): the same "
                    "signed quantities as pasted lines.",
     "positions": "\ufeffInstrument,Side,Size,Note\r\n\"BTC-25DEC26-100000-C\",Sell,10,\"hedge, "
                  "rolled\"\r\nBTC-PERPETUAL,buy,250000,\r\n",
     "market": default_market("BTC")},
    {"name": "long-calls-default-market",
     "description": "Issue 11's long reading of the CSV book: +10 December 100k calls on the "
                    "default snapshot. The risk-matrix margin is the 30 846 USD the issue quotes; "
                    "it is below the premium, so the long-option cap does not bind.",
     "positions": "BTC-25DEC26-100000-C 10", "market": default_market("BTC"),
     "check": _issue_long_call_default},
    {"name": "eth-covered-call-collateral",
     "description": "Issue 11: `ETH 10` + ETH-25DEC26-3800-C −10 on the default snapshot. The bare "
                    "coin line is collateral of the ETH account (no ETH_USDC pool): the margin is "
                    "the naked call's, 3 280 USD (it was 9 422).",
     "positions": "ETH 10\nETH-25DEC26-3800-C -10", "market": default_market("ETH"),
     "check": _issue_eth_covered_call},
    {"name": "linear-future-delta-threshold",
     "description": "207 BTC of a linear June future (carry 5 %): q·S = 19.7 M USD is below the "
                    "threshold but the perpetual-equivalent delta q·F/S gives 20.2 M: a delta shock "
                    "appears only in the revised definition.",
     "positions": "BTC_USDC-25JUN27 207", "market": mkt(BTC=BTC_C05),
     "check": _shock_only_with_new_delta},
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
    """Keep the goldens away from knife edges where an ulp could change a discrete choice
    (first-set cases, which write the worst cell's label)."""
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
        assert abs(abs(p["_D"]) * p["_S"] - DELTA_TOTAL_LIQ_SHOCK_THRESHOLD) > 1000, (short, "delta kink")


# --------------------------------------------------------------------------------------------
# What SPEC's second revision changed, per case (for the `since` / `newSemantics` marks)
# --------------------------------------------------------------------------------------------

def _differs(a, b, tol=1e-12):
    return abs(a - b) > tol * max(1.0, abs(a), abs(b))


def legacy_standard(v):
    """First-revision standard margin of a future/perpetual: BTC's rates for every underlying."""
    if "N" in v:
        size = abs(v["N"]) / v["F"]
        notional = size
    else:
        size = abs(v["q"])
        notional = size * v["F"]
    return (0.02 + 0.00005 * size) * notional, (0.01 + 0.00005 * size) * notional


def legacy_delta_shock(p):
    """First-revision delta shock: D = Σ ∂V/∂F (coin), mInc 0.00005 except ETH 0.000004."""
    live = [v for v in p["_positions"] if not v["expired"]]
    D = sum(v["deltaForward"] for v in live)
    coin = p["_positions"][0]["underlying"]
    inc = 0.000004 if coin == "ETH" else 0.00005
    S = p["_S"]
    excess = max(0.0, abs(D) * S - DELTA_TOTAL_LIQ_SHOCK_THRESHOLD)
    return min(MAX_DELTA_SHOCK, inc * excess / S) * abs(D) * (S if p["_linear"] else 1.0)


def revised_rules(result, with_greeks, with_label):
    """The second-revision rules (SPEC, and issue 11's cosmetic fixes) that this case's written
    figures depend on, i.e. where the first-revision semantics give a different figure."""
    tags = []
    vals = result["_positions"]
    if result["_model"] == "span":
        tags.append("span: maintenance is the SPAN requirement, initial = 1.1 × maintenance, "
                    "per-underlying scan range")
    if result["_collateral"]:
        tags.append("bare coin line is collateral, not a position (§2, §5)")
    if _is_csv(result["_request"]["positions"]):
        tags.append("CSV: side/direction column signs the size; BOM, CRLF, quotes (§2)")
    if any(v["expired"] for v in vals):
        tags.append("expired positions settled (§3.1 step 11)")
    for v in vals:
        if not v["expired"] and v["kind"] in ("future", "perpetual"):
            if any(_differs(x, y) for x, y in zip(standard_margin(v), legacy_standard(v))):
                tags.append("standard futures margin per underlying (§3.2)")
                break
    if result["_model"] == "deribit-pm":
        if any(_differs(p["deltaShock"], legacy_delta_shock(p)) for p in result["pools"]):
            tags.append("delta shock in pool terms, per-coin mInc / mIncUsd (§3.1 step 9)")
        if any(p["_capBinds"] for p in result["pools"]):
            tags.append("long-option cap (§3.1 step 10)")
        if with_label and any(p["_tieRelabelled"] for p in result["pools"]):
            tags.append("worst cell named 'unchanged' when the vol states tie (issue 11)")
        if any(p["_cleaned"] for p in result["pools"]):
            tags.append("aggregates below 1e-12 of the gross are 0 (issue 11)")
    if with_greeks:
        tags.append("per-position deltaForward (§1)")
        for und in result["greeks"]:
            fwd = sum(v["deltaForward"] for v in vals if v["underlying"] == und)
            if _differs(result["greeks"][und]["delta"], fwd, 1e-9):
                tags.append("perpetual-equivalent delta (§1)")
                break
    return tags


# --------------------------------------------------------------------------------------------
# Writing the goldens
# --------------------------------------------------------------------------------------------

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
            return "[" + ", ".join(_scalar(v) for v in x) + "]"
        items = [pad + "  " + _fmt(v, indent + 1) for v in x]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return _scalar(x)


def _scalar(x):
    # A byte-order mark stays visible as an escape (a CSV case starts with one).
    return json.dumps(x, ensure_ascii=False).replace("\ufeff", "\\ufeff")


POOL_FIELDS_PM = ("pool", "currency", "initial", "maintenance", "worstCase", "rollShock",
                  "deltaShock", "standard")
POOL_FIELDS_SPAN = ("pool", "currency", "initial", "maintenance", "worstCase", "standard")


def expected_v2(result, with_greeks):
    """The written expectation of a second-set case (see the module doc)."""
    fields = POOL_FIELDS_SPAN if result["_model"] == "span" else POOL_FIELDS_PM
    out = {"pools": [{k: p[k] for k in fields} for p in result["pools"]],
           "totalUsd": result["totalUsd"]}
    if with_greeks:
        out["greeks"] = result["greeks"]
        pos = []
        for v in result["_positions"]:
            g = {"delta": v["delta"], "deltaForward": v["deltaForward"]}
            if v["settlement"] == "inverse":
                g["deltaCoinAccount"] = v["deltaCoinAccount"]
            pos.append({"instrument": v["name"], "greeks": g})
        out["positions"] = pos
    return public(out)


def reference_v2(result):
    """Intermediate figures for a human reader (not compared by any test)."""
    pools = []
    for p in result["pools"]:
        if result["_model"] == "span":
            pools.append(dict({"pool": p["pool"]}, **p["_span"]))
        else:
            pools.append({"pool": p["pool"], "netDeltaPoolTerms": p["_D"],
                          "deltaShockRate": p["_deltaShockRate"],
                          "riskMatrixMargin": p["_riskMatrixMargin"],
                          "longOptionCap": p["_cap"], "worstScenario": p["worstScenario"]})
    out = {"pools": pools}
    settled = [{"instrument": v["name"], "deliveryPrice": v["delivery"],
                "settledUsd": v["settledUsd"], "settledCoin": v["settledCoin"]}
               for v in result["_positions"] if v["expired"]]
    if settled:
        out["settled"] = settled
    if result["_collateral"]:
        out["collateral"] = result["_collateral"]
    return public(out)


def _doc(short, desc, tags, request, expected, reference=None):
    doc = {"name": short, "description": desc}
    if tags:
        doc["since"] = "spec-rev-2"
        doc["newSemantics"] = tags
    doc["tolerance"] = 1e-9
    doc["request"] = request
    doc["expected"] = expected
    if reference is not None:
        doc["reference"] = reference
    return doc


def write_goldens(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    n = 0
    for short, desc, positions, market, exp in CASES:
        n += 1
        request = {"positions": positions, "market": market, "model": "deribit-pm"}
        result = evaluate(request)
        check_expectations(short, result, exp)
        check_robust(short, result)
        expected = public({"pools": result["pools"], "totalUsd": result["totalUsd"]})
        doc = _doc(short, desc, revised_rules(result, False, True), request, expected)
        text = _fmt(doc) + "\n"
        # Round-trip: the written request must evaluate to exactly the written expectation.
        again = json.loads(text)
        r2 = evaluate(again["request"])
        assert public({"pools": r2["pools"], "totalUsd": r2["totalUsd"]}) == again["expected"], short
        written.append(("%02d-%s.json" % (n, short), text, result))
    for case in CASES_V2:
        n += 1
        short = case["name"]
        request = {"positions": case["positions"], "market": case["market"],
                   "model": case.get("model", "deribit-pm")}
        result = evaluate(request)
        with_greeks = not result["_collateral"]
        if "check" in case:
            case["check"](result)
        expected = expected_v2(result, with_greeks)
        doc = _doc(short, case["description"], revised_rules(result, with_greeks, False), request,
                   expected, reference_v2(result))
        text = _fmt(doc) + "\n"
        again = json.loads(text)
        assert expected_v2(evaluate(again["request"]), with_greeks) == again["expected"], short
        written.append(("%02d-%s.json" % (n, short), text, result))
    return write_golden_files(out_dir, written)


def write_golden_files(out_dir, written):
    """Write every (name, text, _) of `written` into `out_dir`; a golden there that this run did
    not write is an error (a stale file would be checked against nothing)."""
    names = [w[0] for w in written]
    for stale in sorted(os.listdir(out_dir)):
        if stale.endswith(".json") and stale not in names:
            raise SystemExit("stale golden %s: not written by this script" % stale)
    for name, text, _ in written:
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    return written


def main():
    path, pool = check_fixture()
    print("fixture %s reproduces: worstCase %.11f roll %.11f initial %.11f maintenance %.12f"
          % (os.path.normpath(path), pool["worstCase"], pool["rollShock"], pool["initial"],
             pool["maintenance"]))
    check_laws()
    out_dir = os.path.join(REPO, "tests", "golden", "margin")
    for name, _, result in write_goldens(out_dir):
        if result["_model"] == "span":
            summary = "; ".join("%s %s IM %.6g MM %.6g (std %.6g)"
                                % (p["pool"], p["currency"], p["initial"], p["maintenance"],
                                   p["standard"]["initial"]) for p in result["pools"])
        else:
            summary = "; ".join("%s %s IM %.6g (std %.6g) worst %s %s %s"
                                % (p["pool"], p["currency"], p["initial"], p["standard"]["initial"],
                                   p["worstScenario"]["table"], p["worstScenario"]["priceMove"],
                                   p["worstScenario"]["vol"]) for p in result["pools"])
        print("%-46s %s" % (name, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
