#!/usr/bin/env python3
"""Independent Black-76 reference values for portfolio-margin -> tests/golden/black76.json.

Generates:
  "cases"            Black-76 price and Greeks (per 1 coin long, USD terms, exactly as defined in
                     docs/CONVENTIONS.md "Valuation and Greeks"); inverse cases also carry the coin
                     fields priceCoin, deltaCoinAccount, vegaCoin, thetaCoin, rhoCoin.
  "impliedVol"       (price, sigma) pairs with a well-posed inversion.
  "impliedVolErrors" inputs the implied-vol solver must reject with a typed error code.

Regenerate (from the repository root):
  python3 tests/reference/black76_reference.py > tests/golden/black76.json
  python3 tests/reference/black76_reference.py tests/golden/black76.json      # same, to a file
Requires: pip install QuantLib==1.44 mpmath==1.3.0   (Python 3.11). Random seed: SEED = 20261124.

How the numbers are made:
  * Every value written to the file is computed in mpmath at 60 significant digits from the closed
    forms, then rounded once to a float (values below ~5e-324 underflow to 0.0).
  * The closed forms are verified against mpmath numerical derivatives of the mpmath price
    (mp.diff, exact to ~1e-30): delta, gamma, vega, theta, rho, vanna, volga.
  * QuantLib's BlackCalculator is an independent cross-check of price, delta, gamma and vega:
    it must agree to 1e-12 relative, or 1e-13 of the Greek's natural scale where the value is near
    zero (QuantLib's double arithmetic cannot resolve deep-OTM prices relative to themselves, which
    is why the mpmath values, not QuantLib's, are written).
  * QuantLib conventions: deltaForward() and gammaForward() already include the discount factor D,
    so they equal our delta/gamma as is; vega(T) is per unit of vol (ours = /100). QuantLib's rho(T)
    holds spot (not the forward) fixed, and theta(spot, T) likewise, so ours are computed in mpmath.
"""
import json
import random
import sys

import mpmath as mp
import QuantLib as ql

SEED = 20261124
mp.mp.dps = 60
CALL, PUT = "call", "put"


def black76(cp, F, K, T, s, r):
    """Price and Greeks per docs/CONVENTIONS.md, in mpmath (inputs are exact floats)."""
    F, K, T, s, r = map(mp.mpf, (F, K, T, s, r))
    sq = mp.sqrt(T)
    d1 = (mp.log(F / K) + s * s * T / 2) / (s * sq)
    d2 = d1 - s * sq
    D = mp.exp(-r * T)
    if cp == CALL:
        price, delta = D * (F * mp.ncdf(d1) - K * mp.ncdf(d2)), D * mp.ncdf(d1)
    else:
        price, delta = D * (K * mp.ncdf(-d2) - F * mp.ncdf(-d1)), -D * mp.ncdf(-d1)
    pdf = mp.npdf(d1)
    vega = D * F * pdf * sq / 100
    return {
        "price": price,
        "delta": delta,
        "gamma": D * pdf / (F * s * sq),
        "vega": vega,
        "theta": (r * price - D * F * pdf * s / (2 * sq)) / 365,
        "rho": -T * price / 100,
        "vanna": -D * pdf * d2 / s / 100,
        "volga": vega * d1 * d2 / s / 100,
    }


def mp_price(cp, F, K, T, s, r):
    return black76(cp, F, K, T, s, r)["price"]


def check_by_differentiation(cp, F, K, T, s, r, g):
    """Closed forms vs numerical derivatives of the mpmath price (independent of the formulas)."""
    V = lambda f, t, v, q: mp_price(cp, f, K, t, v, q)
    x = (mp.mpf(F), mp.mpf(T), mp.mpf(s), mp.mpf(r))
    fd = {
        "delta": mp.diff(V, x, (1, 0, 0, 0)),
        "gamma": mp.diff(V, x, (2, 0, 0, 0)),
        "vega": mp.diff(V, x, (0, 0, 1, 0)) / 100,
        "theta": -mp.diff(V, x, (0, 1, 0, 0)) / 365,
        "rho": mp.diff(V, x, (0, 0, 0, 1)) / 100,
        "vanna": mp.diff(V, x, (1, 0, 1, 0)) / 100,
        "volga": mp.diff(V, x, (0, 0, 2, 0)) / 10000,
    }
    for k, v in fd.items():
        assert abs(v - g[k]) <= mp.mpf(10) ** -25 * (abs(g[k]) + abs(g["price"]) / F), (k, cp, F, K, T, s, r)


