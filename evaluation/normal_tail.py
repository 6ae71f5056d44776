"""The two-sided tail of the standard normal distribution for a whole column of z values.

Polars has no erfc, and a Python call per row would be the loop the analysis avoids; so the tail is
computed with whole-column arithmetic from two classical expansions, each over only the values in
the range where it converges fast.
"""

from __future__ import annotations

import math

import polars as pl

_SERIES_TERMS = 30
_FRACTION_DEPTH = 80
_SERIES_BELOW = 1.5


def two_sided_p(z: pl.Series) -> pl.Series:
    """2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2) for a whole column at once (Polars has no erfc); nulls stay null.

    Below x = 1.5, erfc = 1 - erf with erf from its series 2/sqrt(pi) e^(-x^2) sum (2x^2)^k x / (2k+1)!!
    (all terms positive, so no cancellation inside the sum); from 1.5 up, Laplace's continued fraction
    erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), which converges fast there.
    Both run to a fixed depth, each over only the values in its range, as whole-column arithmetic (about
    0.4 s for 2.4 million values). Against ``math.erfc`` the relative error is below 1e-12 for every
    p-value above 1e-300 (tests/evaluation/test_compare_frames.py).
    """
    x = z.cast(pl.Float64).abs() / math.sqrt(2)
    below = x < _SERIES_BELOW
    small, large = below.fill_null(False).arg_true(), (~below).fill_null(False).arg_true()
    out = pl.repeat(None, len(z), dtype=pl.Float64, eager=True).alias(z.name)
    xs = x.gather(small)
    y = 2 * xs * xs
    h = pl.repeat(1.0, len(xs), dtype=pl.Float64, eager=True)
    for k in range(_SERIES_TERMS, 0, -1):
        h = 1 + y / (2 * k + 1) * h
    out.scatter(small, 1 - 2 / math.sqrt(math.pi) * (-(xs * xs)).exp() * xs * h)
    xl = x.gather(large)
    f = xl
    for k in range(_FRACTION_DEPTH, 0, -1):
        f = xl + (k / 2) / f
    out.scatter(large, (-(xl * xl)).exp() / math.sqrt(math.pi) / f)
    return out
