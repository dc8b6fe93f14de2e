"""The province pass: applied to the kernel's results of every region (before assembly, so the
registered indicators such as months of reserves read the adjusted balances).

    kernel results of each region  ->  apply()  ->  assemble each region  ->  attach()  ->  concat

:func:`apply` charges out-of-area care to the home funds (:mod:`.pooling`), then re-rolls each
declared scheme's fund ledger year by year with the provincial adjustment fund and the
management actions (:mod:`.actions`). Other ledgers are untouched. With no ``province``
section and no ``actions`` the pass is not run at all (the engine's numbers, unchanged).
:func:`province_view` gives the province as a whole (sums; ratios recomputed from the sums).
See ``docs/province.md``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..params.province import LAYERS, OUTSIDE, Actions, Province
from ..schemes import CATEGORIES, LEDGER_NAMES, SCHEMES
from . import pooling
from .actions import FundPaths, run_fund

ATTRS = {
    "adjustment_transfer": {"units": "CNY", "long_name": "net transfer from the provincial adjustment fund (调剂金)",
                            "description": "payments received + contributions returned - contributions paid; "
                                           "positive into the region; over the regions it sums to minus the "
                                           "change of the adjustment fund's balance"},
    "action_paid": {"units": "CNY", "long_name": "money provided by each management-action layer",
                    "description": "reserves: deficit met from the balance (no money moves); adjustment_fund: "
                                   "payment received; fiscal_topup: subsidy; rate_rise: extra contributions or "
                                   "premiums; benefit_cut: spending saved"},
    "action_rate_factor": {"units": "1", "long_name": "contribution-rate or premium factor in force",
                           "description": "1 + rises decided by the management actions (relative to the assumed rate)"},
    "action_benefit_factor": {"units": "1", "long_name": "factor on the fund's share of claims in force",
                              "description": "1 - benefit cuts decided by the management actions"},
    "out_of_area_settlement": {"units": "CNY", "long_name": "out-of-area care (异地就医) settled by the home fund",
                               "description": "claims of the region's members treated in the destination, at the "
                                              "destination's price factor, paid by the home fund"},
    "transfer_income": {"units": "CNY", "long_name": "transfers received by the fund",
                        "description": "adjustment-fund payments and returns, fiscal top-ups (budget: other income)"},
    "transfer_spending": {"units": "CNY", "long_name": "contributions paid into the provincial adjustment fund",
                          "description": "budget: other spending"},
    "adjustment_fund_balance": {"units": "CNY", "long_name": "provincial adjustment fund balance at 31 December"},
    "adjustment_fund_income": {"units": "CNY", "long_name": "contributions into the provincial adjustment fund"},
}


def active(province: Province | None, actions: Actions | None) -> bool:
    """Whether the pass changes anything (else the engine skips it)."""
    return actions is not None or (province is not None and any(
        (province.adjustment_fund, province.out_of_area, province.actions)))


def _for(section, name):
    return section if section is not None and (section.schemes is None or name in section.schemes) else None


def apply(names: list[str], inps: list, results: list[dict], province: Province | None = None,
          actions: Actions | None = None) -> tuple[list[dict], dict]:
    """Apply out-of-area care, the adjustment fund and the actions to every region's kernel
    results (each (D, T, ...)). Returns the adjusted results (new dicts; the inputs are not
    changed), each with its region's extra outputs, and the province-level outputs."""
    province = province or Province()
    actions = actions if actions is not None else province.actions
    R = len(names)
    shares = pooling.out_of_area_shares(province.out_of_area, names)
    prices = pooling.price_factors(province.out_of_area, R)
    factor = pooling.cost_factor(shares, prices)
    out = [dict(res) for res in results]
    for res in out:
        for key in ("ledger_income", "ledger_spending", "ledger_interest", "ledger_balance", "spending_by_category",
                    "income_by_source"):
            res[key] = res[key].copy()
    D, T = results[0]["ledger_income"].shape[:2]
    extra = {k: np.zeros((R, D, T, len(SCHEMES)) + tail) for k, tail in (
        ("adjustment_transfer", ()), ("action_paid", (len(LAYERS),)), ("action_rate_factor", ()),
        ("action_benefit_factor", ()), ("out_of_area_settlement", (R + 1,)), ("transfer_income", ()),
        ("transfer_spending", ()))}
    pot = {k: np.zeros((D, T, len(SCHEMES))) for k in ("adjustment_fund_balance", "adjustment_fund_income")}
    for k, sch in enumerate(SCHEMES):
        j = LEDGER_NAMES.index(sch.fund.name)
        cats = [CATEGORIES.index(c) for c in sch.claim_categories]
        home = np.stack([res["spending_by_category"][..., k, cats].sum(axis=-1) for res in results])
        extra_cost = home * (factor - 1.0)[:, None, None]
        extra["out_of_area_settlement"][..., k, :] = pooling.settlement(home, shares, prices)
        paths = FundPaths(
            opening=np.array([inp.opening[sch.fund.name] for inp in inps]),
            income=np.stack([res["ledger_income"][..., j] for res in results]),
            gross=np.stack([res["income_by_source"][..., k, :].sum(axis=-1) for res in results]),
            spending=np.stack([res["ledger_spending"][..., j] for res in results]) + extra_cost,
            claims=home + extra_cost, rate=np.stack([res["interest_rate"] for res in results]),
            half=0.0 if inps[0].interest_on == "opening" else 0.5)
        fr = run_fund(paths, _for(province.adjustment_fund, sch.name), _for(actions, sch.name))
        scale = factor[:, None, None] * fr.benefit_factor        # on every claim category
        for r, res in enumerate(out):
            res["ledger_income"][..., j], res["ledger_spending"][..., j] = fr.income[r], fr.spending[r]
            res["ledger_interest"][..., j], res["ledger_balance"][..., j] = fr.interest[r], fr.balance[r]
            res["spending_by_category"][..., k, cats] *= scale[r][..., None]
            res["income_by_source"][..., k, :] *= fr.rate_factor[r][..., None]
        extra["adjustment_transfer"][..., k], extra["action_paid"][..., k, :] = fr.transfer, fr.paid
        extra["action_rate_factor"][..., k], extra["action_benefit_factor"][..., k] = fr.rate_factor, fr.benefit_factor
        pot["adjustment_fund_balance"][..., k], pot["adjustment_fund_income"][..., k] = fr.pot_balance, fr.pot_income
        extra["transfer_income"][..., k], extra["transfer_spending"][..., k] = fr.other_income, fr.other_spending
    keep = [k for k, on in (("adjustment_transfer", province.adjustment_fund is not None),
                            ("action_paid", actions is not None or province.adjustment_fund is not None),
                            ("action_rate_factor", actions is not None), ("action_benefit_factor", actions is not None),
                            ("out_of_area_settlement", province.out_of_area is not None),
                            ("transfer_income", actions is not None or province.adjustment_fund is not None),
                            ("transfer_spending", province.adjustment_fund is not None)) if on]
    for r, res in enumerate(out):
        res["_province"] = {k: extra[k][r] for k in keep}
    return out, (pot if province.adjustment_fund is not None else {})


