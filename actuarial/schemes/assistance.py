"""Medical assistance (医疗救助), the third layer of the three-layer protection (三重保障).

A scheme of its own with no member status: its beneficiaries are a share of the resident
scheme's enrollees (low-income, 特困 and 低保 groups), read from the resident scheme's flows
(``Members.earlier``). It is a fiscal account apart from the insurance funds (医疗救助基金,
financed by the budgets, not by premiums), so it has its own ledger and indicators rather than
being a ledger of the resident scheme; what it pays into the resident fund is a transfer
between ledgers, which keeps both funds' accounts whole.

    assisted premiums_t = premiums due_t * assisted share_t * premium share paid_t
                          (transfer ``assistance_premiums``: medical assistance -> resident fund)
    assisted costs_t    = sum_b enrolled member-years_b * assisted share_t
                          * r_t E[min(X_b, limit_t / r_t)]
    fiscal income_t     = (assisted premiums_t + assisted costs_t) * fiscal funding ratio_t

``X_b`` is the remaining cost after the basic fund and critical-illness insurance of an
assisted person in age band ``b``: lognormal with mean (band mean out-of-pocket cost - band
critical-illness payment) x cost factor and the critical-illness model's coefficient of
variation (``assistance.cost_cv``, or else the critical-illness section's ``cost_cv``). Section ``assistance``; without it the
scheme's flows are zero.
"""

from __future__ import annotations

import numpy as np


from .base import Flows, Ledger, Line, Members, Scheme, Transfer
from .benefits import limited_share
from .resident import SCHEME as RESIDENT

def resolve(a, years) -> dict:
    """The assistance parameters over ``years``; None without the section."""
    cfg = a.config.assistance
    if cfg is None:
        return {"on": False}
    s = lambda path: a.values(path, years)  # noqa: E731
    return {"on": True, "assisted_share": s("assistance.assisted_share"),
            "premium_share": s("assistance.premium_share_paid"), "cost_ratio": s("assistance.cost_ratio"),
            "limit": s("assistance.annual_limit"), "funding": s("assistance.fiscal_funding_ratio"),
            "cost_factor": cfg.cost_factor.value if cfg.cost_factor is not None else 1.0,
            "cv": _cost_cv(a)}


def _cost_cv(a) -> float:
    """The spread of assisted persons' remaining cost: the section's own, else critical illness's
    (one of the two is required when the set is loaded: params.validation.check_consistency)."""
    own = a.config.assistance.cost_cv
    return own.value if own is not None else a.config.critical_illness.cost_cv.value


def money(p: dict, m: Members) -> Flows:
    """One chunk's money of medical assistance (see the module docstring)."""
    zero = np.zeros_like(m.trend)
    if not p["on"]:
        return Flows(income={"fiscal": zero}, spending={"assisted_costs": zero}, ledger_income={"medical_assistance": zero},
                     ledger_spending={"medical_assistance": zero}, member_years={}, insured=zero,
                     transfers={"assistance_premiums": zero})
    res = m.earlier[RESIDENT.name].shared
    premiums = res["premium_due"] * (p["assisted_share"] * p["premium_share"])
    remaining = res["band_means"] - res["band_critical_illness"]
    remaining = np.maximum(remaining, 0.0, out=remaining)
    remaining *= p["cost_factor"]
    per_person = limited_share(remaining, p["cv"], p["cost_ratio"][None, :, None], p["limit"][None, :, None])
    costs = np.einsum("...b,...b->...", res["band_persons"], per_person) * p["assisted_share"]   # sum over bands
    fiscal = (premiums + costs) * p["funding"]
    insured = m.earlier[RESIDENT.name].insured * p["assisted_share"]
    return Flows(income={"fiscal": fiscal}, spending={"assisted_costs": costs},
                 ledger_income={"medical_assistance": fiscal}, ledger_spending={"medical_assistance": costs},
                 member_years={}, insured=insured, transfers={"assistance_premiums": premiums})


SCHEME = Scheme(
    name="assistance",
    long_name="medical assistance (医疗救助)",
    section="assistance",
    statuses=(),
    ledgers=(Ledger("medical_assistance", "medical-assistance fund (医疗救助基金)", "assistance.opening_balance",
                    optional=True),),
    sources=(Line("fiscal", "fiscal funding of medical assistance"),),
    categories=(Line("assisted_costs", "remaining costs of assisted persons"),
                Line("assistance_premiums", "premiums of assisted residents (to the resident fund)")),
    claim_categories=(),
    member_columns={},
    resolve=resolve,
    money=money,
    transfers=(Transfer("assistance_premiums", "medical_assistance", RESIDENT.fund.name,
                        "premiums of assisted residents paid by medical assistance"),),
)
