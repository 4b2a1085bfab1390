#!/usr/bin/env python3
"""Independent reference implementation of portfolio-margin's VaR / ES (`analysis.var`).

    python3 -m pip install numpy==2.4.6      # once
    python3 tests/reference/risk_reference.py

  1. checks the published figures (SPEC §4, ../shared/research/risk-measures.md §2): Hull's
     four-index tail (VaR99 253.385, ES99 327.181; age-weighted λ 0.995: 282.204, 400.914), the
     Cornish-Fisher unit quantiles (2.396116 / 2.629904 / 2.162328), the pure short-gamma book
     (CF 0.99-quantile −4707.882), the normal ES/σ ratios and Hull's delta-gamma moments;
  2. (re)writes every golden case tests/golden/risk/NN-short-name.json, and re-reads each one to
     check that the written request (with its rounded returns) gives exactly the written figures.

Deterministic: same Python and numpy, same bytes. Python 3 + numpy (seeded `default_rng` for the
return series, small matrix algebra, Gauss-Legendre nodes); Black-76, instrument names, the market
object (forwards, smiles) and position resolution are imported from margin_reference.py.

Written from ../shared/SPEC.md (§1 Greeks, §2 inputs, §4 risk measures, §6 report names) and
docs/CONVENTIONS.md only — never from the engine's source — so that the goldens are an
independent check of it. Scope:
  * `method: "historical"`: aligned daily simple returns per underlying (oldest first), h-day
    overlapping compounded windows, optional relative vol changes compounded the same way, full
    revaluation of every position at asOf + h days (option time T − h/365, each forward keeping its
    annualised basis on the shocked index, each option its own σ — iv=, implied from @mark, or the
    surface at its strike — times (1 + vol move); intrinsic at the shocked index once T − h/365 ≤ 0),
    account P&L in USD (inverse P&L converted at the shocked index; coin lines and account collateral
    c·(S′ − S) when `includeCollateral`), the order-statistic VaR and Acerbi-Tasche ES of SPEC §4,
    optional age weights, per-underlying VaR/ES, the diversification benefit and the Euler ES
    contribution of every position line and collateral coin;
  * `method: "delta-gamma"`: per-underlying perpetual-equivalent delta and gamma (SPEC §1), Σ from
    the ATM vol of the first smile slice (or the flat iv) and market.correlations, exact cumulants,
    Cornish-Fisher VaR, ES by Gauss-Legendre quadrature of the CF quantile (cross-checked against
    its closed form), the delta-normal VaR and the moments.
Not covered: Monte Carlo, stress, payoff, margin (margin_reference.py), CSV / JSON position lists,
quantity units.

Golden format: {"name", "description", "tolerance", "request", "expected": {"var": {…}},
"reference"}. `expected.var` is a subset of the report's `var` object (SPEC §6): method,
horizonDays, varConfidence, esConfidence, varUsd, esUsd; historical also scenarios, byUnderlying
{U: {varUsd, esUsd}}, diversificationUsd and contributions (a list of {esUsd}: one per position line
in input order — bare coin lines included — then one per non-stablecoin coin of account.collateral in
key order); delta-gamma also deltaNormalVarUsd and moments {meanUsd, stdUsd, skewness,
excessKurtosis}. `reference` holds intermediate figures for a human reader; no test reads it.

Choices that SPEC leaves open and that this file fixes are marked "CHOICE:".
"""

import json
import math
import os
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import margin_reference as mr  # noqa: E402  (Black-76, names, market: also written from SPEC)

NUMPY_VERSION = "2.4.6"
STABLECOINS = ("USD", "USDC", "USDT")
_NORMAL = statistics.NormalDist()


def norm_ppf(p):
    return _NORMAL.inv_cdf(p)


def norm_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------------------------
# Positions: pasted lines in input order, coin lines kept in place (SPEC §2)
# --------------------------------------------------------------------------------------------

def parse_lines(text):
    """`<instrument> <quantity> [@mark] [iv=vol] [entry=price] [# comment]`, one per line, in order.
    Unlike margin_reference.parse_positions, a bare coin line stays in the list (it has its own
    ES contribution)."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        inst = mr.parse_instrument(tokens[0])
        pos = mr._position(inst, tokens[1], lineno)
        if pos["unit"] is not None:
            raise ValueError("line %d: quantity units are outside this reference" % lineno)
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


def resolve(pos, market):
    """A leg: the position's state today (margin_reference.value_position for instruments)."""
    inst = pos["instrument"]
    if inst["kind"] == "coin":
        coin = inst["underlying"]
        leg = {"name": inst["name"], "kind": "coin", "underlying": coin, "c": pos["quantity"],
               "expired": False, "stable": coin in STABLECOINS}
        if not leg["stable"]:
            leg["S"] = market.underlying(coin).index
        return leg
    v = mr.value_position(pos, market)
    v["stable"] = False
    return v


def collateral_legs(account, market):
    """CHOICE: one leg per non-stablecoin coin of account.collateral, in the key order of the request
    (JSON object order); USD/USDC/USDT count at 1 and do not move, so they have no leg."""
    legs = []
    for coin, amount in ((account or {}).get("collateral") or {}).items():
        coin = coin.upper()
        if coin in STABLECOINS:
            continue
        legs.append({"name": coin, "kind": "coin", "underlying": coin, "c": float(amount),
                     "expired": False, "stable": False, "S": market.underlying(coin).index,
                     "collateral": True})
    return legs


