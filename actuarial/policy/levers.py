"""Policy levers: small, composable transformations of assumptions.

A lever never touches the engine: it returns a new :class:`~actuarial.assumptions.Assumptions`
whose dated parameters differ from the baseline from an effective year on. Every lever takes
``from_year`` (the first calendar year it applies to) and checks it lies within the projection
horizon. Levers are named in YAML and combined into scenarios:

    scenarios:
      employer-cut:
        description: employer rate 0.5 point lower from 2026
        levers:
          - lever: contribution_rate
            employer_change: -0.005
            from_year: 2026

Levers (``LEVERS``):

| lever | what it changes |
|---|---|
| ``contribution_rate`` | employer and/or employee rate: a new level or a change, from a year |
| ``contribution_base_limits`` | floor and ceiling of individual bases (as multiples of the average wage; lognormal bases) -> factor on the average base |
| ``personal_accounts`` | reform year of the outpatient mutual-aid rules, retiree credit after the reform |
| ``retirement_age`` | the reform's start, target ages, pace (months of birth per month of delay), share meeting the minimum contribution years |
| ``resident_funding`` | premium and/or subsidy (level, change or growth); enrolment responds to the premium through ``resident.enrolment_premium_elasticity`` |
| ``fund_share`` | reimbursement ratio target for a scheme and category |
| ``cost_containment`` | payment reform lowering cost growth by some points a year from a year (DRG/DIP) |
| ``volume_procurement`` | a one-off cut of drug prices: the drug share of spending times the cut, off the cost level from a year |
| ``epidemic`` | utilisation down in one year and a rebound the next |
| ``contribution_holiday`` | employer contributions reduced for some months of one year |
| ``set_parameter`` / ``shift_parameter`` | any dated parameter by its dotted path: a new value, a change or a factor |
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import costs
from ..dims import MAX_HORIZON
from ..errors import ActuarialError
from ..params import Assumptions, Dated, Overlay, Scalar

class ScenarioError(ActuarialError, ValueError):
    """A scenario or lever is malformed, names an unknown assumption or a year outside the horizon."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    from_year: int


# --------------------------------------------------------------------------------------------
# Helpers on dated parameters
# --------------------------------------------------------------------------------------------


def _years(a: Assumptions) -> np.ndarray:
    """Every year a projection of ``a`` can reach."""
    return a.base_year + np.arange(MAX_HORIZON + 3)


def _check_year(a: Assumptions, year: int, horizon: int, what: str) -> None:
    last = a.base_year + horizon
    if not a.base_year <= year <= last:
        raise ScenarioError(f"{what}: year {year} is outside the projection horizon "
                            f"{a.base_year}..{last}")


def _param(a: Assumptions, dotted: str, what: str) -> Dated:
    try:
        p = a.parameter(dotted)
    except ActuarialError:
        raise ScenarioError(f"{what}: unknown assumption '{dotted}'") from None
    if not isinstance(p, Dated):
        raise ScenarioError(f"{what}: '{dotted}' is not a dated parameter")
    return p


def path_of(a: Assumptions, dotted: str, what: str = "lever", years=None) -> np.ndarray:
    """The parameter's values (overlays included) over ``years`` (default: every year a
    projection can reach, from the base year)."""
    return _param(a, dotted, what).resolve(_years(a) if years is None else years)


def overlay(a: Assumptions, dotted: str, what: str = "lever", **change) -> Assumptions:
    """A copy of ``a`` with an :class:`~actuarial.params.Overlay` (``from_year``, ``to_year``,
    and one of ``value``, ``change``, ``factor``, ``grow_rate``, ``factors``, with a ``note``)
    laid over the dated parameter ``dotted``. The parameter keeps its given values and its
    own rule after the last given year underneath; every year a projection can reach is
    checked against the parameter's valid range."""
    old = _param(a, dotted, what)
    try:
        new = old.model_copy(update={"overlays": old.overlays + (Overlay(**change),)})
        return a.replace(**{dotted: new})
    except (ActuarialError, ValidationError) as exc:
        raise ScenarioError(f"{what}: {exc}") from None


