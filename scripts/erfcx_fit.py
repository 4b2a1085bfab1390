#!/usr/bin/env python3
"""The table ERFCX_MID of src/pricing/black76.rs: erfcx(y) = e^(y²)·erfc(y) on 0.46875 < y < 4.

Row max(⌊2y⌋, 1) − 1 (row 0 fits [0.46875, 1], row k ≥ 1 [(k+1)/2, (k+2)/2)) holds y₀
and the 14 coefficients, constant first, of a degree-13 polynomial in t = y − y₀. y₀ is the point
within ±7e-4 of the interval's middle, on a 2⁻²² grid, where erfcx(y₀) is nearest a double (so the
rounding of the constant term costs nothing); the polynomial is mpmath's Chebyshev fit at 200 bits,
rounded to doubles; the script prints each row's maximum relative error with those doubles.

Usage: python3 scripts/erfcx_fit.py > /tmp/table.rs   (needs mpmath)
"""
import math
import sys

import mpmath
from mpmath import mpf

mpmath.mp.prec = 200
DEGREE = 13


def erfcx(y):
    return mpmath.erfc(y) * mpmath.exp(y * y)


def off_ulps(v):
    d = float(v)
    return abs(float((v - mpf(d)) / mpf(math.ulp(d))))


def fit(k):
    lo = mpf(0.46875) if k <= 1 else mpf(k) / 2
    hi = mpf(k + 1) / 2
    middle = mpf(k) / 2 + mpf(1) / 4
    off, y0 = min((off_ulps(erfcx(middle + j * mpf(2) ** -22)), middle + j * mpf(2) ** -22)
                  for j in range(-3000, 3001))
    g = lambda t: erfcx(y0 + t)
    a, b = lo - y0, hi - y0
    poly = mpmath.chebyfit(g, [a, b], DEGREE + 1)
    cs = [mpf(float(c)) for c in reversed(poly)]
    worst = 0
    for i in range(801):
        t = a + (b - a) * i / 800
        p = mpf(0)
        for c in reversed(cs):
            p = p * t + c
        worst = max(worst, abs(p / g(t) - 1))
    print(f"row {k}: y0 {float(y0)!r}, erfcx(y0) {off:.2g} ulp off a double, "
          f"worst relative error {float(worst):.3g}", file=sys.stderr)
    return float(y0), [float(c) for c in cs]


rows = [fit(k) for k in range(1, 8)]
print("const ERFCX_MID: [[f64; 15]; 7] = [")
for y0, cs in rows:
    print("    [")
    for v in [y0] + cs:
        print(f"        {v!r},")
    print("    ],")
print("];")