# --------------------------------------------------------------------------------------------
# Historical scenarios and full revaluation (SPEC §4 "Historical", brief conventions)
# --------------------------------------------------------------------------------------------

def compound(series, h):
    """Overlapping h-day compounded windows R_t = Π_{j=t}^{t+h−1}(1 + r_j) − 1, t = 1 … n − h + 1
    (h = 1: the returns themselves)."""
    n = len(series)
    if h == 1:
        return [float(x) for x in series]
    out = []
    for t in range(n - h + 1):
        p = 1.0
        for j in range(t, t + h):
            p *= 1.0 + series[j]
        out.append(p - 1.0)
    return out


def intrinsic(F, K, call):
    return max(F - K, 0.0) if call else max(K - F, 0.0)


def leg_pnl(leg, S1, vol_move, h, r, include_collateral):
    """USD P&L of one leg when its underlying's index goes S → S1 and every σ moves × (1 + vol_move),
    revalued at asOf + h days."""
    if leg["kind"] == "coin":
        if leg["stable"] or not include_collateral:
            return 0.0
        return leg["c"] * (S1 - leg["S"])
    if leg["expired"]:
        return 0.0                       # settled: no scenario P&L
    S, F = leg["S"], leg["F"]
    inverse = leg["settlement"] == "inverse"
    if leg["kind"] == "perpetual":
        F1 = F * S1 / S
    else:
        T1 = leg["T"] - h / 365.0
        if T1 > 0:
            b = math.log(F / S) / leg["T"]
            F1 = S1 * math.exp(b * T1)
        else:
            F1 = S1                      # delivered within the horizon: at the shocked index
    if leg["kind"] == "option":
        T1 = leg["T"] - h / 365.0
        if T1 > 0:
            V1 = mr.black76(F1, leg["strike"], leg["sigma"] * (1.0 + vol_move), T1, r, leg["call"])
        else:
            V1 = intrinsic(F1, leg["strike"], leg["call"])
        if inverse:
            return leg["q"] * (V1 / F1 - leg["B"] / F) * S1
        return leg["q"] * (V1 - leg["B"])
    if inverse:                          # future / perpetual of USD notional N
        return leg["N"] * (1.0 / F - 1.0 / F1) * S1
    return leg["q"] * (F1 - F)           # linear future / perpetual of q coin


# --------------------------------------------------------------------------------------------
# Estimators (SPEC §4 "Estimators")
# --------------------------------------------------------------------------------------------

def tail_weights(losses, alpha, weights=None):
    """(VaR, ES, w): w[i] is scenario i's weight in the ES, so that ES = Σ w·L.

    Equal weights: k = ceil(αN − 1e-9), VaR = L(k), the k − 1 worst at 1/(αN), the k-th at
    (αN − (k − 1))/(αN). Age weights: VaR is the first loss (worst first) at which the cumulative
    weight reaches α (≥ α − 1e-12); before it w_i/α, at it (α − their weight)/α.
    Ties: the earlier scenario first."""
    N = len(losses)
    order = sorted(range(N), key=lambda i: (-losses[i], i))
    w = [0.0] * N
    if weights is None:
        aN = alpha * N
        k = math.ceil(aN - 1e-9)
        var = losses[order[k - 1]]
        es = (sum(losses[i] for i in order[:k - 1]) + (aN - (k - 1)) * var) / aN
        for i in order[:k - 1]:
            w[i] = 1.0 / aN
        w[order[k - 1]] = (aN - (k - 1)) / aN
        return var, es, w, k
    cum = 0.0
    acc = 0.0
    for pos, i in enumerate(order):
        if cum + weights[i] >= alpha - 1e-12:
            var = losses[i]
            es = (acc + (alpha - cum) * var) / alpha
            w[i] = (alpha - cum) / alpha
            return var, es, w, pos + 1
        acc += weights[i] * losses[i]
        w[i] = weights[i] / alpha
        cum += weights[i]
    raise AssertionError("weights do not reach alpha")


def age_weights(N, lam):
    """Scenario i of N (newest = N) weighs λ^(N−i)(1 − λ)/(1 − λ^N).
    CHOICE: for h > 1, N is the number of overlapping windows (n − h + 1), the newest window last."""
    return [lam ** (N - i) * (1.0 - lam) / (1.0 - lam ** N) for i in range(1, N + 1)]