DIMS = {"adjustment_transfer": ("scheme",), "action_paid": ("scheme", "layer"), "action_rate_factor": ("scheme",),
        "action_benefit_factor": ("scheme",), "out_of_area_settlement": ("scheme", "destination"),
        "adjustment_fund_balance": ("scheme",), "adjustment_fund_income": ("scheme",),
        "transfer_income": ("scheme",), "transfer_spending": ("scheme",)}


def attach(ds: xr.Dataset, arrays: dict, names: list[str], stochastic: bool) -> xr.Dataset:
    """Add the pass's outputs ((D, T, ...) each) to an assembled Dataset, over its years."""
    n = ds.sizes["year"]
    coords = {"layer": list(LAYERS), "destination": list(names) + [OUTSIDE]}
    for name, v in arrays.items():
        dims = ("draw", "year") + DIMS[name]
        da = xr.DataArray(v[:, :n], dims=dims, coords={d: coords[d] for d in DIMS[name] if d in coords},
                          attrs=ATTRS[name])
        ds[name] = da if stochastic else da.isel(draw=0, drop=True)
    if "layer" in ds.coords:
        ds["layer"].attrs = {"long_name": "management-action layer, in the default order of calling"}
    if "destination" in ds.coords:
        ds["destination"].attrs = {"long_name": "region where out-of-area care is given ('outside': out of province)"}
    return ds
