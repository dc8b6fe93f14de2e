"""Pooling across the regions of a province: out-of-area care (异地就医) and the provincial
adjustment fund (调剂金). Pure functions over arrays; the year loop that calls them is
:mod:`.actions`. Equations in ``docs/province.md``.

Out-of-area care. Region r's members incur a share ``a_r`` of the fund's claim spending away
from home: a share ``o`` of it outside the province (price factor ``p_out``), the rest in the
other regions d != r by destination weight ``w_d`` (price factor ``p_in``)::

    s[r, d]       = a_r (1 - o) w_d / sum_{d' != r} w_d'        (d != r; 0 for d = r)
    s[r, outside] = a_r o
    f_r           = 1 + sum_d s[r, d] (p_in - 1) + s[r, outside] (p_out - 1)
    claims'_r     = claims_r f_r                               (charged to the home fund)
    settlement[r, d] = claims_r s[r, d] p                      (CNY the home fund settles with d)

The destination's fund advances the care and is paid back by the home fund within the year,
so the destination's balance is unchanged; the home fund bears the price difference.

Adjustment fund, each year and draw, for each pooled scheme::

    contribution_r = rate * max(income_r, 0)         (basis 'income')
                   = rate * max(income_r - spending_r, 0)   (basis 'surplus')
    available      = pot opening + sum_r contribution_r
    paid_r         = request_r * min(1, available / sum_r request_r)
    pot closing    = available - sum_r paid_r         (keep_balance; else returned pro rata to
                                                      contributions and the pot closes at 0)
    transfer_r     = paid_r + returned_r - contribution_r,  sum_r transfer_r + (pot closing - pot opening) = 0
"""

from __future__ import annotations

import numpy as np

from ..params.province import OutOfArea


def out_of_area_shares(o: OutOfArea | None, regions: list[str]) -> np.ndarray:
    """Shares s[r, d] of each home region's claim spending incurred in destination d (the
    regions, then ``outside``): a (R, R + 1) array of fractions; zeros without a section."""
    R = len(regions)
    s = np.zeros((R, R + 1))
    if o is None:
        return s
    w = np.array([o.destination_weight.get(r) for r in regions])
    out = float(o.outside_share.value)
    for i, r in enumerate(regions):
        a = o.away_share.get(r)
        others = np.where(np.arange(R) == i, 0.0, w)
        inside = a * (1 - out) if others.sum() > 0 else 0.0   # no destination in the province: all outside
        s[i, :R] = inside * others / others.sum() if others.sum() > 0 else 0.0
        s[i, R] = a - inside
    return s


def price_factors(o: OutOfArea | None, R: int) -> np.ndarray:
    """Price factor of each destination (R + 1,): ``price_factor`` in the province,
    ``outside_price_factor`` outside it (ones without a section)."""
    if o is None:
        return np.ones(R + 1)
    return np.r_[np.full(R, float(o.price_factor.value)), float(o.outside_price_factor.value)]


def cost_factor(shares: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """f_r = 1 + sum_d s[r, d] (price_d - 1): home claims -> claims charged to the home fund (R,)."""
    return 1.0 + shares @ (prices - 1.0)


def settlement(claims: np.ndarray, shares: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Money each home fund settles with each destination: claims (R, ...) at home prices ->
    (R, ..., R + 1) CNY."""
    return claims[..., None] * np.expand_dims(shares * prices, tuple(range(1, claims.ndim)))



def contributions(basis: str, rate: float, income: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Each region's payment into the adjustment fund (R, D), CNY."""
    if basis == "income":   # a fund whose income is negative (credits above contributions) pays nothing
        return rate * np.maximum(income, 0.0)
    return rate * np.maximum(income - spending, 0.0)


def pay_out(requests: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Payments to the regions (R, D): their requests, pro rata cut to what the pot holds (D,)."""
    total = requests.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = np.where(total > available, available / total, 1.0)
    return requests * np.clip(scale, 0.0, 1.0)


def give_back(left: np.ndarray, paid_in: np.ndarray) -> np.ndarray:
    """What the pot returns at year end when it keeps no balance: ``left`` (D,) pro rata to what
    each region paid in (R, D)."""
    total = paid_in.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(total > 0, left * paid_in / total, 0.0)
