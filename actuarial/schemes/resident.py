"""The resident scheme (城乡居民基本医疗保险, URRBMI).

Members: the enrolled share of the ``resident`` status (everyone outside the employee scheme):
the newborn enrolment rate at age 0 and the general rate at ages 1+, each plus the enrolment
deviation of the draw and kept within 0..1. A fall in enrolment changes the fund, not the
population. Ledger: the resident fund.

    enrolled stock  = rate * (resident stock - age 0) + newborn rate * resident stock at age 0
    member-years    = mean of the enrolled stocks at the year's two 1 January dates (this year's rates)
                    = rate * (Y - Y0) + newborn rate * Y0,   Y, Y0 = member-years of the stocks (all ages, age 0)
    premium income  = enrolled member-years * premium * collection
    subsidy income  = enrolled member-years * subsidy * collection
    spending        = sum_c enrolled claims_c * trend index * fund share_c
                      + enrolled member-years * critical-illness transfer (大病保险, bought per head)

Parameters: section ``resident`` of the assumption file and ``costs.fund_share.resident_<category>``.
Critical illness as a benefit model, the premiums medical assistance pays and who pays the
subsidy: :mod:`.resident_layers`.
"""

from __future__ import annotations

import numpy as np

from ..dims import AGES, CLAIM_CATEGORIES
from . import resident_layers as layers
from .base import PERSONS, Flows, Ledger, Line, Members, Output, Scheme, claims_spending, fund_shares

STATUS = "resident"


def resident_income(enrolled_years, premium, subsidy, collection):
    """Premium and subsidy income of the resident scheme, CNY: returns (premiums, subsidies)."""
    return enrolled_years * premium * collection, enrolled_years * subsidy * collection


