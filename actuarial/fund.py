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


def roll_forward(opening: np.ndarray, income: np.ndarray, spending: np.ndarray,
                 rate: np.ndarray, interest_on: str = "opening"):
    """Roll a balance over the year axis (the last axis).

    opening : (...) balance at the start of the first year, CNY
    income, spending, rate : (..., year)
    returns closing balance and interest, both (..., year), CNY
    """
    income, spending, rate = np.broadcast_arrays(income, spending, rate)
    closing = np.empty(income.shape)
    interest = np.empty(income.shape)
    bal = np.broadcast_to(np.asarray(opening, dtype=float), income.shape[:-1]).copy()
    net = income - spending
    for t in range(income.shape[-1]):  # a recurrence: each year needs the one before
        base = bal if interest_on == "opening" else bal + 0.5 * net[..., t]
        interest[..., t] = rate[..., t] * base
        bal = bal + net[..., t] + interest[..., t]
        closing[..., t] = bal
    return closing, interest


def reserve_months(balance: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Months of spending the balance would pay for (累计结余可支付月数)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(spending > 0, balance / (spending / 12.0), np.inf)


def surplus_rate(income: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Current-year surplus rate (当期结余率) = (income - spending) / income."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(income > 0, (income - spending) / income, np.nan)


def depletion_year(balance: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year whose closing balance is below zero, along the last axis; NaN if none."""
    below = balance < 0
    first = np.argmax(below, axis=-1)
    return np.where(below.any(axis=-1), np.asarray(years)[first], np.nan)


def roll_personal_accounts(opening: np.ndarray, credits: np.ndarray, spend_rate: np.ndarray,
                           rate: np.ndarray, interest_on: str = "opening"):
    """Roll personal-account balances over the year axis (the last axis).

    Members spend ``spend_rate`` of what is available in the year (opening balance plus the
    year's credits); interest is credited as in :func:`roll_forward`.
    Returns (closing, spending, interest), each (..., year), CNY."""
    credits, spend_rate, rate = np.broadcast_arrays(credits, spend_rate, rate)
    closing, spending, interest = (np.empty(credits.shape) for _ in range(3))
    bal = np.broadcast_to(np.asarray(opening, dtype=float), credits.shape[:-1]).copy()
    for t in range(credits.shape[-1]):  # a recurrence: spending depends on the opening balance
        spending[..., t] = spend_rate[..., t] * (bal + credits[..., t])
        net = credits[..., t] - spending[..., t]
        base = bal if interest_on == "opening" else bal + 0.5 * net
        interest[..., t] = rate[..., t] * base
        bal = bal + net + interest[..., t]
        closing[..., t] = bal
    return closing, spending, interest