def _modify(a: Assumptions, dotted: str, from_year: int, note: str, *, value=None, change=None,
            factor=None, only_year: bool = False, what: str = "lever") -> Assumptions:
    return overlay(a, dotted, what, from_year=from_year, to_year=from_year if only_year else None,
                   value=value, change=change, factor=factor, note=note)


# --------------------------------------------------------------------------------------------
# Levers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lever:
    name: str
    args: type[_Args]
    apply: Callable[[Assumptions, _Args, int], Assumptions]
    doc: str


LEVERS: dict[str, Lever] = {}


def lever(name: str, args: type[_Args]):
    def register(fn):
        LEVERS[name] = Lever(name, args, fn, (fn.__doc__ or "").strip())
        return fn
    return register


class ContributionRateArgs(_Args):
    employer: float | None = None
    employee: float | None = None
    employer_change: float | None = None
    employee_change: float | None = None


@lever("contribution_rate", ContributionRateArgs)
def _contribution_rate(a, x: ContributionRateArgs, horizon):
    """Employer and/or employee contribution rate (fractions) from ``from_year``: a new level
    (``employer``, ``employee``) or a change (``employer_change``, ``employee_change``)."""
    for who in ("employer", "employee"):
        level, change = getattr(x, who), getattr(x, f"{who}_change")
        if level is not None and change is not None:
            raise ScenarioError(f"contribution_rate: give {who} or {who}_change, not both")
        if level is not None or change is not None:
            a = _modify(a, f"employee.{who}_rate", x.from_year, f"scenario: {who} rate from {x.from_year}",
                        value=level, change=change, what="contribution_rate")
    return a


class BaseLimitsArgs(_Args):
    floor: float = Field(ge=0, description="lowest base, as a multiple of the average wage (e.g. 0.6)")
    ceiling: float = Field(gt=0, description="highest base, as a multiple of the average wage (e.g. 3.0)")
    dispersion: float = Field(0.5, gt=0, le=2, description="sd of log individual wages")


@lever("contribution_base_limits", BaseLimitsArgs)
def _base_limits(a, x: BaseLimitsArgs, horizon):
    """Floor and ceiling of individual contribution bases, as multiples of the average wage.
    With lognormal wages (``dispersion`` = sd of log wage) the average base becomes
    E[min(max(W, floor), ceiling)] / E[W] times the average wage; the current base is taken as
    unbounded, so the lever's factor applies on top of it."""
    if x.ceiling <= x.floor:
        raise ScenarioError(f"contribution_base_limits: ceiling {x.ceiling} is not above floor {x.floor}")
    from scipy.special import ndtr   # the normal CDF (scipy.stats' norm.cdf, without importing scipy.stats)

    s = x.dispersion
    mu = -s * s / 2                                    # E[W] = 1

    def below(k, shift=0.0):                           # P(W <= k) (shift 0), E[W; W <= k] (shift s^2)
        return ndtr((np.log(k) - mu - shift) / s) if k > 0 else 0.0
    mean = (x.floor * below(x.floor) + (below(x.ceiling, s * s) - below(x.floor, s * s))
            + x.ceiling * (1.0 - below(x.ceiling)))
    if a.config.employee.contribution_base_factor is None:
        a = a.replace(**{"employee.contribution_base_factor": Dated(unit="1", source="baseline", values={a.base_year: 1.0})})
    return _modify(a, "employee.contribution_base_factor", x.from_year,
                   f"scenario: base floor {x.floor:g} and ceiling {x.ceiling:g} x average wage",
                   factor=float(mean), what="contribution_base_limits")


class PersonalAccountArgs(_Args):
    reform_year: int | None = None
    retiree_credit_after_reform: float | None = None