def historical(request):
    market = mr.Market(request["market"])
    cfg = request["analysis"]["var"]
    h = int(cfg.get("horizonDays", 1))
    var_conf = float(cfg.get("varConfidence", 0.99))
    es_conf = float(cfg.get("esConfidence", 0.975))
    include = bool(cfg.get("includeCollateral", True))
    lam = cfg.get("lambda")
    r = market.rate
    legs = [resolve(p, market) for p in parse_lines(request["positions"])]
    legs += collateral_legs(request.get("account"), market)

    unds = []
    for leg in legs:
        if not leg["stable"] and leg["underlying"] not in unds:
            unds.append(leg["underlying"])
    R = {u: compound(cfg["returns"][u], h) for u in unds}
    vol_returns = cfg.get("volReturns") or {}
    V = {u: compound(vol_returns[u], h) if u in vol_returns else [0.0] * len(R[u]) for u in unds}
    N = len(R[unds[0]])
    assert all(len(R[u]) == N and len(V[u]) == N for u in unds)

    pnl = []                              # per leg, per scenario (USD)
    for leg in legs:
        if leg["stable"]:
            pnl.append([0.0] * N)
            continue
        u = leg["underlying"]
        S = market.underlying(u).index
        pnl.append([leg_pnl(leg, S * (1.0 + R[u][t]), V[u][t], h, r, include) for t in range(N)])
    total = [sum(p[t] for p in pnl) for t in range(N)]
    losses = [-x for x in total]
    weights = age_weights(N, float(lam)) if lam is not None else None
    a_var, a_es = 1.0 - var_conf, 1.0 - es_conf
    var, _, _, k_var = tail_weights(losses, a_var, weights)
    _, es, w_es, k_es = tail_weights(losses, a_es, weights)
    _guard_gaps(losses, max(k_var, k_es) + 1, "joint")

    by = {}
    for u in unds:
        lu = [-sum(pnl[j][t] for j, leg in enumerate(legs) if leg["underlying"] == u)
              for t in range(N)]
        vu = tail_weights(lu, a_var, weights)[0]
        eu = tail_weights(lu, a_es, weights)[1]
        by[u] = {"varUsd": vu, "esUsd": eu}
    contributions = [{"esUsd": -sum(w_es[t] * p[t] for t in range(N))} for p in pnl]
    csum = sum(c["esUsd"] for c in contributions)
    assert abs(csum - es) <= 1e-9 * max(1.0, abs(es)), (csum, es)
    out = {"method": "historical", "horizonDays": h, "varConfidence": var_conf,
           "esConfidence": es_conf, "scenarios": N, "varUsd": var, "esUsd": es,
           "byUnderlying": by,
           "diversificationUsd": sum(by[u]["esUsd"] for u in unds) - es,
           "contributions": contributions}
    ref = {"alphaN": {"var": a_var * N, "es": a_es * N}, "tailCount": {"var": k_var, "es": k_es},
           "legs": [_leg_ref(leg) for leg in legs]}
    return out, ref


def _guard_gaps(losses, depth, what):
    """The figures must not hinge on a near-tie: the `depth` worst losses (the tail, the VaR
    scenario and the next one) are at least 1e-6 of the scale apart."""
    s = sorted(losses, reverse=True)
    scale = max(abs(x) for x in losses)
    for i in range(min(depth, len(s) - 1)):
        assert s[i] - s[i + 1] > 1e-6 * scale, "near-tie in the %s tail at %d" % (what, i)


def _leg_ref(leg):
    out = {"instrument": leg["name"]}
    if leg["kind"] == "coin":
        out["coin"] = leg["c"]
    elif leg["expired"]:
        out["expired"] = True
    else:
        out["F"] = leg["F"]
        out["T"] = leg["T"]
        if leg["kind"] == "option":
            out["sigma"] = leg["sigma"]
            out["valueUsdPerCoin"] = leg["B"]
    return out


# --------------------------------------------------------------------------------------------
# Parametric delta-gamma (SPEC §4, §1)
# --------------------------------------------------------------------------------------------

def black76_gamma(F, K, sigma, T, r):
    """∂²V/∂F² per coin: e^(−rT)φ(d1)/(Fσ√T)."""
    sd = sigma * math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * sd * sd) / sd
    return math.exp(-r * T) * norm_pdf(d1) / (F * sd)


def leg_greeks(leg, include_collateral):
    """(delta coin, gamma 1/USD) of SPEC §1: options q·∂V/∂F·F/S and q·∂²V/∂F²·(F/S)²; futures and
    perpetuals their `delta` (linear q·F/S, inverse N/S) and gamma 0 (CONVENTIONS: their other
    Greeks are 0); coin holdings q (when includeCollateral); expired 0."""
    if leg["kind"] == "coin":
        return (leg["c"] if (include_collateral and not leg["stable"]) else 0.0), 0.0
    if leg["expired"]:
        return 0.0, 0.0
    if leg["kind"] == "option":
        g = leg["q"] * black76_gamma(leg["F"], leg["strike"], leg["sigma"], leg["T"], leg["r"])
        return leg["delta"], g * (leg["F"] / leg["S"]) ** 2
    return leg["delta"], 0.0


def atm_vol(und):
    """The ATM implied vol of the first smile expiry (k = ln(K/F) = 0 of the earliest live slice),
    else the flat iv."""
    if und.slices:
        return mr._interp(und.slices[0][1], 0.0)
    if und.flat_iv is None:
        raise ValueError("MISSING_MARKET: no iv for " + und.name)
    return und.flat_iv


def correlation(market_spec, a, b):
    if a == b:
        return 1.0
    c = market_spec.get("correlations") or {}
    for key in (a + "/" + b, b + "/" + a):
        if key in c:
            return float(c[key])
    return 0.0


def cf_w(z, S, K):
    """Cornish-Fisher: w = z + (z²−1)S/6 + (z³−3z)K/24 − (2z³−5z)S²/36."""
    return z + (z * z - 1.0) * S / 6.0 + (z ** 3 - 3.0 * z) * K / 24.0 \
        - (2.0 * z ** 3 - 5.0 * z) * S * S / 36.0


_GL_X, _GL_W = np.polynomial.legendre.leggauss(400)


