"""The year loop of the province pass: every region's fund ledgers re-rolled, year by year and
draw by draw, with out-of-area charges, adjustment-fund transfers and management actions, so
that each year's transfers and actions change the balance, the interest and the next year's
state. Vectorised over (region, draw); the loops run over years (each needs the one before)
and over the declared schemes.

For one scheme's fund, region r, draw d, year t (I0, S0: the kernel's fund income and spending;
C: its claim spending after out-of-area care; m, b: rate and benefit factors in force; h = 0 for
interest on the opening balance, 1/2 on the mean)::

    I  = I0 + (m - 1) G                    income; a rate rise scales every income source G of the scheme
                                           (income is linear in the rate) and all of the extra goes to the fund
    S  = S0 - (1 - b) C                    spending; the benefit cut scales the fund's share of claims
    c  = adjustment-fund contribution
    pre-action closing  B* = O + (I - S - c) + r (O + h (I - S - c))
    an inflow x raises the closing balance by x (1 + h r), so the inflow that brings it to a line
    L = months x S / 12 is  need(L) = max(L - B*, 0) / (1 + h r)

Layers, in the configured order, each paying what is still needed (``X``: inflows so far):
reserves (no money moves: reported as min(max(S + c - I, 0), max(O, 0))); adjustment_fund
(need(cover line) - X, pro rata to the pot); fiscal_topup (min(need(floor) - X, cap S));
rate_rise (decides a step min(step, total left, gap / G) applied from t + lag); benefit_cut
(the same against C). Then ``closing = O + net + interest`` with the same operations as
:func:`actuarial.fund.roll_forward`, so with nothing to do the numbers are unchanged to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params.province import LAYERS, Actions, AdjustmentFund
from . import pooling


@dataclass
class FundPaths:
    """One scheme's fund in every region: (R, D, T) arrays unless stated, CNY."""

    opening: np.ndarray        # (R,) balance at 1 January of the base year
    income: np.ndarray         # I0
    gross: np.ndarray          # G, the scheme's income from every source (what a rate rise scales)
    spending: np.ndarray       # S0 with out-of-area charges
    claims: np.ndarray         # C, claim spending with out-of-area charges
    rate: np.ndarray           # interest rate, fraction a year
    half: float                # h: 0 (interest on opening) or 0.5 (on the mean)


@dataclass
class FundResult:
    income: np.ndarray
    spending: np.ndarray
    interest: np.ndarray
    balance: np.ndarray
    transfer: np.ndarray       # adjustment_transfer, positive into the region
    paid: np.ndarray           # (R, D, T, layer) action_paid
    rate_factor: np.ndarray    # m in force
    benefit_factor: np.ndarray # b in force
    pot_balance: np.ndarray    # (D, T) adjustment fund at 31 December
    pot_income: np.ndarray     # (D, T) contributions received
    other_income: np.ndarray   # adjustment payments, returns and top-ups received
    other_spending: np.ndarray # contributions paid into the adjustment fund


def run_fund(f: FundPaths, adjust: AdjustmentFund | None, actions: Actions | None) -> FundResult:
    """Re-roll one scheme's fund in every region with the adjustment fund and the actions."""
    R, D, T = f.income.shape
    lag = actions.lag_years if actions is not None else 1
    m = np.ones((R, D, T + lag))
    b = np.ones((R, D, T + lag))
    out = {k: np.zeros((R, D, T)) for k in ("income", "spending", "interest", "balance", "transfer", "in", "out")}
    paid = np.zeros((R, D, T, len(LAYERS)))
    pot_bal, pot_in = np.zeros((D, T)), np.zeros((D, T))
    order = tuple(actions.order) if actions is not None else ("reserves",)
    if adjust is not None and "adjustment_fund" not in order:   # the pot pays wherever it is pooled
        order = order[:1] + ("adjustment_fund",) + order[1:] if order[:1] == ("reserves",) else \
            ("adjustment_fund",) + order
    floor = float(actions.floor_months.value) if actions is not None else 0.0
    bal = np.broadcast_to(np.asarray(f.opening, dtype=float)[:, None], (R, D)).copy()
    pot = np.zeros(D)
    for t in range(T):
        I0, C, r = f.income[..., t], f.claims[..., t], f.rate[..., t]
        G = f.gross[..., t]
        rise, cut = G * (m[..., t] - 1.0), C * (1.0 - b[..., t])
        inc, spend = I0 + rise, f.spending[..., t] - cut
        c = pooling.contributions(adjust.basis, float(adjust.contribution_rate.value), inc, spend) \
            if adjust is not None else np.zeros((R, D))
        net0 = inc - spend - c
        pre = bal + net0 + r * (bal + f.half * net0)
        grow = 1.0 + f.half * r

        def need(months):
            return np.maximum(months * spend / 12.0 - pre, 0.0) / grow

        X = np.zeros((R, D))
        back = np.zeros((R, D))
        if adjust is not None:
            pot = pot + c.sum(axis=0)
        for layer in order:
            k = LAYERS.index(layer)
            if layer == "reserves":
                paid[..., t, k] = np.minimum(np.maximum(spend + c - inc, 0.0), np.maximum(bal, 0.0))
            elif layer == "adjustment_fund" and adjust is not None:
                got = pooling.pay_out(np.maximum(need(float(adjust.cover_below_months.value)) - X, 0.0), pot)
                pot = pot - got.sum(axis=0)
                paid[..., t, k] = got
                X = X + got
            elif layer == "fiscal_topup":
                x = np.minimum(np.maximum(need(floor) - X, 0.0), float(actions.fiscal_topup_cap.value) * spend)
                paid[..., t, k] = x
                X = X + x
            elif layer in ("rate_rise", "benefit_cut"):
                gap = np.maximum(need(floor) - X, 0.0)
                base, factor, sign = (G, m, 1.0) if layer == "rate_rise" else (C, b, -1.0)
                step_cap = float((actions.rate_rise_step if sign > 0 else actions.benefit_cut_step).value)
                total = float((actions.rate_rise_total if sign > 0 else actions.benefit_cut_total).value)
                used = np.abs(factor[..., min(t + lag, T + lag - 1)] - 1.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    want = np.where(base > 0, gap / base, 0.0)
                step = np.where(gap > 0, np.clip(np.minimum(step_cap, total - used), 0.0, None), 0.0)
                step = np.minimum(step, want)
                factor[..., t + lag:] += sign * step[..., None]
                X = X + step * base      # counted against the gap (it pays from t + lag)
        if adjust is not None and not adjust.keep_balance:
            back = pooling.give_back(pot, c)
            pot = np.zeros(D)
        topup = paid[..., t, LAYERS.index("fiscal_topup")]
        got = paid[..., t, LAYERS.index("adjustment_fund")]
        income = inc + got + back + topup
        spending = spend + c
        net = income - spending
        interest = r * (bal if f.half == 0 else bal + 0.5 * net)
        bal = bal + net + interest
        out["income"][..., t], out["spending"][..., t], out["interest"][..., t] = income, spending, interest
        out["balance"][..., t], out["transfer"][..., t] = bal, got + back - c
        out["in"][..., t], out["out"][..., t] = got + back + topup, c
        paid[..., t, LAYERS.index("rate_rise")] = rise
        paid[..., t, LAYERS.index("benefit_cut")] = cut
        pot_bal[:, t], pot_in[:, t] = pot, c.sum(axis=0)
    return FundResult(out["income"], out["spending"], out["interest"], out["balance"], out["transfer"], paid,
                      m[..., :T], b[..., :T], pot_bal, pot_in, out["in"], out["out"])