@lever("personal_accounts", PersonalAccountArgs)
def _personal_accounts(a, x: PersonalAccountArgs, horizon):
    """Outpatient mutual-aid reform: move its year (``reform_year``) and/or set the retiree
    credit after it (CNY per retiree per year) from ``from_year``."""
    if x.reform_year is not None:
        old = a.parameter("employee.personal_accounts.reform_year")
        a = a.replace(**{"employee.personal_accounts.reform_year": Scalar(
            unit=old.unit, source=f"{old.source}; scenario", value=x.reform_year)})
    if x.retiree_credit_after_reform is not None:
        a = _modify(a, "employee.personal_accounts.retiree_credit_after_reform", x.from_year,
                    "scenario: retiree credit", value=x.retiree_credit_after_reform, what="personal_accounts")
    return a


class RetirementArgs(_Args):
    target_ages: dict[str, float] | None = None
    months_of_birth_per_month_of_delay: dict[str, float] | None = None
    share_meeting_minimum_contribution_years: float | None = None


@lever("retirement_age", RetirementArgs)
def _retirement(a, x: RetirementArgs, horizon):
    """The retirement-age reform: ``from_year`` is the reform's start; per group (names as in
    the assumption file) a new ``target_ages`` and pace; and the share of retirees meeting the
    minimum contribution years from ``from_year``."""
    groups = a.config.demography.retirement.groups
    changes = {"demography.retirement.reform_start": x.from_year}
    for field, mapping in (("target_age", x.target_ages), ("months_of_birth_per_month_of_delay",
                                                           x.months_of_birth_per_month_of_delay)):
        for g, v in (mapping or {}).items():
            if g not in groups:
                raise ScenarioError(f"retirement_age: unknown group '{g}'; expected one of {sorted(groups)}")
            changes[f"demography.retirement.groups.{g}.{field}"] = v
    try:
        a = a.replace(**changes)
    except ActuarialError as exc:
        raise ScenarioError(f"retirement_age: {exc}") from None
    if x.share_meeting_minimum_contribution_years is not None:
        if a.config.demography.retirement.contribution_years is not None:
            raise ScenarioError("retirement_age: this set derives the share meeting the minimum from contribution "
                                "years (demography.retirement.contribution_years); change its minimum_years instead")
        a = _modify(a, "demography.retirement.share_meeting_minimum_contribution_years", x.from_year,
                    "scenario", value=x.share_meeting_minimum_contribution_years, what="retirement_age")
    return a


class ResidentFundingArgs(_Args):
    premium: float | None = None
    premium_change: float | None = None
    premium_growth: float | None = Field(None, description="compound growth a year from from_year")
    subsidy: float | None = None
    subsidy_change: float | None = None


@lever("resident_funding", ResidentFundingArgs)
def _resident_funding(a, x: ResidentFundingArgs, horizon):
    """Resident premium and subsidy (CNY per enrolled person per year) from ``from_year``: a
    new level, a change, or (premium) compound growth. When the assumptions carry
    ``resident.enrolment_premium_elasticity`` e, the enrolment rates follow the premium:
    rate x (new premium / old premium)^e."""
    old_premium = path_of(a, "resident.premium")
    if x.premium is not None or x.premium_change is not None:
        a = _modify(a, "resident.premium", x.from_year, "scenario", value=x.premium,
                    change=x.premium_change, what="resident_funding")
    if x.premium_growth is not None:
        a = overlay(a, "resident.premium", "resident_funding", from_year=x.from_year, grow_rate=x.premium_growth,
                    note=f"scenario: premium growth {x.premium_growth:g} a year")
    if x.subsidy is not None or x.subsidy_change is not None:
        a = _modify(a, "resident.subsidy", x.from_year, "scenario", value=x.subsidy,
                    change=x.subsidy_change, what="resident_funding")
    elasticity = a.config.resident.enrolment_premium_elasticity
    if elasticity is not None and elasticity.value != 0:
        years = a.base_year + np.arange(horizon + 2)
        ratio = path_of(a, "resident.premium", years=years) / old_premium[:years.size]
        if not np.allclose(ratio, 1.0):
            for dotted in ("resident.enrolment_rate", "resident.newborn_enrolment_rate"):
                rate = path_of(a, dotted, years=years)
                with np.errstate(divide="ignore", invalid="ignore"):   # a zero premium: full enrolment
                    new = np.clip(rate * ratio ** elasticity.value, 0.0, 1.0)
                    factor = np.where(rate > 0, new / rate, 1.0)
                a = overlay(a, dotted, "resident_funding", from_year=a.base_year,
                            factors={int(y): float(f) for y, f in zip(years, factor)},
                            note=f"scenario: response to the premium (elasticity {elasticity.value:g})")
    return a


