"""Fund accounting: balance roll-forward and indicators.

    interest[t] = rate[t] * opening[t]                                   (interest_on = 'opening')
                = rate[t] * (opening[t] + (income[t] - spending[t]) / 2)  (interest_on = 'mean')
    closing[t]  = opening[t] + income[t] - spending[t] + interest[t],   opening[t+1] = closing[t]

Indicators (units and definitions also in the attrs of the projection's variables):
    reserve months  = closing balance / (spending / 12)   (this year's or next year's spending)
    surplus rate    = (income - spending) / income        (current-year, interest excluded)
    depletion year  = first year whose closing balance is below zero
"""

from __future__ import annotations

import numpy as np


def roll_forward(opening: np.ndarray, income: np.ndarray, spending: np.ndarray | None,
                 rate: np.ndarray, interest_on: str = "opening", *, spend_rate: np.ndarray | None = None):
    """Roll a balance over the year axis (the last axis).

    opening : (...) balance at the start of the first year, CNY
    income, rate : (..., year)
    spending : (..., year), or None when ``spend_rate`` gives it: each year the holders spend
        ``spend_rate`` of what is available (opening balance plus the year's income), as
        personal-account holders do
    returns closing balance, interest and spending, each (..., year), CNY
    """
    if (spending is None) == (spend_rate is None):
        raise ValueError("roll_forward: give exactly one of spending and spend_rate")
    income, rate, given = np.broadcast_arrays(income, rate, spending if spending is not None else spend_rate)
    # new arrays in the memory order of the income (order "K"), so the yearly steps run along it
    closing, interest = np.empty_like(income, dtype=float), np.empty_like(income, dtype=float)
    if spending is not None:     # the year's net flow does not depend on the balance: all years at once
        spent, net = given.copy(order="K"), income - given
    else:
        spent = np.empty_like(income, dtype=float)
    bal = np.broadcast_to(np.asarray(opening, dtype=float), income.shape[:-1]).copy()
    for t in range(income.shape[-1]):  # a recurrence: each year needs the one before
        if spending is None:
            spent[..., t] = given[..., t] * (bal + income[..., t])
        net_t = net[..., t] if spending is not None else income[..., t] - spent[..., t]
        interest[..., t] = rate[..., t] * (bal if interest_on == "opening" else bal + 0.5 * net_t)
        bal = bal + net_t + interest[..., t]
        closing[..., t] = bal
    return closing, interest, spent


def reserve_months(balance: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Months of spending the balance would pay for (累计结余可支付月数); infinite with no
    spending, undefined (NaN) for a ledger with neither balance nor spending (a scheme the
    assumption set does not have)."""
    with np.errstate(all="ignore"):        # a tiny spending overflows to inf, as it should
        return np.where(spending > 0, balance / (spending / 12.0), np.where(balance == 0, np.nan, np.inf))


def surplus_rate(income: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Current-year surplus rate (当期结余率) = (income - spending) / income."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(income > 0, (income - spending) / income, np.nan)


def depletion_year(balance: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year whose closing balance is below zero, along the last axis; NaN if none."""
    below = balance < 0
    first = np.argmax(below, axis=-1)
    return np.where(below.any(axis=-1), np.asarray(years)[first], np.nan)