def cf_tail_integral(alpha, S, K):
    """∫₀^α w(Φ⁻¹(u)) du = ∫_{−∞}^{a} w(z)φ(z) dz, a = Φ⁻¹(α): Gauss-Legendre with 400 nodes on
    [a − 24, a] (φ(a − 24) < 1e-120), cross-checked against the closed form from
    ∫_{−∞}^a He_n φ = −He_{n−1}(a)φ(a): −φ(a)[1 − S²/36 + aS/6 + (a² − 1)(K/24 − S²/18)]."""
    a = norm_ppf(alpha)
    lo = a - 24.0
    half = 0.5 * (a - lo)
    total = 0.0
    for x, wt in zip(_GL_X.tolist(), _GL_W.tolist()):
        z = lo + half * (x + 1.0)
        total += wt * cf_w(z, S, K) * norm_pdf(z)
    total *= half
    closed = -norm_pdf(a) * (1.0 - S * S / 36.0 + a * S / 6.0 + (a * a - 1.0) * (K / 24.0 - S * S / 18.0))
    assert abs(total - closed) <= 1e-12 * max(abs(closed), 1e-3), (total, closed)
    return total


def dg_moments(d, G, Sigma):
    """Exact cumulants of dP = dᵀx + ½xᵀGx, x ~ N(0, Σ), G diagonal: (mean, variance, skew, exkurt)."""
    d = np.asarray(d, dtype=float)
    GS = np.diag(np.asarray(G, dtype=float)) @ Sigma
    GS2 = GS @ GS
    mean = 0.5 * np.trace(GS)
    var = d @ Sigma @ d + 0.5 * np.trace(GS2)
    k3 = np.trace(GS2 @ GS) + 3.0 * (d @ Sigma @ GS @ d)
    k4 = 3.0 * np.trace(GS2 @ GS2) + 12.0 * (d @ Sigma @ GS2 @ d)
    return float(mean), float(var), float(k3 / var ** 1.5), float(k4 / var ** 2)


def cf_figures(mean, var, skew, kurt, alpha_var, alpha_es):
    sd = math.sqrt(var)
    var_usd = -(mean + sd * cf_w(norm_ppf(alpha_var), skew, kurt))
    es_usd = -(mean + sd * cf_tail_integral(alpha_es, skew, kurt) / alpha_es)
    return var_usd, es_usd


def delta_gamma(request):
    market = mr.Market(request["market"])
    cfg = request["analysis"]["var"]
    h = int(cfg.get("horizonDays", 1))
    var_conf = float(cfg.get("varConfidence", 0.99))
    es_conf = float(cfg.get("esConfidence", 0.975))
    include = bool(cfg.get("includeCollateral", True))
    legs = [resolve(p, market) for p in parse_lines(request["positions"])]
    legs += collateral_legs(request.get("account"), market)
    unds, delta, gamma = [], {}, {}
    for leg in legs:
        if leg["stable"]:
            continue
        u = leg["underlying"]
        if u not in unds:
            unds.append(u)
            delta[u] = gamma[u] = 0.0
        dl, gm = leg_greeks(leg, include)
        delta[u] += dl
        gamma[u] += gm
    S = [market.underlying(u).index for u in unds]
    sig = [atm_vol(market.underlying(u)) for u in unds]
    n = len(unds)
    Sigma = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            rho = correlation(request["market"], unds[i], unds[j])
            Sigma[i, j] = S[i] * sig[i] * S[j] * sig[j] * rho * h / 365.0
    d = [delta[u] for u in unds]
    G = [gamma[u] for u in unds]
    mean, var, skew, kurt = dg_moments(d, G, Sigma)
    a_var, a_es = 1.0 - var_conf, 1.0 - es_conf
    var_usd, es_usd = cf_figures(mean, var, skew, kurt, a_var, a_es)
    dn = -norm_ppf(a_var) * math.sqrt(float(np.asarray(d) @ Sigma @ np.asarray(d)))
    out = {"method": "delta-gamma", "horizonDays": h, "varConfidence": var_conf,
           "esConfidence": es_conf, "varUsd": var_usd, "esUsd": es_usd,
           "deltaNormalVarUsd": dn,
           "moments": {"meanUsd": mean, "stdUsd": math.sqrt(var), "skewness": skew,
                       "excessKurtosis": kurt}}
    ref = {"underlyings": {u: {"index": S[i], "sigma": sig[i], "delta": d[i], "gamma": G[i]}
                           for i, u in enumerate(unds)},
           "legs": [_leg_ref(leg) for leg in legs]}
    return out, ref


def evaluate(request):
    method = request["analysis"]["var"].get("method", "monte-carlo")
    if method == "historical":
        return historical(request)
    if method == "delta-gamma":
        return delta_gamma(request)
    raise ValueError("method %r is outside this reference" % method)


# --------------------------------------------------------------------------------------------
# Published checks
# --------------------------------------------------------------------------------------------

