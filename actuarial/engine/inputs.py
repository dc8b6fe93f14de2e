"""Resolved inputs: every assumption of one region resolved to best-estimate arrays over the
engine's flow years. Immutable once built; the kernel reads them and never changes them.

Demography and economy are the city's; each declared scheme resolves its own parameters
(``scheme.resolve``), so this module names no scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import demography
from ..costs import TREND_COMPONENTS
from ..dims import AGES, CONTRIBUTING_STATUSES, MAX_HORIZON, SEXES, STATUSES, index
from ..errors import ProjectionError
from ..params import Assumptions
from ..schemes import LEDGERS, PROFILES, SCHEMES


@dataclass(frozen=True)
class Inputs:
    """Best-estimate arrays of one region over ``T`` flow years (stocks over ``T + 1`` dates).

    Demography: ``pop0`` (status, sex, age) persons at 1 January of the base year; ``mx`` (T,
    sex, age) death rates; ``a0_rule`` the life-table rule for a0; ``fertility`` (T, age)
    births per woman-year; ``srb`` (T,) males
    per female; ``entry``, ``exit`` (sex, age) yearly rates between resident and active;
    ``retire`` (T, sex, age) the retirement hazard of the step out of year t; ``eligible`` (T,)
    share of retirees meeting the contribution-years rule; ``migration`` (status, sex, age)
    persons a year; ``flexible_entry`` (T, sex, age), ``flexible_exit`` (sex, age) yearly rates
    between resident and flexible; with the contribution-years rule, ``years0`` (status, sex,
    age) total contribution years at 1 January of the base year and ``years_rule`` = (minimum
    (T, sex) years, spread in years, pay-up share (T,)), else both None.
    Costs: ``claim_cost`` (status, sex, age, claim category) CNY per member-year at base-year
    prices; ``trend_components`` (3, T) the parts of the cost trend (fractions a year).
    Economy: ``wage_growth``, ``interest_rate`` (T,) fractions a year; ``interest_on``.
    Schemes: ``schemes`` name -> that scheme's resolved parameters; ``opening`` ledger ->
    opening balance (CNY, 1 January of the base year); ``profiles`` (status, sex, age, P) the
    declared age profiles (:data:`actuarial.schemes.PROFILES`), a value per person, zero for
    the statuses a scheme does not read it for; ``profile_statuses`` profile -> the statuses it
    is summed for (a scheme's ``p["profile_statuses"]``; default every status).
    """

    region: str
    flow_years: np.ndarray
    pop0: np.ndarray
    mx: np.ndarray
    a0_rule: str
    fertility: np.ndarray
    srb: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    retire: np.ndarray
    eligible: np.ndarray
    migration: np.ndarray
    flexible_entry: np.ndarray
    flexible_exit: np.ndarray
    years0: np.ndarray | None
    years_rule: tuple | None
    claim_cost: np.ndarray
    trend_components: np.ndarray
    wage_growth: np.ndarray
    interest_rate: np.ndarray
    interest_on: str
    schemes: dict = field(repr=False)     # read only, like every array here (plain dicts pickle,
    opening: dict = field(repr=False)     # so inputs can be sent to other processes)
    profiles: np.ndarray = field(default=None, repr=False)
    profile_statuses: dict = field(default_factory=dict, repr=False)


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=float)
    x.setflags(write=False)
    return x


def flow_years(a: Assumptions, years: int) -> np.ndarray:
    """The years the engine computes: the horizon plus the one or two years that member-years
    and next year's spending need."""
    extra = 2 if a.config.indicators.reserve_months_denominator == "next_year" else 1
    return a.base_year + np.arange(years + extra)


def check_run(years, chunk, draws) -> None:
    """A :class:`ProjectionError` for a horizon, chunk or draw count the engine cannot run."""
    if not isinstance(years, (int, np.integer)) or isinstance(years, bool) or not 0 <= years <= MAX_HORIZON:
        raise ProjectionError(f"years must be a whole number from 0 to {MAX_HORIZON} (got {years!r})")
    if not isinstance(chunk, (int, np.integer)) or isinstance(chunk, bool) or chunk < 1:
        raise ProjectionError(f"chunk must be a whole number of at least 1 (got {chunk!r})")
    if draws is not None and (not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1):
        raise ProjectionError(f"draws must be a whole number of at least 1 (got {draws!r})")


def population_key(a: Assumptions) -> tuple:
    """What the population of a projection depends on: the base year, the region, the
    demography and uncertainty sections and the tables. Two sets with the same key have the
    same population in every draw (policy levers on money leave it unchanged)."""
    flexible = a.config.employee.flexible      # its entry-rate trend moves people
    return (a.base_year, a.region, a.config.demography.model_dump_json(),
            a.config.uncertainty.model_dump_json() if a.config.uncertainty is not None else None, id(a.tables),
            flexible.entry_rate_scale.model_dump_json() if flexible and flexible.entry_rate_scale else None)


def _money(a: Assumptions, years: np.ndarray) -> dict:
    """The fields of :class:`Inputs` that only money depends on: the cost trend, the economy,
    each scheme's parameters and each ledger's opening balance."""
    s = lambda path: a.values(path, years)  # noqa: E731
    return dict(
        trend_components=_frozen(np.stack([s(p) for p in TREND_COMPONENTS])),
        wage_growth=_frozen(s("economy.wage_growth")),
        interest_rate=_frozen(s("economy.interest_rate")),
        interest_on=a.config.economy.interest_on,
        schemes=(resolved := {sch.name: sch.resolve(a, years) for sch in SCHEMES}),
        opening={ledger.name: a.scalar(ledger.opening) if not ledger.optional or a.has(ledger.opening) else 0.0
                 for ledger in LEDGERS},
        profiles=_profiles(resolved, read := _profile_statuses(resolved)),
        profile_statuses=read,
    )


def _profile_statuses(resolved: dict) -> dict[str, tuple[str, ...]]:
    """Profile -> the statuses it is summed for: those its scheme names in
    ``p["profile_statuses"]``, else every status."""
    return {name: tuple(p.get("profile_statuses", {}).get(name, STATUSES))
            for p in resolved.values() for name in p.get("profiles", {})}


def _profiles(resolved: dict, read: dict) -> np.ndarray:
    """The declared age profiles of every scheme stacked as (status, sex, age, P); a profile
    given by (sex, age) applies to every status its scheme reads it for
    (:func:`_profile_statuses`) and is zero for the others, so their sums cost nothing."""
    shape = (len(STATUSES), len(SEXES), AGES.size)
    mask = {name: np.isin(STATUSES, statuses)[:, None, None] for name, statuses in read.items()}
    cols = [np.broadcast_to(np.asarray(p["profiles"][name], dtype=float), shape) * mask[name]
            for p in resolved.values() for name in p.get("profiles", {})]
    if [name for p in resolved.values() for name in p.get("profiles", {})] != list(PROFILES):
        raise ProjectionError("the schemes' resolved profiles differ from the declared ones")
    return _frozen(np.stack(cols, axis=-1) if cols else np.zeros(shape + (0,)))


def money_inputs(a: Assumptions, like: Inputs) -> Inputs:
    """The inputs of ``a``, a set with the same :func:`population_key` as the one ``like``
    was resolved from: the demography is taken from ``like``, the money is resolved anew."""
    return replace(like, **_money(a, like.flow_years))


def contribution_years(a: Assumptions, pop0: np.ndarray, flow_years: np.ndarray) -> tuple:
    """(years0, rule) of the contribution-years rule (see :class:`Inputs`), or (None, None)
    when the set gives the constant share instead. Base-year active and flexible members hold
    ``density * max(age - start_age, 0)`` years each; everyone else none."""
    cy = a.config.demography.retirement.contribution_years
    if cy is None:
        return None, None
    mean = cy.density.value * np.clip(AGES - cy.start_age.value, 0, None)
    years0 = np.zeros_like(pop0)
    for status in CONTRIBUTING_STATUSES:
        i = index(STATUSES, status)
        years0[i] = pop0[i] * mean
    path = "demography.retirement.contribution_years."
    minimum = np.stack([a.values(path + f"minimum_years_{sex}", flow_years) for sex in SEXES], axis=-1)
    return years0, (_frozen(minimum), cy.spread.value, _frozen(a.values(path + "pay_up_share", flow_years)))


def _by_status(table, *dims: str) -> np.ndarray:
    """A table's values as (status, *dims), the statuses in the engine's order (a KeyError
    naming any the table lacks): ``table.transpose("status", *dims).sel(status=STATUSES)``
    without selecting by a list of labels (a copy through xarray's indexing machinery)."""
    rows = table.get_index("status").get_indexer(STATUSES)
    if (rows < 0).any():
        raise KeyError(f"status {[s for s, i in zip(STATUSES, rows) if i < 0]} not in table '{table.name}'")
    return table.transpose("status", *dims).values[rows]


def resolve_inputs(a: Assumptions, flow_years: np.ndarray) -> Inputs:
    """Resolve every assumption of ``a`` over ``flow_years`` (the best estimate)."""
    pop_years = np.append(flow_years, flow_years[-1] + 1)
    s = lambda path: a.values(path, flow_years)  # noqa: E731
    mx = demography.mortality_path(a.tables["mortality"], flow_years,
                                   a.series("demography.mortality_improvement", flow_years))
    fert = demography.fertility_rates(a.series("demography.total_fertility_rate", flow_years),
                                      a.tables["fertility_pattern"])
    hazard = demography.retirement_hazard(demography.retired_share(a.config.demography.retirement, pop_years))
    trans = a.tables["transitions"]
    pop0 = _by_status(a.tables["population"], "sex", "age")
    years0, rule = contribution_years(a, pop0, flow_years)
    flexible = a.config.employee.flexible
    flex_scale = (s("employee.flexible.entry_rate_scale") if flexible and flexible.entry_rate_scale
                  else np.ones(len(flow_years)))
    return Inputs(
        region=a.region,
        flow_years=np.asarray(flow_years),
        pop0=_frozen(pop0),
        mx=_frozen(mx.transpose("year", "sex", "age").values),
        a0_rule=a.config.demography.a0_rule,
        fertility=_frozen(fert.transpose("year", "age").values),
        srb=_frozen(s("demography.sex_ratio_at_birth")),
        entry=_frozen(trans["entry"].transpose("sex", "age").values),
        exit=_frozen(trans["exit"].transpose("sex", "age").values),
        retire=_frozen(hazard.transpose("year", "sex", "age").values[1:]),
        eligible=_frozen(s("demography.retirement.share_meeting_minimum_contribution_years") if rule is None
                         else np.ones(len(flow_years))),
        flexible_entry=_frozen(np.minimum(flex_scale[:, None, None]
                                          * trans["flexible_entry"].transpose("sex", "age").values[None], 1.0)),
        flexible_exit=_frozen(trans["flexible_exit"].transpose("sex", "age").values),
        years0=None if years0 is None else _frozen(years0),
        years_rule=rule,
        migration=_frozen(_by_status(a.tables["migration"], "sex", "age")),
        claim_cost=_frozen(_by_status(a.tables["claim_costs"], "sex", "age", "category")),
        **_money(a, np.asarray(flow_years)),
    )
