"""Benefit models on a distribution of cost per person: limited expected values of a lognormal.

The out-of-pocket cost ``X`` of an enrollee in a year (CNY) is taken as lognormal with mean
``m`` and coefficient of variation ``c`` (within an age band):

    s^2 = ln(1 + c^2),   mu = ln m - s^2 / 2
    LEV(u) = E[min(X, u)] = m * Phi((ln u - mu - s^2) / s) + u * (1 - Phi((ln u - mu) / s))

A layer paying ``r`` of the cost above a deductible ``d``, at most ``cap`` a year, pays
``min(r (X - d)+, cap) = r (min(X, d + cap / r) - min(X, d))``, so its expected payment per
person is

    E[pay] = r * (LEV(d + cap / r) - LEV(d))        (no cap: r * (m - LEV(d)))

and a payer of ``r`` of the whole cost up to ``limit`` a year pays ``r * LEV(limit / r)``.
(Klugman, Panjer & Willmot, *Loss Models*, appendix A: the lognormal's limited moments.)
Every function broadcasts over its arguments; ``m = 0`` gives 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def lognormal_lev(mean, cv, limit) -> np.ndarray:
    """E[min(X, limit)] for X lognormal with ``mean`` and coefficient of variation ``cv`` (CNY):
    ``m Phi(z) + u (1 - Phi(z + s))`` with ``z = (ln u - ln m - s^2 / 2) / s`` (the module's
    formula, regrouped so that the parts without the mean, usually small arrays of bands and
    years, are computed before broadcasting against the means of every draw)."""
    mean = np.asarray(mean, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _lev(mean, np.log(mean), cv, limit)


def _lev(mean: np.ndarray, log_mean: np.ndarray, cv, limit) -> np.ndarray:
    """:func:`lognormal_lev` given ``ln mean`` (the costly part over every draw, shared by the
    limits of a layer). The cases ``limit <= 0`` (0), ``limit = inf`` (the mean) and
    ``mean <= 0`` (0) are looked for before they are applied: checking a small array of
    limits, or the means once, costs less than selecting over every draw.

    Steps over every draw work in place: on this scale (D x T x bands, 0.5 MB) a new array
    costs more in fresh memory than the arithmetic (the same operations, in the same order,
    as the formula written out)."""
    cv, limit = np.asarray(cv, dtype=float), np.asarray(limit, dtype=float)
    s2 = np.log1p(cv * cv)
    s = np.sqrt(s2)
    with np.errstate(all="ignore"):
        inv_s = 1.0 / s
        z = np.asarray((np.log(limit) - 0.5 * s2) - log_mean)          # +-inf when cv = 0: a step
        z *= inv_s
        out = ndtr(z)
        out *= mean                                                      # m Phi(z)
        z += s
        tail = ndtr(z, out=z)        # in place, as every step over the draws: no new memory to fault in
        np.subtract(1.0, tail, out=tail)
        tail *= limit                                                    # u (1 - Phi(z + s))
        out += tail
    if (limit <= 0).any():
        out = np.where(limit <= 0, 0.0, out)
    if np.isinf(limit).any():
        out = np.where(np.isinf(limit), mean, out)
    positive = mean > 0
    return np.asarray(out) if positive.all() else np.where(positive, out, 0.0)


def layer_payment(mean, cv, deductible, ratio, cap=None) -> np.ndarray:
    """Expected yearly payment per person of a layer paying ``ratio`` of the cost above
    ``deductible``, at most ``cap`` a year (None: no cap), CNY."""
    mean, ratio = np.asarray(mean, dtype=float), np.asarray(ratio, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mean = np.log(mean)
    lev_d = _lev(mean, log_mean, cv, deductible)
    if cap is None:
        return _times(np.subtract(mean, lev_d, out=lev_d), ratio)
    with np.errstate(all="ignore"):
        top = np.asarray(deductible, dtype=float) + np.where(ratio > 0, np.asarray(cap, dtype=float) / ratio, 0.0)
    lev_top = _lev(mean, log_mean, cv, top)
    return _times(np.subtract(lev_top, lev_d, out=lev_top if lev_top.shape == lev_d.shape else None), ratio)


def limited_share(mean, cv, ratio, limit) -> np.ndarray:
    """Expected yearly payment per person of a payer of ``ratio`` of the cost, at most ``limit``
    a year: ``E[min(ratio X, limit)] = ratio * LEV(limit / ratio)``, CNY."""
    ratio = np.asarray(ratio, dtype=float)
    with np.errstate(all="ignore"):
        u = np.where(ratio > 0, np.asarray(limit, dtype=float) / ratio, 0.0)
    return _times(lognormal_lev(mean, cv, u), ratio)


def _times(x: np.ndarray, factor) -> np.ndarray:
    """``x * factor``, in the memory of ``x`` (a new array of this function's) when it can hold
    the product."""
    return np.multiply(x, factor, out=x if np.broadcast_shapes(x.shape, np.shape(factor)) == x.shape else None)


def band_masks(bands) -> np.ndarray:
    """(B, age) indicators of the age bands starting at ``bands`` (the last one open)."""
    from ..dims import AGES
    edges = list(bands) + [AGES[-1] + 1]
    return np.stack([(AGES >= lo) & (AGES < hi) for lo, hi in zip(edges[:-1], edges[1:])]).astype(float)