def check_published():
    # Hull's four-index portfolio: six worst losses at their scenarios (1-based), the rest smaller.
    tail = {494: 477.841, 339: 345.435, 349: 282.204, 329: 277.041, 487: 253.385, 227: 217.974}
    rng = np.random.default_rng(13)
    losses = [float(x) for x in rng.uniform(-250.0, 200.0, 500)]
    for i, x in tail.items():
        losses[i - 1] = x
    hull_var, hull_es, _, _ = tail_weights(losses, 1.0 - 0.99)
    assert round(hull_var, 3) == 253.385 and round(hull_es, 3) == 327.181, (hull_var, hull_es)
    w = age_weights(500, 0.995)
    var_w, es_w, _, _ = tail_weights(losses, 1.0 - 0.99, w)
    assert round(var_w, 3) == 282.204 and round(es_w, 3) == 400.914, (var_w, es_w)
    assert [round(w[i - 1], 6) for i in (494, 339, 349)] == [0.005283, 0.002429, 0.002554]

    # Cornish-Fisher unit quantiles, p 0.99, S 0.1.
    z = norm_ppf(0.99)
    for K, want in ((0.0, 2.396116), (1.0, 2.629904), (-1.0, 2.162328)):
        assert abs(cf_w(z, 0.1, K) - want) < 5e-7, (K, cf_w(z, 0.1, K))
    for K, want in ((0.0, -2.249053), (1.0, -2.482841), (-1.0, -2.015265)):
        assert abs(cf_w(norm_ppf(0.01), 0.1, K) - want) < 5e-7

    # Pure short gamma: Γ −10 000, δ 0, Ω 1: CF 0.99-quantile of P&L = mean + sd·w(+2.326).
    mean, var, skew, kurt = dg_moments([0.0], [-10000.0], np.array([[1.0]]))
    q99 = mean + math.sqrt(var) * cf_w(z, skew, kurt)
    assert round(q99, 3) == -4707.882, q99

    # Normal ES/σ (S = K = 0): φ(z)/α.
    for c, want in ((0.95, 2.0627128), (0.975, 2.3378028), (0.99, 2.6652142)):
        ratio = -cf_tail_integral(1.0 - c, 0.0, 0.0) / (1.0 - c)
        assert abs(ratio - want) < 5e-8, (c, ratio)

    # Hull problem (research §2.5): ΔP = 12ΔS − 1.3ΔS², ΔS ~ N(0, 0.2²).
    mean, var, skew, kurt = dg_moments([12.0], [-2.6], np.array([[0.04]]))
    assert abs(mean + 0.052) < 1e-12 and abs(math.sqrt(var) - 2.401126) < 5e-7
    assert abs(skew + 0.129898) < 5e-7, skew
    # Delta-normal 95 %: 1.644854 × 120 × 0.02 = 3.94765.
    assert abs(-norm_ppf(0.05) * math.sqrt(144 * 0.04) - 3.94765) < 5e-6

    # A one-underlying historical book against a hand computation: long 1 BTC coin line, N = 4,
    # 50 % tail: k = 2, VaR = 2nd worst loss, ES = mean of the two worst.
    req = {"positions": "BTC 1", "market": {"asOf": mr.AS_OF, "underlyings": {
        "BTC": {"index": 100000, "iv": 0.5}}},
        "analysis": {"var": {"method": "historical", "varConfidence": 0.5, "esConfidence": 0.5,
                             "returns": {"BTC": [0.01, -0.03, 0.02, -0.01]}}}}
    out, _ = evaluate(req)
    assert abs(out["varUsd"] - 1000.0) < 1e-9 and abs(out["esUsd"] - 2000.0) < 1e-9, out
    check_laws()
    return {"hullVar99": hull_var, "hullEs99": hull_es, "hullVar99Aged": var_w, "hullEs99Aged": es_w,
            "shortGammaCf99": q99}


def check_laws():
    """The revaluation against the Greeks of SPEC §1 (instantaneous, h = 0, central differences):
    linear legs move by `delta` per USD of index and curve by `gamma`; inverse legs, whose coin
    P&L is converted at the shocked index, move by `deltaCoinAccount` (∂V/∂F − V/F, USD per USD).
    Equal age weights give the unweighted estimators when αN is an integer."""
    market = mr.Market(mkt(rate=0.02, BTC=BTC_SMILE))
    text = ("BTC_USDC-26MAR27-90000-C 3\nBTC_USDC-25DEC26-85000-P -2\nBTC_USDC-25DEC26 1.5 @95800\n"
            "BTC_USDC-26MAR27 -1\nBTC_USDC-PERPETUAL 0.7 @95050\nBTC 2\n"
            "BTC-25DEC26-100000-C 4\nBTC-26MAR27-80000-P -3\nBTC-26MAR27 100000 @97300\n"
            "BTC-PERPETUAL -50000 @94950")
    S = market.underlying("BTC").index
    for pos in parse_lines(text):
        leg = resolve(pos, market)
        eps = S * 1e-4
        up = leg_pnl(leg, S + eps, 0.0, 0, market.rate, True)
        dn = leg_pnl(leg, S - eps, 0.0, 0, market.rate, True)
        assert abs(leg_pnl(leg, S, 0.0, 0, market.rate, True)) < 1e-9
        slope = (up - dn) / (2 * eps)
        curve = (up + dn) / (eps * eps)
        if leg["kind"] == "coin":
            want = leg["c"]
        elif leg["settlement"] == "inverse":
            want = leg["deltaCoinAccount"]
        else:
            want = leg["delta"]
        assert abs(slope - want) <= 1e-6 * max(1.0, abs(want)), (leg["name"], slope, want)
        if leg["kind"] == "option" and leg["settlement"] == "linear":
            g = leg_greeks(leg, True)[1]
            assert abs(curve - g) <= 1e-4 * abs(g), (leg["name"], curve, g)
    # Equal weights through the weighted estimator: αN = 5 of 500.
    rng = np.random.default_rng(7)
    losses = [float(x) for x in rng.standard_normal(500)]
    a = tail_weights(losses, 0.01)
    b = tail_weights(losses, 0.01, [1.0 / 500] * 500)
    assert abs(a[0] - b[0]) < 1e-12 and abs(a[1] - b[1]) < 1e-12


# --------------------------------------------------------------------------------------------
# Return series (deterministic) and markets
# --------------------------------------------------------------------------------------------

