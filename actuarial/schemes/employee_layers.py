"""Layers inside the employee pooled fund: maternity (生育保险, merged into the employee scheme
since 2019, 国办发〔2019〕10号) and the large-amount supplement (大额医疗费用补助).

Maternity (section ``maternity``; none without it):

    insured births_t   = TFR_t * sum_{statuses, age} pattern_age * women member-years_age
    medical_t          = insured births_t * cost per birth_t * trend index_t
    allowance_t        = insured births_t * claim share_t * leave days_t * contribution base_t / 365
    maternity_t        = medical_t + allowance_t            (pooled-fund spending category ``maternity``)

``pattern`` is the fertility pattern of the assumption set (shares of the TFR by age of the
mother), declared as the age profile ``maternity_fertility`` (women only); the statuses whose
women count are ``maternity.statuses`` (default: active). The employer rate carries the merged
maternity contribution (``maternity.employer_rate_maternity_share`` says how much of it).

Large-amount supplement (section ``large_amount_supplement``; none without it):

    income_t   = premium_t * (active + flexible + retired member-years) * collection_t
    spending_t = claims share_t * (active + flexible + retired claim cost at base-year prices) * trend index_t
"""

from __future__ import annotations

import numpy as np

from ..dims import FEMALE, SEXES
from .base import PERSONS, Members

FERTILITY_PROFILE = "maternity_fertility"


def resolve_layers(a, years) -> dict:
    """The maternity and large-amount parameters over ``years`` (None for an absent section) and
    the fertility profile (zero when maternity is absent, so older sets keep their numbers)."""
    s = lambda path: a.values(path, years)  # noqa: E731
    profile = np.zeros((len(SEXES), a.tables["fertility_pattern"].size))
    out = {"maternity": None, "large_amount": None}
    if a.config.maternity is not None:
        profile[FEMALE] = a.tables["fertility_pattern"].values
        out["maternity"] = {"statuses": tuple(a.config.maternity.statuses), "tfr": s("demography.total_fertility_rate"),
                            "cost": s("maternity.medical_cost_per_birth"), "days": s("maternity.leave_days"),
                            "claim_share": s("maternity.allowance_claim_share")}
    if a.config.large_amount_supplement is not None:
        out["large_amount"] = {"premium": s("large_amount_supplement.premium"),
                               "claims_share": s("large_amount_supplement.claims_share")}
    out["profiles"] = {FERTILITY_PROFILE: profile}
    if out["maternity"] is not None:     # summed only for the statuses whose women count
        out["profile_statuses"] = {FERTILITY_PROFILE: out["maternity"]["statuses"]}
    return out


def insured_births(tfr, weighted_women_years):
    """Births among insured women in the year: TFR x pattern-weighted women member-years."""
    return tfr * weighted_women_years


def maternity_allowance(births, claim_share, leave_days, base):
    """Maternity allowance (生育津贴), CNY: births x claim share x leave days x base / 365
    (``base`` CNY per member-year)."""
    return births * claim_share * leave_days * base / 365.0


def maternity(p: dict | None, m: Members, base: np.ndarray):
    """(medical, allowance, births), each (D, T): zeros without the section."""
    if p is None:
        zero = np.zeros_like(m.trend)
        return zero, zero, zero
    births = insured_births(p["tfr"], m.member_years(m.profile(FERTILITY_PROFILE, p["statuses"])[..., None])[..., 0])
    return births * p["cost"] * m.trend, maternity_allowance(births, p["claim_share"], p["days"], base), births


def large_amount(p: dict | None, members_claims: np.ndarray, trend: np.ndarray, collection):
    """(income, spending) of the large-amount supplement, (D, T) CNY, from the members'
    claims (D, T, 1 + C: member-years, then base-year claim cost by category); zeros without
    the section."""
    if p is None:
        zero = np.zeros_like(trend)
        return zero, zero
    income = p["premium"] * members_claims[..., PERSONS] * collection
    spending = p["claims_share"] * np.einsum("...c->...", members_claims[..., PERSONS + 1:]) * trend   # all categories
    return income, spending