class FundShareArgs(_Args):
    scheme: Literal["employee", "resident"]
    category: Literal["inpatient", "outpatient"]
    share: float = Field(ge=0, le=1)


@lever("fund_share", FundShareArgs)
def _fund_share(a, x: FundShareArgs, horizon):
    """Reimbursement ratio: the fund's share of claims of a scheme and category from
    ``from_year`` (e.g. resident inpatient to 0.70)."""
    return _modify(a, f"costs.fund_share.{x.scheme}_{x.category}", x.from_year, "scenario",
                   value=x.share, what="fund_share")


class CostContainmentArgs(_Args):
    points: float = Field(description="yearly cost growth removed, as a fraction (0.005 = half a point)")


@lever("cost_containment", CostContainmentArgs)
def _cost_containment(a, x: CostContainmentArgs, horizon):
    """Payment reform (DRG/DIP): cost growth lower by ``points`` a year from ``from_year``."""
    return _modify(a, "costs.policy_effect", x.from_year, "scenario: cost containment",
                   change=-x.points, what="cost_containment")


class ProcurementArgs(_Args):
    drug_share: float = Field(0.3, gt=0, lt=1, description="drugs' share of claim costs")
    price_cut: float = Field(gt=0, lt=1, description="average price cut of the procured drugs")
    coverage: float = Field(1.0, gt=0, le=1, description="share of drug spending covered by the procurement")


@lever("volume_procurement", ProcurementArgs)
def _procurement(a, x: ProcurementArgs, horizon):
    """Volume-based procurement: a one-off fall of the cost level by drug share x coverage x
    price cut in ``from_year`` (the trend index steps down once and keeps growing from there)."""
    cut = x.drug_share * x.coverage * x.price_cut
    growth = 1 + costs.trend_growth(*(path_of(a, p, years=[x.from_year])[0] for p in costs.TREND_COMPONENTS))
    # (1 + g - cut (1 + g)) = (1 + g)(1 - cut): the index steps down by the cut once
    return overlay(a, "costs.policy_effect", "volume_procurement", from_year=x.from_year, to_year=x.from_year,
                   change=-cut * growth, note=f"scenario: procurement cut {cut:.3f}")


class EpidemicArgs(_Args):
    drop: float = Field(gt=0, lt=1, description="fall of utilisation in the epidemic year")
    rebound: float = Field(0.0, ge=0, lt=2, description="growth of utilisation the year after")


@lever("epidemic", EpidemicArgs)
def _epidemic(a, x: EpidemicArgs, horizon):
    """An epidemic year: utilisation growth lower by ``drop`` in ``from_year`` and higher by
    ``rebound`` the year after (care deferred, then released)."""
    _check_year(a, x.from_year + (1 if x.rebound else 0), horizon, "epidemic")
    a = _modify(a, "costs.utilisation_growth", x.from_year, "scenario: epidemic", change=-x.drop,
                only_year=True, what="epidemic")
    if x.rebound:
        a = _modify(a, "costs.utilisation_growth", x.from_year + 1, "scenario: rebound",
                    change=x.rebound, only_year=True, what="epidemic")
    return a