DAILY_VOL = {"BTC": 0.03, "ETH": 0.038, "SOL": 0.05, "XRP": 0.045}
RETURN_CORR = {("BTC", "ETH"): 0.8, ("BTC", "SOL"): 0.7, ("ETH", "SOL"): 0.75,
               ("BTC", "XRP"): 0.6, ("ETH", "XRP"): 0.6, ("SOL", "XRP"): 0.55}


def make_returns(seed, n, coins, with_vol=()):
    """Correlated Student-t(4) daily simple returns scaled to the coin's daily vol (BTC 3 %), rounded
    to 6 decimals; relative vol changes (2.5 % a day, leaning against the price move) likewise."""
    rng = np.random.default_rng(seed)
    m = len(coins)
    C = np.eye(m)
    for i in range(m):
        for j in range(m):
            if i != j:
                C[i, j] = RETURN_CORR.get((coins[i], coins[j]), RETURN_CORR.get((coins[j], coins[i])))
    L = np.linalg.cholesky(C)
    z = rng.standard_normal((n, m)) @ L.T
    chi = rng.chisquare(4.0, size=n)
    t = z / np.sqrt(chi / 4.0)[:, None] / math.sqrt(2.0)        # unit variance for ν = 4
    rets = {}
    for i, c in enumerate(coins):
        x = np.clip(DAILY_VOL[c] * t[:, i], -0.45, 0.6)
        rets[c] = [round(float(v), 6) for v in x]
    vols = {}
    for c in with_vol:
        i = coins.index(c)
        e = rng.standard_normal(n)
        x = np.clip(-0.35 * 0.025 * t[:, i] + 0.025 * e, -0.3, 0.5)
        vols[c] = [round(float(v), 6) for v in x]
    return rets, vols


AS_OF = "2026-11-24T08:00:00Z"

BTC_SMILE = {"index": 95000,
             "futures": {"2026-11-27": 95040, "2026-12-25": 95600, "2027-03-26": 97100},
             "smiles": {
                 "2026-11-27": [[85000, 0.62], [90000, 0.55], [95000, 0.50], [100000, 0.52],
                                [105000, 0.57]],
                 "2026-12-25": [[75000, 0.68], [85000, 0.59], [95000, 0.53], [105000, 0.52],
                                [120000, 0.56]],
                 "2027-03-26": [[65000, 0.70], [80000, 0.61], [95000, 0.56], [110000, 0.545],
                                [140000, 0.58]]}}
BTC_FLAT = {"index": 95000, "carry": 0.05, "iv": 0.55}
BTC_CURVE = {"index": 95000, "futures": {"2026-12-25": 95600, "2027-03-26": 97100}, "iv": 0.55}
ETH_SMILE = {"index": 3400, "futures": {"2026-12-25": 3425, "2027-03-26": 3490},
             "smiles": {"2026-12-25": [[2600, 0.80], [3000, 0.72], [3400, 0.66], [3800, 0.65],
                                       [4400, 0.69]],
                        "2027-03-26": [[2400, 0.82], [3000, 0.72], [3400, 0.68], [4000, 0.67],
                                       [5000, 0.70]]}}
ETH_FLAT = {"index": 3400, "carry": 0.04, "iv": 0.68}
SOL_FLAT = {"index": 180, "carry": 0.06, "iv": 0.85}
XRP_FLAT = {"index": 0.62, "carry": 0.03, "iv": 0.9}


def mkt(as_of=AS_OF, rate=None, correlations=None, **unds):
    m = {"asOf": as_of}
    if rate is not None:
        m["rate"] = rate
    m["underlyings"] = unds
    if correlations is not None:
        m["correlations"] = correlations
    return m


def hist(seed, n, coins, vol=(), **opts):
    rets, vols = make_returns(seed, n, coins, vol)
    cfg = {"method": "historical"}
    cfg.update(opts)
    cfg["returns"] = rets
    if vols:
        cfg["volReturns"] = vols
    return cfg


def dg(**opts):
    cfg = {"method": "delta-gamma"}
    cfg.update(opts)
    return cfg


CORR3 = {"BTC/ETH": 0.8, "BTC/SOL": 0.7, "ETH/SOL": 0.75}