def check_quantlib(cp, F, K, T, s, r, g):
    D = float(mp.exp(-mp.mpf(r) * T))
    opt = ql.Option.Call if cp == CALL else ql.Option.Put
    bc = ql.BlackCalculator(ql.PlainVanillaPayoff(opt, K), F, s * T ** 0.5, D)
    got = {"price": bc.value(), "delta": bc.deltaForward(), "gamma": bc.gammaForward(), "vega": bc.vega(T) / 100}
    scale = {"price": D * max(F, K), "delta": D, "gamma": D / (F * s * T ** 0.5), "vega": D * F * T ** 0.5 / 100}
    for k, q in got.items():
        ref = float(g[k])
        assert abs(q - ref) <= 1e-12 * abs(ref) + 1e-13 * scale[k], (k, q, ref, cp, F, K, T, s, r)


def sig6(x):
    return float(f"{x:.6g}")


def loguniform(rng, lo, hi):
    return float(mp.exp(rng.uniform(float(mp.log(lo)), float(mp.log(hi)))))


NAMED_FORWARDS = [95000.0, 3400.0, 240.0, 0.6]  # BTC, ETH, SOL, XRP


def random_inputs(rng):
    if rng.random() < 0.6:
        F = sig6(rng.choice(NAMED_FORWARDS) * rng.uniform(0.9, 1.1))
    else:
        F = sig6(loguniform(rng, 0.5, 200000))
    T = loguniform(rng, 1 / 8760, 3)
    s = loguniform(rng, 0.05, 5)
    if rng.random() < 0.75:  # mostly within 4 standard deviations, where the Greeks are not ~0
        w = 4 * s * T ** 0.5
        m = float(mp.exp(rng.uniform(max(-w, float(mp.log(0.3))), min(w, float(mp.log(3))))))
    else:
        m = loguniform(rng, 0.3, 3)
    K = sig6(F * m)
    r = rng.choices([0.0, 0.05, -0.01], weights=[80, 12, 8])[0]
    return rng.choice([CALL, PUT]), F, K, T, s, r


def edge_inputs():
    out = []
    for m in (0.9, 0.99, 1.0, 1.01, 1.1):              # one hour to expiry
        for s in (0.05, 0.5, 5.0):
            for cp in (CALL, PUT):
                out.append((cp, 95000.0, sig6(95000 * m), 1 / 8760, s, 0.0))
    for m in (0.3, 3.0):                                 # deep ITM / OTM, tiny time value
        for T in (1 / 8760, 1 / 365):
            for s in (0.05, 0.3):
                for cp in (CALL, PUT):
                    out.append((cp, 3400.0, sig6(3400 * m), T, s, 0.05 if T > 0.001 else 0.0))
    for m in (0.3, 1.0, 3.0):                            # very high vol, long dated
        for T in (1.0, 3.0):
            for cp in (CALL, PUT):
                out.append((cp, 240.0, sig6(240 * m), T, 5.0, -0.01 if T > 2 else 0.0))
    for F in NAMED_FORWARDS:                             # at the money, 30 days, each rate
        for r in (0.0, 0.05, -0.01):
            out.append((CALL if r else PUT, F, F, 30 / 365, 0.55, r))
    return out


def make_case(i, cp, F, K, T, s, r):
    g = black76(cp, F, K, T, s, r)
    check_by_differentiation(cp, F, K, T, s, r, g)
    check_quantlib(cp, F, K, T, s, r, g)
    settlement = "inverse" if i % 2 == 0 else "linear"
    case = {"id": i, "callPut": cp, "settlement": settlement, "forward": F, "strike": K,
            "tYears": T, "sigma": s, "rate": r}
    case.update({k: float(v) for k, v in g.items()})
    if settlement == "inverse":
        case.update({"priceCoin": float(g["price"] / F), "deltaCoinAccount": float(g["delta"] - g["price"] / F),
                     "vegaCoin": float(g["vega"] / F), "thetaCoin": float(g["theta"] / F),
                     "rhoCoin": float(g["rho"] / F)})
    return case


