"""Assembly: the engine's arrays become one labelled Dataset with units, definitions and
provenance.

Every variable's dims are named and its labels come from :mod:`actuarial.dims` and the
declared schemes; indicators are computed by the registry (:mod:`actuarial.indicators`), so
their formulas, units and names are the registry's. The engine computes over the flow years
(one or two past the horizon, as member-years and next year's spending need); assembly keeps
the base year to the horizon.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from functools import cache

import numpy as np
import xarray as xr

from .. import indicators
from .._version import __version__
from ..dims import AGES, SEXES, STATUSES
from ..params import Assumptions
from ..schemes import (CATEGORIES, LEDGER_NAMES, LEDGER_SCHEME, OUTPUTS, SCHEME_NAMES, SCHEMES, SOURCES, TRANSFER_NAMES,
                       TRANSFERS)


def _attrs(units: str, long_name: str, description: str = "") -> dict:
    out = {"units": units, "long_name": long_name}
    if description:
        out["description"] = description
    return out


POPULATION_NOTE = "whole population of the region; status 'resident' is everyone outside the employee scheme"

# name: (dims after (draw, year), attrs)
VARIABLES = {
    "population": (("status", "sex", "age"), _attrs("persons", "population at 1 January",
                                                    POPULATION_NOTE + "; float32 (about seven significant digits) "
                                                    "when the run has draws: population_total is the exact sum")),
    "population_total": (("status", "sex"), _attrs("persons", "population at 1 January, all ages", POPULATION_NOTE)),
    "births": (("sex",), _attrs("persons", "births during the year")),
    "deaths": (("sex",), _attrs("persons", "deaths during the year",
                                "deaths among the 1 January population and the year's births")),
    "net_migration": (("sex",), _attrs("persons", "net migrants during the year")),
    "insured": (("scheme",), _attrs("persons", "insured members at 1 January",
                                    "members of each scheme: its member statuses (resident scheme: the enrolled share)")),
    "member_years": (("status",), _attrs("person-years", "member-years in the year",
                                         "mean of the 1 January stocks of the year and the next; 'resident' "
                                         "counts enrolled members only")),
    "income_by_source": (("scheme", "source"), _attrs("CNY", "contributions, premiums and subsidies collected",
                                                      "gross income of each scheme by source, before any split "
                                                      "between its ledgers")),
    "spending_by_category": (("scheme", "category"), _attrs("CNY", "benefit spending by category",
                                                            "claims x trend index x fund share; per-capita "
                                                            "transfers as their own categories")),
    "ledger_opening_balance": (("ledger",), _attrs("CNY", "ledger balance at 1 January")),
    "ledger_income": (("ledger",), _attrs("CNY", "money entering the ledger",
                                          "the fund's income is net of what it credits to the scheme's other ledgers; "
                                          "interest excluded")),
    "ledger_spending": (("ledger",), _attrs("CNY", "money spent from the ledger")),
    "ledger_interest": (("ledger",), _attrs("CNY", "interest credited to the ledger")),
    "ledger_balance": (("ledger",), _attrs("CNY", "ledger balance at 31 December",
                                           "opening + income - spending + interest")),
    "income": (("scheme",), _attrs("CNY", "fund income", "income of each scheme's fund ledger (the employee "
                                   "scheme's pooled fund: contributions less personal-account credits); interest excluded")),
    "spending": (("scheme",), _attrs("CNY", "fund spending", "spending of each scheme's fund ledger")),
    "interest": (("scheme",), _attrs("CNY", "interest credited on the fund balance")),
    "opening_balance": (("scheme",), _attrs("CNY", "fund balance at 1 January")),
    "balance": (("scheme",), _attrs("CNY", "fund balance at 31 December", "opening + income - spending + interest")),
    "trend_index": ((), _attrs("1", "medical cost trend index (base year = 1)")),
    "transfer_amount": (("transfer",), _attrs("CNY", "money moved between ledgers",
                                       "paid by the ledger transfer_payer to the ledger transfer_receiver; included "
                                       "in the payer's ledger_spending and the receiver's ledger_income")),
    "ledger_transfer": (("ledger",), _attrs("CNY", "net transfers received by the ledger",
                                            "transfers received less transfers paid (sums to zero over ledgers)")),
    **{o.name: (o.dims, dict(o.attrs)) for o in OUTPUTS},
}


def _fund_view(res: dict, opening: np.ndarray) -> dict:
    """Scheme-level fund variables: each scheme's fund ledger (its first). One block holds the
    five: one allocation of fresh memory, not five (a few ms less in a full projection)."""
    cols = np.array([LEDGER_NAMES.index(s.fund.name) for s in SCHEMES])
    ledgers = {"income": res["ledger_income"], "spending": res["ledger_spending"], "interest": res["ledger_interest"],
               "balance": res["ledger_balance"], "opening_balance": opening}
    block = np.empty((len(ledgers),) + opening.shape[:-1] + cols.shape)
    for arr, out in zip(ledgers.values(), block):
        np.take(arr, cols, axis=-1, out=out)
    return dict(zip(ledgers, block))


@cache
def _labels() -> xr.Coordinates:
    """The coordinates the declarations fix (every one but draw, year and region), with their
    attrs and indexes; built once (a Dataset copies the coordinates it is given)."""
    coords = {"status": list(STATUSES), "sex": list(SEXES), "age": AGES, "scheme": list(SCHEME_NAMES),
              "source": list(SOURCES), "category": list(CATEGORIES), "ledger": list(LEDGER_NAMES),
              "transfer": list(TRANSFER_NAMES),
              "transfer_payer": ("transfer", [t.payer for t in TRANSFERS]),
              "transfer_receiver": ("transfer", [t.receiver for t in TRANSFERS]),
              "scheme_own_members": ("scheme", [bool(s.statuses) for s in SCHEMES])}
    for o in OUTPUTS:
        coords.update(o.coords)
    coords["ledger_scheme"] = ("ledger", list(LEDGER_SCHEME))
    return xr.Coordinates({name: xr.Variable(*(value if isinstance(value, tuple) else (name, value)),
                                             _COORD_ATTRS.get(name))
                           for name, value in coords.items()})


def _coordinates(inp, D: int, n: int, with_age: bool) -> xr.Coordinates:
    """Every coordinate of a projection over its first ``n`` flow years, with its attrs."""
    head = xr.Coordinates({"draw": np.arange(D), "year": xr.Variable("year", inp.flow_years[:n], _COORD_ATTRS["year"])})
    labels = _labels()
    keep = [k for k in labels.variables if with_age or k != "age"]
    variables = dict(head.variables) | {k: labels.variables[k] for k in keep} | {
        "region": xr.Variable((), inp.region, _COORD_ATTRS["region"])}
    indexes = dict(head.xindexes) | {k: labels.xindexes[k] for k in keep if k in labels.xindexes}
    return xr.Coordinates(variables, indexes=indexes)


def assemble(a: Assumptions, inp, res: dict, years: int, *, seed=None, stochastic_run: bool = False,
             sources=(), model=None) -> xr.Dataset:
    """Build the output Dataset over base .. base + ``years``.

    One set of coordinates and one Variable per array: the registered indicators are computed
    on a Dataset over every flow year (next year's spending may be needed) holding the same
    arrays plus the engine's age sums, then kept from the base year to the horizon."""
    D = res["trend"].shape[0]
    opening0 = np.array([inp.opening[name] for name in LEDGER_NAMES])
    res = dict(res, trend_index=res.pop("trend"),
               ledger_opening_balance=np.concatenate(
                   [np.broadcast_to(opening0, (D, 1, len(LEDGER_NAMES))), res["ledger_balance"][:, :-1]], axis=1))
    res.update(_fund_view(res, res["ledger_opening_balance"]))
    sign = np.zeros((len(TRANSFERS), len(LEDGER_NAMES)))
    for i, tr in enumerate(TRANSFERS):
        sign[i, LEDGER_NAMES.index(tr.receiver)] += 1.0
        sign[i, LEDGER_NAMES.index(tr.payer)] -= 1.0
    res["ledger_transfer"] = res["transfer_amount"] @ sign
    n, F = years + 1, len(inp.flow_years)
    flows = {name: xr.Variable(("draw", "year") + dims, res[name], attrs)
             for name, (dims, attrs) in VARIABLES.items() if name in res}
    flows.update({k: xr.Variable(("draw", "year"), res[k]) for k in indicators.AGE_SUMS})
    coords = _coordinates(inp, D, n, "population" in res)
    over = xr.Dataset(flows, coords=coords if F == n else _coordinates(inp, D, F, "population" in res),
                      attrs={"reserve_months_denominator": a.config.indicators.reserve_months_denominator})
    data = {}
    with xr.set_options(arithmetic_join="exact"):   # one Dataset: its variables share their indexes
        for ind in indicators.INDICATORS.values():
            if ind.stored and ind.over_years:
                v = ind.compute(over).variable.transpose("draw", "year", ...)
                data[ind.identifier] = xr.Variable(v.dims, v.values[:, :n], ind.attrs)
        horizon = over if F == n else over.isel(year=slice(0, n))
        for ind in indicators.INDICATORS.values():
            if ind.stored and not ind.over_years:
                v = ind.compute(horizon).variable
                data[ind.identifier] = xr.Variable(v.dims, v.values, ind.attrs)
    kept = {name: horizon.variables[name] for name in VARIABLES if name in res}
    ds = xr.Dataset(kept | data, coords=coords)
    if not stochastic_run:
        ds = ds.isel(draw=0, drop=True)
    ds.attrs.update(provenance(a, seed=seed, draws=D if stochastic_run else 1, years=years,
                               sources=sources if stochastic_run else (), model=model if stochastic_run else None))
    return ds


_COORD_ATTRS = {
    "ledger_scheme": {"long_name": "scheme the ledger belongs to"},
    "transfer_payer": {"long_name": "ledger paying the transfer"},
    "transfer_receiver": {"long_name": "ledger receiving the transfer"},
    "scheme_own_members": {"long_name": "the scheme has member statuses of its own",
                           "description": "false for a scheme covering another scheme's members "
                                          "(its insured are not added to the city's coverage)"},
    "age": {"units": "years", "long_name": "age in completed years", "description": "100 means 100 and over"},
    "year": {"long_name": "calendar year", "units": "year",
             "description": "stocks at 1 January, flows during the year, balances at 31 December"},
    "region": {"long_name": "city or county the assumption set describes"},
    **{dim: {"long_name": name} for dim, name in {
        "status": "membership status", "sex": "sex", "scheme": "insurance scheme", "source": "income source",
        "category": "spending category", "ledger": "fund ledger", "account_holder": "personal-account holder"}.items()},
}


def provenance(a: Assumptions, *, seed, draws: int, years: int, sources=(), model=None) -> dict:
    """Attributes that make every output traceable to the code, assumptions and levers behind it."""
    return {
        "title": f"Medical-insurance fund projection: {a.config.title}",
        "package": "actuarial",
        "package_version": __version__,
        "assumption_set": a.name,
        "assumption_path": str(a.path),
        "assumption_hash": a.digest,
        "region": a.region,
        "base_year": a.base_year,
        "horizon_years": years,
        "draws": draws,
        "seed": "none" if seed is None else str(seed),
        "stochastic_sources": ",".join(sources) if sources else "none",
        "stochastic_model_hash": model.data_hash if model is not None else "none",
        "levers": json.dumps(list(a.levers), ensure_ascii=False, sort_keys=True) if a.levers else "none",
        "reserve_months_denominator": a.config.indicators.reserve_months_denominator,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "xarray_version": xr.__version__,
        "currency": "CNY, nominal",
        "Conventions": "CF-1.8",
    }