# (short name, description, positions, market, account or None, var config)
CASES = [
    ("btc-inverse-straddle-perp",
     "Short inverse BTC straddle hedged with a BTC-PERPETUAL (USD notional), smiles and futures "
     "term structure, 1 day, default confidences (VaR 99 %, ES 97.5 %; αN 3 and 7.5 of 300).",
     "BTC-25DEC26-95000-C -5\nBTC-25DEC26-95000-P -5\nBTC-PERPETUAL 20000",
     mkt(BTC=BTC_SMILE), None,
     hist(101, 300, ["BTC"])),
    ("btc-linear-spread-futures",
     "Linear BTC_USDC call spread, a dated linear future with @mark and one without (market "
     "forward), a linear perpetual with @mark; flat iv and carry, rate 3 %, 250 days (αN 2.5, 6.25).",
     "BTC_USDC-26MAR27-90000-C 3\nBTC_USDC-26MAR27-110000-C -3\nBTC_USDC-25DEC26 -1.5 @95800\n"
     "BTC_USDC-26MAR27 -0.8\nBTC_USDC-PERPETUAL 0.4 @95050",
     mkt(rate=0.03, BTC=BTC_FLAT), None,
     hist(102, 250, ["BTC"], horizonDays=1)),
    ("btc-eth-collateral",
     "Two underlyings: long inverse BTC call, short ETH-PERPETUAL, short inverse ETH puts, a bare "
     "ETH coin line and account collateral (BTC 1.5, USDC 1000: the USDC does not move); ETH on "
     "smiles, BTC on a flat iv with a futures curve.",
     "BTC-26MAR27-120000-C 4\nETH-PERPETUAL -150000\nETH 10\nETH-25DEC26-3000-P -40",
     mkt(BTC=BTC_CURVE, ETH=ETH_SMILE), {"collateral": {"BTC": 1.5, "USDC": 1000}},
     hist(103, 350, ["BTC", "ETH"])),
    ("three-underlyings-h5",
     "BTC, ETH and SOL with 5-day overlapping compounded windows (400 days → 396 scenarios): "
     "inverse and linear options, a linear SOL future without mark, an inverse ETH future with "
     "@mark; option time shrinks by 5/365.",
     "BTC-25DEC26-100000-C -3\nBTC_USDC-26MAR27-80000-P 2\nETH_USDC-25DEC26-3600-C 25\n"
     "ETH-26MAR27 -200000 @3500\nSOL_USDC-25DEC26-200-C -400\nSOL_USDC-26MAR27 300",
     mkt(BTC=BTC_SMILE, ETH=ETH_FLAT, SOL=SOL_FLAT), None,
     hist(104, 400, ["BTC", "ETH", "SOL"], horizonDays=5)),
    ("age-weighted-short-puts",
     "Age-weighted scenarios (λ 0.995, 500 days, newest last): short BTC puts and long ETH "
     "calls on flat vols; the VaR is the first loss at which the cumulative weight reaches 1 %.",
     "BTC-26MAR27-85000-P -6\nBTC-25DEC26-80000-P -4\nETH_USDC-26MAR27-4000-C 30",
     mkt(BTC=BTC_CURVE, ETH=ETH_FLAT), None,
     hist(105, 500, ["BTC", "ETH"], **{"lambda": 0.995})),
    ("vol-returns-long-strangle",
     "Long linear BTC strangle plus a short BTC_USDC future, with relative vol moves "
     "(volReturns, each σ × (1 + v_t)) leaning against the price move; sticky-strike smile vols.",
     "BTC_USDC-25DEC26-85000-P 5\nBTC_USDC-25DEC26-105000-C 5\nBTC_USDC-25DEC26 -0.4",
     mkt(BTC=BTC_SMILE), None,
     hist(106, 300, ["BTC"], vol=("BTC",))),
    ("calendar-spread-h2-weighted",
     "Inverse BTC calendar spread (short the 3-day 27NOV26, long the 26MAR27 at the same strike), "
     "2-day horizon (the short leg keeps 1 day), compounded vol moves, age weights λ 0.98 over the "
     "overlapping windows, VaR 95 % / ES 99 %.",
     "BTC-27NOV26-95000-C -10\nBTC-26MAR27-95000-C 10",
     mkt(BTC=BTC_SMILE), None,
     hist(107, 320, ["BTC"], vol=("BTC",), horizonDays=2, varConfidence=0.95,
          esConfidence=0.99, **{"lambda": 0.98})),
    ("expiry-within-horizon",
     "asOf 12:00 UTC: an inverse call, a linear put and an inverse future expiring in 20 hours "
     "(1-day horizon: worth intrinsic at the shocked index, the future delivered at it), an "
     "option that expired on 20NOV26 (P&L 0, contribution 0), and an inverse perpetual.",
     "BTC-25NOV26-96000-C -8\nBTC_USDC-25NOV26-94000-P 5\nBTC-25NOV26 -100000\n"
     "BTC-20NOV26-90000-C 2\nBTC-PERPETUAL 300000",
     mkt(as_of="2026-11-24T12:00:00Z",
         BTC={"index": 95000, "futures": {"2026-11-25": 95010, "2026-12-25": 95600}, "iv": 0.5}),
     None,
     hist(108, 260, ["BTC"])),
    ("xrp-sol-linear-0d625",
     "Unusual coin: XRP_USDC options at strikes 0d625 and 0d55, an XRP_USDC perpetual with @mark, "
     "an XRP coin line; SOL linear call and an inverse SOL-PERPETUAL; VaR 95 % / ES 99 %.",
     "XRP_USDC-25DEC26-0d625-C -200000\nXRP_USDC-25DEC26-0d55-P 150000\n"
     "XRP_USDC-PERPETUAL 100000 @0.6215\nXRP 50000\nSOL_USDC-25DEC26-200-C 500\n"
     "SOL-PERPETUAL -30000",
     mkt(XRP=XRP_FLAT, SOL=SOL_FLAT), None,
     hist(109, 300, ["XRP", "SOL"], varConfidence=0.95, esConfidence=0.99)),
    ("collateral-excluded",
     "includeCollateral false: the BTC coin line and the account's BTC, ETH and USDT collateral "
     "do not count (their contributions are 0); BTC options and an inverse ETH future remain.",
     "BTC-25DEC26-90000-P 3\nBTC 0.5\nBTC-26MAR27-110000-C -2\nETH-25DEC26 50000",
     mkt(BTC=BTC_CURVE, ETH=ETH_FLAT), {"collateral": {"BTC": 2, "ETH": 20, "USDT": 5000}},
     hist(110, 280, ["BTC", "ETH"], includeCollateral=False, varConfidence=0.95,
          esConfidence=0.99)),
    ("marks-and-inverse-futures",
     "Inverse futures with and without @mark, an inverse perpetual with @mark, and options whose σ "
     "is implied from their @mark (inverse in coin, linear in USD) and one with iv=; 333 days, "
     "VaR 95 % / ES 99 % (αN 16.65 and 3.33).",
     "BTC-25DEC26 -250000 @95900\nBTC-26MAR27 400000\nBTC-PERPETUAL -100000 @94950\n"
     "BTC-25DEC26-100000-C 3 @0.04\nBTC_USDC-26MAR27-85000-P -2 @4300\n"
     "BTC-26MAR27-130000-C -4 iv=0.61",
     mkt(BTC=BTC_SMILE), {"collateral": {"BTC": 0.8}},
     hist(111, 333, ["BTC"], varConfidence=0.95, esConfidence=0.99)),
    ("dg-btc-short-gamma",
     "Delta-gamma (Cornish-Fisher) on a short inverse BTC straddle with a perpetual hedge: σ is the "
     "ATM vol of the first smile slice (27NOV26, interpolated at k = 0); defaults 1 day, 99 %/97.5 %.",
     "BTC-25DEC26-95000-C -10\nBTC-25DEC26-95000-P -10\nBTC-PERPETUAL 30000",
     mkt(BTC=BTC_SMILE), None, dg()),
    ("dg-btc-eth-correlated",
     "Delta-gamma, two underlyings at ρ 0.8, 2-day horizon: long inverse BTC calls, short linear "
     "ETH puts, an ETH coin line and BTC account collateral (deltas q).",
     "BTC-25DEC26-100000-C 6\nETH_USDC-26MAR27-3000-P -50\nETH 15",
     mkt(BTC=BTC_SMILE, ETH=ETH_SMILE, correlations={"BTC/ETH": 0.8}), {"collateral": {"BTC": 1}},
     dg(horizonDays=2)),
    ("dg-three-underlyings-h5",
     "Delta-gamma over BTC, ETH, SOL (ρ 0.8/0.7/0.75), 5 days, VaR 95 % / ES 99 %: linear and "
     "inverse futures (gamma 0), perpetuals, long and short options, flat ivs.",
     "BTC_USDC-25DEC26 2 @95700\nBTC-26MAR27-90000-P 4\nETH-PERPETUAL 200000\n"
     "ETH-25DEC26-3800-C -60\nSOL_USDC-26MAR27-220-C -800\nSOL-26MAR27 -50000",
     mkt(BTC=BTC_FLAT, ETH=ETH_FLAT, SOL=SOL_FLAT, correlations=CORR3), None,
     dg(horizonDays=5, varConfidence=0.95, esConfidence=0.99)),
    ("dg-xrp-collateral-excluded",
     "Delta-gamma with includeCollateral false: XRP_USDC options at 0d625, BTC inverse options; the "
     "XRP coin line and the BTC collateral give no delta; ρ(BTC, XRP) absent → 0.",
     "XRP_USDC-26MAR27-0d625-C -300000\nXRP 100000\nBTC-26MAR27-110000-C -3\n"
     "BTC-26MAR27-80000-P 3",
     mkt(BTC=BTC_CURVE, XRP=XRP_FLAT), {"collateral": {"BTC": 2}},
     dg(includeCollateral=False)),
]