def implied_vol_case(rng):
    """A random case whose inversion is well-posed; None if it is not."""
    cp, F, K, T, s, r = random_inputs(rng)
    D = mp.exp(-mp.mpf(r) * T)
    price = mp_price(cp, F, K, T, s, r)
    intrinsic = D * max(F - K if cp == CALL else K - F, 0)
    maximum = D * (F if cp == CALL else K)
    if (price - intrinsic) / D < 1e-8 * F or (maximum - price) / D < 1e-8 * F:
        return None
    p = float(price)  # the file holds the rounded price: the sigma it implies must still be sigma
    back = mp.findroot(lambda v: mp_price(cp, F, K, T, v, r) - p, mp.mpf(s))
    if abs(back - s) > 1e-9 * s:
        return None
    return {"callPut": cp, "forward": F, "strike": K, "tYears": T, "rate": r, "price": p, "sigma": s}


def implied_vol_errors():
    D5 = float(mp.exp(-mp.mpf("0.05") * 0.25))
    rows = [
        (CALL, 95000.0, 80000.0, 0.1, 0.0, 14999.0, "BELOW_INTRINSIC"),
        (PUT, 3400.0, 4000.0, 0.25, 0.05, 600 * D5 - 0.01, "BELOW_INTRINSIC"),
        (PUT, 95000.0, 80000.0, 0.1, 0.0, -1e-6, "BELOW_INTRINSIC"),
        (CALL, 0.6, 0.3, 1 / 8760, 0.0, 0.29, "BELOW_INTRINSIC"),
        (CALL, 95000.0, 100000.0, 0.5, 0.0, 95000.0, "ABOVE_MAXIMUM"),
        (CALL, 3400.0, 3000.0, 0.25, 0.05, 3400 * D5 * 1.01, "ABOVE_MAXIMUM"),
        (PUT, 240.0, 200.0, 1.0, 0.0, 200.0, "ABOVE_MAXIMUM"),
        (PUT, 95000.0, 90000.0, 0.25, 0.05, 90000 * D5 + 1, "ABOVE_MAXIMUM"),
        (CALL, 95000.0, 95000.0, 0.0, 0.0, 1000.0, "NO_TIME_LEFT"),
        (PUT, 3400.0, 3000.0, -0.01, 0.0, 50.0, "NO_TIME_LEFT"),
        (CALL, 240.0, 250.0, -1.0, 0.05, 5.0, "NO_TIME_LEFT"),
    ]
    keys = ("callPut", "forward", "strike", "tYears", "rate", "price", "error")
    return [{"id": i, **dict(zip(keys, row))} for i, row in enumerate(rows, 1)]


def main():
    rng = random.Random(SEED)
    inputs = edge_inputs() + [random_inputs(rng) for _ in range(560)]
    cases = [make_case(i, *args) for i, args in enumerate(inputs, 1)]
    iv = []
    while len(iv) < 240:
        c = implied_vol_case(rng)
        if c is not None:
            iv.append({"id": len(iv) + 1, **c})
    header = {"generator": "tests/reference/black76_reference.py", "quantlib": ql.__version__,
              "mpmath": mp.__version__, "seed": SEED, "conventions": "docs/CONVENTIONS.md"}
    parts = [json.dumps(header)[:-1]]
    for name, rows in (("cases", cases), ("impliedVol", iv), ("impliedVolErrors", implied_vol_errors())):
        parts.append(f', "{name}": [\n' + ",\n".join(json.dumps(row) for row in rows) + "\n]")
    text = "".join(parts) + "}\n"
    json.loads(text)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print(f"{len(cases)} cases, {len(iv)} impliedVol, {len(implied_vol_errors())} impliedVolErrors",
          file=sys.stderr)


if __name__ == "__main__":
    main()