def enrolment_rates(p: dict, deviation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Enrolled shares of the resident group (D, T): at ages 1+ and at age 0, each the best
    estimate plus the draw's enrolment deviation, kept within 0..1."""
    return (np.clip(p["enrolment_rate"][None] + deviation, 0.0, 1.0),
            np.clip(p["newborn_enrolment_rate"][None] + deviation, 0.0, 1.0))


def enrolled_share(rate, newborn_rate) -> np.ndarray:
    """Enrolled share of the resident group by age (..., age): the newborn rate at age 0 and the
    general rate at ages 1+."""
    out = np.repeat(np.asarray(rate, dtype=float)[..., None], AGES.size, axis=-1)
    out[..., AGES == 0] = np.asarray(newborn_rate)[..., None]
    return out


def enrolled_years(rate, newborn_rate, stocks, stocks_age0, age0_columns=slice(None)) -> np.ndarray:
    """Enrolled member-years (D, T, K) of resident stocks (D, T + 1, K: persons, claim costs or
    profile sums at each 1 January; ``stocks_age0`` the same at age 0, for the columns
    ``age0_columns`` only: the others count no one aged 0), with each year's rates (D, T, 1)
    applied at both of its dates: ``rate * Y + (newborn rate - rate) * Y0`` (the module
    docstring's member-years, regrouped: one pass over every column; the halves of the means
    ride on the (D, T, 1) rates)."""
    years = stocks[:, :-1] + stocks[:, 1:]                     # 2 x member-years (Members.member_years)
    years *= 0.5 * rate
    years_age0 = stocks_age0[:, :-1] + stocks_age0[:, 1:]
    years_age0 *= 0.5 * (newborn_rate - rate)
    years[..., age0_columns] += years_age0
    return years


def resolve(a, years) -> dict:
    """The resident scheme's parameters over ``years`` (best estimate)."""
    s = lambda path: a.values(path, years)  # noqa: E731
    return {
        "premium": s("resident.premium"),
        "subsidy": s("resident.subsidy"),
        "collection": s("resident.collection_rate"),
        "enrolment_rate": s("resident.enrolment_rate"),
        "newborn_enrolment_rate": s("resident.newborn_enrolment_rate"),
        "critical_illness": s("resident.critical_illness_transfer"),
        "fund_share": fund_shares(a, "resident", CLAIM_CATEGORIES, years),
        **layers.resolve_layers(a, years),
    }


def money(p: dict, m: Members) -> Flows:
    """One chunk's money of the resident scheme (see the module docstring)."""
    rate1, rate0 = (r[..., None] for r in enrolment_rates(p, m.deviations["enrolment"]))
    stock, age0 = m.claims[STATUS], m.claims_age0[STATUS]
    T = rate1.shape[1]
    enrolled = enrolled_years(rate1, rate0, stock, age0)          # (D, T, 1 + C) member-years
    years = enrolled[..., PERSONS]
    premiums, subsidies = resident_income(years, p["premium"], p["subsidy"], p["collection"])
    spending = claims_spending(enrolled, m.trend, p["fund_share"], CLAIM_CATEGORIES)
    due, shared = premiums, {"premium_due": premiums}
    if p["assisted_premium_share"] is not None:      # medical assistance pays part (a transfer)
        premiums = due - due * p["assisted_premium_share"]
    ci_claims = np.zeros_like(years)
    if p["critical_illness_model"] is not None or p["assisted_premium_share"] is not None:
        def enrolled_profiles(names):
            at0 = [k for k, name in enumerate(names) if p["profiles"][name][..., AGES == 0].any()]  # count anyone aged 0
            return enrolled_years(rate1, rate0, m.profile_columns(names, (STATUS,)),
                                  m.profile_columns([names[k] for k in at0], (STATUS,), age0=True), at0)
        persons, means = layers.band_means(m, enrolled_profiles, p["fund_share"])
        shared.update(band_persons=persons, band_means=means, band_critical_illness=np.zeros_like(means))
    if p["critical_illness_model"] is not None:
        spending["critical_illness"], ci_claims, shared["band_critical_illness"] = layers.critical_illness(
            p["critical_illness_model"], persons, means)
    else:
        spending["critical_illness"] = years * p["critical_illness"]
    return Flows(
        extras={"subsidy_by_government": layers.subsidy_split(subsidies, p["sharing"]),
                "critical_illness_claims": ci_claims},
        shared=shared,
        income={"premium": premiums, "subsidy": subsidies},
        spending=spending,
        ledger_income={"resident_fund": premiums + subsidies},
        ledger_spending={"resident_fund": sum(spending.values())},
        member_years={STATUS: years},
        insured=rate1[..., 0] * (stock[:, :T, PERSONS] - age0[:, :T, PERSONS]) + rate0[..., 0] * age0[:, :T, PERSONS],
    )


SCHEME = Scheme(
    name="resident",
    long_name="urban and rural resident basic medical insurance (城乡居民基本医疗保险)",
    section="resident",
    statuses=(STATUS,),
    ledgers=(Ledger("resident_fund", "resident fund", "resident.opening_balance"),),
    sources=(Line("premium", "resident premiums"), Line("subsidy", "fiscal subsidies"),
             Line("assistance_premiums", "premiums of assisted residents paid by medical assistance")),
    categories=tuple(Line(c, c) for c in CLAIM_CATEGORIES) + (
        Line("critical_illness", "critical-illness transfer", per_capita="resident.critical_illness_transfer"),),
    claim_categories=CLAIM_CATEGORIES,
    member_columns={STATUS: "enrolled_years"},
    resolve=resolve,
    money=money,
    profiles=layers.PROFILES,
    outputs=(
        Output("subsidy_by_government", ("government",), {
            "units": "CNY", "long_name": "resident subsidy by level of government",
            "description": "central = subsidy x central share; provincial = the rest x provincial share of the rest; "
                           "city = the remainder (city and counties); NaN without a subsidy_sharing section"},
            {"government": list(layers.GOVERNMENTS)}),
        Output("critical_illness_claims", (), {
            "units": "CNY", "long_name": "expected critical-illness insurance claims (大病保险)",
            "description": "sum over age bands of enrollees x r (LEV(d + cap / r) - LEV(d)) of a lognormal out-of-pocket "
                           "cost; the fund pays claims / loss ratio; 0 with the flat per-capita transfer"}),
    ),
)