# --------------------------------------------------------------------------------------------
# Writing the goldens
# --------------------------------------------------------------------------------------------

def build_request(positions, market, account, cfg):
    req = {"positions": positions, "market": market}
    if account is not None:
        req["account"] = account
    req["analysis"] = {"var": cfg}
    return req


def write_goldens(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for n, (short, desc, positions, market, account, cfg) in enumerate(CASES, 1):
        request = build_request(positions, market, account, cfg)
        # Compute from the request as written (returns rounded to 6 decimals, parsed back).
        request = json.loads(json.dumps(request))
        out, ref = evaluate(request)
        doc = {"name": short, "description": desc, "tolerance": 1e-9, "request": request,
               "expected": mr.public({"var": out}), "reference": mr.public(ref)}
        text = mr._fmt(doc) + "\n"
        again = json.loads(text)
        assert mr.public({"var": evaluate(again["request"])[0]}) == again["expected"], short
        written.append(("%02d-%s.json" % (n, short), text, out))
    return mr.write_golden_files(out_dir, written)


def main():
    if np.__version__ != NUMPY_VERSION:
        print("warning: numpy %s, the goldens were made with %s (the return series may differ)"
              % (np.__version__, NUMPY_VERSION), file=sys.stderr)
    pub = check_published()
    print("published checks: Hull VaR99 %.3f ES99 %.3f, aged %.3f / %.3f; short-gamma CF99 %.3f"
          % (pub["hullVar99"], pub["hullEs99"], pub["hullVar99Aged"], pub["hullEs99Aged"],
             pub["shortGammaCf99"]))
    for name, _, out in write_goldens(os.path.join(REPO, "tests", "golden", "risk")):
        extra = ""
        if out["method"] == "historical":
            extra = "N %d div %.2f" % (out["scenarios"], out["diversificationUsd"])
        else:
            extra = "dN %.2f skew %.4f exk %.4f" % (out["deltaNormalVarUsd"],
                                                    out["moments"]["skewness"],
                                                    out["moments"]["excessKurtosis"])
        print("%-40s %-11s VaR %14.4f ES %14.4f %s"
              % (name, out["method"], out["varUsd"], out["esUsd"], extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
