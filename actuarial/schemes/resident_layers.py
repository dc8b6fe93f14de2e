"""Layers around the resident fund: critical-illness insurance as a benefit model (大病保险),
the premiums medical assistance pays, and who pays the subsidy.

Critical illness (section ``critical_illness``; without it the flat per-capita
``resident.critical_illness_transfer`` stays). Within each age band ``b`` (:data:`BANDS`) the
out-of-pocket cost per enrollee after the basic fund is lognormal (:mod:`.benefits`) around

    m_b,t = sum_c enrolled claim cost_b,c * trend_t * (1 - fund share_c,t) / enrolled member-years_b

    claims_t  = sum_b enrolled member-years_b * r_t * (LEV_b(d_t + cap_t / r_t) - LEV_b(d_t))
    premium_t = claims_t / loss ratio_t          (resident spending category ``critical_illness``)

The bands' persons and claim costs come from the declared age profiles ``ci_<band>_persons``
and ``ci_<band>_<category>`` (the claim-cost table restricted to the band).

Assisted premiums (section ``assistance``): a share ``assisted_share x premium_share_paid`` of
the premiums due is paid by medical assistance (the transfer ``assistance_premiums``, declared
by :mod:`.assistance`), and the individuals' own premiums fall by as much.

Who pays the subsidy (section ``subsidy_sharing``; NaN without it):

    central = subsidy * central share;  provincial = (subsidy - central) * provincial share of the rest
    city    = subsidy - central - provincial                    (output ``subsidy_by_government``)
"""

from __future__ import annotations

import numpy as np

from ..dims import CLAIM_CATEGORIES, STATUSES
from .benefits import band_masks, layer_payment

BANDS = (0, 15, 45, 60, 70, 80)
"""First ages of the age bands of the critical-illness model (the last one open)."""
BAND_NAMES = tuple(f"{lo}_{hi - 1}" for lo, hi in zip(BANDS[:-1], BANDS[1:])) + (f"{BANDS[-1]}_plus",)
PROFILES = tuple(f"ci_{b}_{col}" for b in BAND_NAMES for col in ("persons",) + CLAIM_CATEGORIES)
GOVERNMENTS = ("central", "provincial", "city")


def resolve_layers(a, years) -> dict:
    """Critical illness, assisted premium share and subsidy sharing over ``years`` (None for an
    absent section), and the band profiles (zero when neither critical illness nor assistance
    is given, so older sets keep their numbers)."""
    s = lambda path: a.values(path, years)  # noqa: E731
    cfg = a.config
    masks = band_masks(BANDS)                                                    # (B, age)
    cost = a.tables["claim_costs"].transpose("status", "sex", "age", "category").sel(status=list(STATUSES)).values
    on = cfg.critical_illness is not None or cfg.assistance is not None
    profiles = {}
    for b, mask in zip(BAND_NAMES, masks):
        profiles[f"ci_{b}_persons"] = np.broadcast_to(mask * on, (2, mask.size))
        for k, c in enumerate(CLAIM_CATEGORIES):
            profiles[f"ci_{b}_{c}"] = cost[..., k] * mask * on
    out = {"profiles": profiles, "profile_statuses": {name: ("resident",) for name in profiles},
           "critical_illness_model": None, "assisted_premium_share": None, "sharing": None}
    ci = cfg.critical_illness
    if ci is not None:
        out["critical_illness_model"] = {
            "deductible": s("critical_illness.deductible"), "ratio": s("critical_illness.reimbursement_ratio"),
            "cap": s("critical_illness.cap") if ci.cap is not None else None,
            "loss_ratio": s("critical_illness.loss_ratio"), "cv": ci.cost_cv.value}
    if cfg.assistance is not None:
        out["assisted_premium_share"] = s("assistance.assisted_share") * s("assistance.premium_share_paid")
    if cfg.subsidy_sharing is not None:
        out["sharing"] = (s("subsidy_sharing.central_share"), s("subsidy_sharing.provincial_share_of_rest"))
    return out


def band_means(m, enrolled_profiles, fund_share) -> tuple[np.ndarray, np.ndarray]:
    """Enrolled member-years (D, T, B) and mean out-of-pocket cost per enrollee after the basic
    fund (D, T, B, CNY) in each band. ``enrolled_profiles(names)`` gives the enrolled
    member-years of profile columns (D, T, len(names)); :data:`PROFILES` holds, band by band,
    the persons then the claim cost of each category."""
    enrolled = enrolled_profiles(PROFILES)
    enrolled = enrolled.reshape(enrolled.shape[:2] + (len(BAND_NAMES), 1 + len(CLAIM_CATEGORIES)))
    persons = enrolled[..., 0]
    remaining = enrolled[..., 1] * (1 - fund_share[CLAIM_CATEGORIES[0]])[:, None]
    for k, c in enumerate(CLAIM_CATEGORIES[1:], start=2):
        remaining += enrolled[..., k] * (1 - fund_share[c])[:, None]
    remaining *= m.trend[..., None]
    positive = persons > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.divide(remaining, persons, out=remaining, where=positive)
    means[~positive] = 0.0
    return persons, means


def critical_illness(model: dict, persons, means) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(premium paid by the fund, expected claims, payment per enrollee by band (D, T, B)), CNY."""
    cap = None if model["cap"] is None else model["cap"][None, :, None]
    per_person = layer_payment(means, model["cv"], model["deductible"][None, :, None], model["ratio"][None, :, None], cap)
    claims = np.einsum("...b,...b->...", persons, per_person)      # sum over bands
    return claims / model["loss_ratio"], claims, per_person


def subsidy_split(subsidies, sharing) -> np.ndarray:
    """(D, T, government) subsidy by level of government, CNY; NaN without ``sharing``."""
    if sharing is None:
        return np.full(subsidies.shape + (len(GOVERNMENTS),), np.nan)
    central = subsidies * sharing[0]
    provincial = (subsidies - central) * sharing[1]
    return np.stack([central, provincial, subsidies - central - provincial], axis=-1)


__all__ = ["BANDS", "BAND_NAMES", "GOVERNMENTS", "PROFILES", "band_means", "critical_illness",
           "resolve_layers", "subsidy_split"]