class HolidayArgs(_Args):
    months: float = Field(gt=0, le=12, description="months of the year with the reduction")
    reduction: float = Field(0.5, gt=0, le=1, description="share of the employer contribution waived")


@lever("contribution_holiday", HolidayArgs)
def _holiday(a, x: HolidayArgs, horizon):
    """Employer contributions reduced by ``reduction`` for ``months`` of ``from_year`` (2020:
    halved for five months)."""
    return _modify(a, "employee.employer_rate", x.from_year, "scenario: contribution holiday",
                   factor=1 - x.reduction * x.months / 12, only_year=True, what="contribution_holiday")


class SetArgs(_Args):
    parameter: str
    value: float


@lever("set_parameter", SetArgs)
def _set(a, x: SetArgs, horizon):
    """Any dated parameter, by dotted path, set to ``value`` from ``from_year``."""
    return _modify(a, x.parameter, x.from_year, "scenario", value=x.value, what="set_parameter")


class ShiftArgs(_Args):
    parameter: str
    change: float | None = None
    factor: float | None = None


@lever("shift_parameter", ShiftArgs)
def _shift(a, x: ShiftArgs, horizon):
    """Any dated parameter, by dotted path, changed by ``change`` (added) or ``factor``
    (multiplied) from ``from_year``."""
    if (x.change is None) == (x.factor is None):
        raise ScenarioError("shift_parameter: give exactly one of change or factor")
    return _modify(a, x.parameter, x.from_year, "scenario", change=x.change, factor=x.factor,
                   what="shift_parameter")


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

class LeverSpec(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    lever: str


def apply_lever(a: Assumptions, spec: dict | LeverSpec, horizon: int) -> Assumptions:
    """Apply one lever (``{"lever": name, **arguments}``) to ``a`` for a ``horizon``-year run."""
    data = dict(spec.model_dump() if isinstance(spec, BaseModel) else spec)
    name = data.pop("lever", None)
    if name not in LEVERS:
        raise ScenarioError(f"unknown lever '{name}'; expected one of {sorted(LEVERS)}")
    lev = LEVERS[name]
    try:
        args = lev.args.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        kind = "unknown argument" if first["type"] == "extra_forbidden" else first["msg"]
        raise ScenarioError(f"lever '{name}': field '{loc}': {kind} (got {first.get('input')!r}); "
                            f"arguments: {sorted(lev.args.model_fields)}") from None
    _check_year(a, args.from_year, horizon, f"lever '{name}'")
    out = lev.apply(a, args, horizon)
    return dataclasses.replace(out, levers=a.levers + ({"lever": name, **args.model_dump(exclude_none=True)},))


def lever_reference() -> str:
    """The Markdown reference of every lever and its arguments, generated from the code."""
    lines = ["# Policy levers", "",
             "Generated from `actuarial/policy/levers.py` by `actuarial docs`; do not edit by hand.", "",
             "A scenario is a list of levers applied in order; each lever is a mapping with `lever:` "
             "its name, `from_year:` the first year it applies to (within the projection horizon) "
             "and its arguments. Rates and shares are fractions.", ""]
    for name, lev in sorted(LEVERS.items()):
        lines += [f"## `{name}`", "", " ".join(lev.doc.split()), "", "| argument | type | default | meaning |",
                  "|---|---|---|---|"]
        for arg, info in lev.args.model_fields.items():
            ann = getattr(info.annotation, "__name__", str(info.annotation)).replace("typing.", "")
            default = "required" if info.is_required() else repr(info.default)
            desc = info.description or ("first calendar year the lever applies to" if arg == "from_year" else "")
            lines.append(f"| `{arg}` | {ann} | {default} | {desc} |")
        lines.append("")
    return "\n".join(lines)
