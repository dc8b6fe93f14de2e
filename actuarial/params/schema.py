"""The assumption schema: parameter specifications and the pydantic models of ``assumptions.yaml``.

Every parameter carries a :class:`Spec` (unit, valid range, meaning): the one place these are
written down; the validator (:mod:`.validation`) and the generated reference
(:mod:`.reference`) read them back.

Dated parameters follow one rule throughout (as in Tax-Calculator and OpenFisca): a mapping
``{year: value}``; between given years the value holds (``interpolation: step``, the default)
or moves in a straight line (``interpolation: linear``); after the last given year it follows
``after_last``: ``hold`` (default), ``{grow_rate: g}`` (compound growth, fraction per year) or
``{add_per_year: a}`` (a fixed step per year, in the parameter's unit). A projection year
before the first given year is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AssumptionError
from .hints import likely_slip

ASSUMPTION_FILE = "assumptions.yaml"

# --------------------------------------------------------------------------------------------
# Parameter specifications (unit, range, meaning): the one place they are written down.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a parameter means and which values it may take.

    ``lo``..``hi`` is the valid range (outside it the value is impossible: always an error);
    ``plausible`` (default: the valid range) is the range a real city's value falls in.
    Outside it the value is most likely a slip of unit or a typo, and the load stops unless
    the field is accepted as unusual (``accept_unusual`` in the file, ``--accept-unusual``)."""

    unit: str
    lo: float
    hi: float
    description: str
    plausible: tuple[float, float] | None = None

    @property
    def plausible_range(self) -> tuple[float, float]:
        return self.plausible if self.plausible is not None else (self.lo, self.hi)

    def check(self, value: float) -> str | None:
        """Return a message when ``value`` is outside [lo, hi], else None."""
        if not math.isfinite(value):
            return f"value {value!r} is not a finite number"
        if self.lo <= value <= self.hi:
            return None
        msg = f"value {value!r} is outside the valid range {self.lo:g} to {self.hi:g} {self.unit}"
        if self.unit.startswith("fraction") and 1 < value <= 100 * self.hi:
            msg += (f"; rates are fractions, not percents: write {value / 100:g} "
                    f"for {value:g}%")
        else:
            hint = self.suggest(value)
            if hint:
                msg += f"; {hint}"
        return msg

    def check_plausible(self, value: float) -> str | None:
        """Return a message naming the likely unit or typo when ``value`` (already inside the
        valid range) is outside the plausible range, else None."""
        plo, phi = self.plausible_range
        if plo <= value <= phi:
            return None
        msg = f"value {value!r} is unusual: outside the plausible range {plo:g} to {phi:g} {self.unit}"
        hint = self.suggest(value)
        return msg + (f"; {hint}" if hint else "")

    def suggest(self, value: float) -> str | None:
        """The likely slip behind ``value`` (see :func:`.hints.likely_slip`)."""
        return likely_slip(value, self.unit, self.plausible_range)


def spec(unit: str, lo: float, hi: float, description: str, *, optional: bool = False,
         plausible: tuple[float, float] | None = None) -> Any:
    """A pydantic Field carrying a :class:`Spec` (read back by the validator and the docs);
    ``optional`` fields default to None (left out of the file); ``plausible`` is the range a
    real city's value falls in (default: the valid range)."""
    extra = {"json_schema_extra": {"spec": Spec(unit, lo, hi, description, plausible)}}
    return Field(None, **extra) if optional else Field(**extra)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrowRate(_Strict):
    grow_rate: float = Field(ge=-0.5, le=0.5)


class AddPerYear(_Strict):
    add_per_year: float


class Overlay(_Strict):
    """A change laid over a dated parameter from ``from_year`` (to ``to_year``, inclusive, or
    for good): a new ``value``, an added ``change``, a ``factor``, compound growth
    ``grow_rate`` from the value in ``from_year``, or ``factors`` by year (the last one holding
    after). Policy levers write overlays, so the parameter keeps its own rule after its last
    given year."""

    from_year: int
    to_year: int | None = None
    value: float | None = None
    change: float | None = None
    factor: float | None = None
    grow_rate: float | None = None
    factors: dict[int, float] | None = None
    note: str = ""

    def apply(self, years: np.ndarray, values: np.ndarray, at_start: float | None = None) -> np.ndarray:
        """``values`` over ``years`` with the overlay applied; ``at_start`` is the value in
        ``from_year`` before this overlay (needed by ``grow_rate``)."""
        on = (years >= self.from_year) & (years <= (np.inf if self.to_year is None else self.to_year))
        out = values.copy()
        if self.value is not None:
            out[on] = self.value
        if self.change is not None:
            out[on] += self.change
        if self.factor is not None:
            out[on] *= self.factor
        if self.grow_rate is not None:
            out[on] = at_start * (1 + self.grow_rate) ** (years[on] - self.from_year)
        if self.factors:
            fy = np.asarray(sorted(self.factors), dtype=float)
            fv = np.asarray([self.factors[y] for y in sorted(self.factors)])
            idx = np.clip(np.searchsorted(fy, years[on], side="right") - 1, 0, fy.size - 1)
            out[on] *= np.where(years[on] >= fy[0], fv[idx], 1.0)
        return out


class Dated(_Strict):
    """A parameter with values by calendar year (and any overlays laid over them)."""

    unit: str
    source: str
    values: dict[int, float]
    interpolation: Literal["step", "linear"] = "step"
    after_last: Union[Literal["hold"], GrowRate, AddPerYear] = "hold"
    note: str | None = None
    overlays: tuple[Overlay, ...] = ()

    def resolve(self, years) -> np.ndarray:
        """Values for each of ``years`` (array of ints) under the dated-value rule, then each
        overlay in order."""
        out = self._given(years)
        years = np.asarray(years, dtype=float)
        for k, ov in enumerate(self.overlays):
            start = self.model_copy(update={"overlays": self.overlays[:k]}).resolve([ov.from_year])[0] \
                if ov.grow_rate is not None else None
            out = ov.apply(years, out, start)
        return out

    def _given(self, years) -> np.ndarray:
        """The values the file gives, under the dated-value rule (no overlays)."""
        given = sorted(self.values)
        gy = np.asarray(given, dtype=float)
        gv = np.asarray([self.values[y] for y in given], dtype=float)
        years = np.asarray(years, dtype=float)
        if years.size and years.min() < gy[0]:
            raise AssumptionError(
                f"no value for year {int(years.min())}: the first given year is {given[0]}",
                expected=f"a value for every year from {int(years.min())} (or earlier)")
        if self.interpolation == "linear":
            out = np.interp(years, gy, gv)
        else:
            idx = np.searchsorted(gy, years, side="right") - 1
            out = gv[np.clip(idx, 0, len(gv) - 1)]
        after = years > gy[-1]
        steps = years - gy[-1]
        if isinstance(self.after_last, GrowRate):
            out = np.where(after, gv[-1] * (1 + self.after_last.grow_rate) ** steps, out)
        elif isinstance(self.after_last, AddPerYear):
            out = np.where(after, gv[-1] + self.after_last.add_per_year * steps, out)
        return out


class Scalar(_Strict):
    """A parameter with one value."""

    unit: str
    source: str
    value: float
    note: str | None = None


from .schema_employee import ContributionYears, FlexibleWorkers, OutpatientPooling  # noqa: E402 (needs the types above)


class Tables(_Strict):
    population: str = Field(description="1 January base-year population by status, sex, single age")
    mortality: str = Field(description="central death rates mx by time point, sex and age (single or abridged)")
    fertility_pattern: str = Field(description="share of the total fertility rate at each single age of the mother")
    transitions: str = Field(description="employment entry and exit rates by sex and single age (optional columns "
                             "flexible_entry_rate, flexible_exit_rate: moves between resident and flexible; absent: none)")
    migration: str = Field(description="net migrants per year by status, sex and single age")
    claim_costs: str = Field(description="base-year claim cost per person-year by status, sex, age, category")


class RetirementGroup(_Strict):
    """One statutory retirement group and its path under the 2025 reform."""

    sex: Literal["female", "male"]
    share_of_sex: float = Field(ge=0, le=1, description="share of that sex's active members in the group")
    start_age: float = Field(ge=40, le=75, description="statutory retirement age before the reform, years")
    target_age: float = Field(ge=40, le=75, description="statutory retirement age once the reform is complete, years")
    months_of_birth_per_month_of_delay: float = Field(
        gt=0, le=24, description="each this many months of later birth add one month to the retirement age")


class Retirement(_Strict):
    reform_start: int = Field(ge=1990, le=2100, description="calendar year (1 January) from which the reform applies")
    source: str
    groups: dict[str, RetirementGroup]
    share_meeting_minimum_contribution_years: Dated | None = spec(
        "fraction", 0, 1,
        "share of workers reaching retirement age with enough contribution years to keep "
        "employee-scheme benefits without paying; the rest move to the resident group (required unless "
        "contribution_years is given)", optional=True, plausible=(0.5, 1.0))
    contribution_years: ContributionYears | None = None


class Demography(_Strict):
    total_fertility_rate: Dated = spec("children per woman", 0.3, 8, "total fertility rate of the city", plausible=(0.5, 3.0))
    sex_ratio_at_birth: Dated = spec("males per female", 0.9, 1.3, "sex ratio at birth", plausible=(1.0, 1.2))
    mortality_improvement: Dated = spec(
        "fraction per year", -0.05, 0.1,
        "extra yearly fall in every death rate, applied on top of the mortality table "
        "(0 when the table already carries the improvement)", plausible=(-0.01, 0.04))
    retirement: Retirement
    a0_rule: Literal["andreev-kingkade", "coale-demeny", "half"] = Field(
        "andreev-kingkade",
        description="rule for a0, the years lived in the first year of life by infants who die: "
                    "Andreev-Kingkade (HMD protocol v6), Coale-Demeny (Preston et al. 2001, table 3.3) "
                    "or one half (see actuarial.lifetable); default andreev-kingkade")


class PersonalAccounts(_Strict):
    reform_year: Scalar = spec(
        "year", 1998, 2100,
        "first calendar year under the outpatient mutual-aid reform (门诊共济) crediting rules", plausible=(2015, 2035))
    employee_contribution_to_account: Dated = spec(
        "fraction", 0, 1, "share of the employee's own contribution credited to the personal account")
    employer_share_to_account_before_reform: Dated = spec(
        "fraction", 0, 1,
        "share of the employer contribution credited to active members' accounts before the reform", plausible=(0.0, 0.5))
    retiree_credit_before_reform: Dated = spec(
        "CNY per retiree per year", 0, 1e5, "credit paid from the pooled fund into each retiree's account before the reform", plausible=(0, 10000))
    retiree_credit_after_reform: Dated = spec(
        "CNY per retiree per year", 0, 1e5, "credit paid from the pooled fund into each retiree's account from the reform year", plausible=(0, 10000))
    spending_rate: Dated = spec(
        "fraction per year", 0, 1,
        "share of the money available in personal accounts (opening balance plus credits) spent in the year", plausible=(0.05, 0.95))
    opening_balance: Scalar = spec("CNY", 0, 1e13, "personal-account balances at 1 January of the base year")
    outpatient_pooling: OutpatientPooling | None = None


class Employee(_Strict):
    contribution_base: Scalar = spec(
        "CNY per active member per year", 1e3, 1e7,
        "average contribution base of active members in the base year; later years grow with wage_growth", plausible=(15000, 500000))
    employer_rate: Dated = spec("fraction", 0, 0.3, "employer contribution rate on the contribution base", plausible=(0.02, 0.13))
    employee_rate: Dated = spec("fraction", 0, 0.1, "employee contribution rate on the contribution base", plausible=(0.005, 0.04))
    collection_rate: Dated = spec("fraction", 0.3, 1, "share of contributions due that is collected", plausible=(0.8, 1.0))
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "pooled-fund balance at 1 January of the base year")
    personal_accounts: PersonalAccounts
    flexible_worker_share: Scalar | None = spec(
        "fraction", 0, 1,
        "optional: share of contributions paid by flexible workers (who pay both parts); only "
        "splits the budget table's income by source", optional=True, plausible=(0.0, 0.6))
    contribution_base_factor: Dated | None = spec(
        "1", 0.2, 3,
        "optional: multiplier on the average contribution base (e.g. from a change of the base "
        "floor or ceiling); 1 when absent", optional=True, plausible=(0.6, 1.6))
    flexible: FlexibleWorkers | None = None


class Resident(_Strict):
    premium: Dated = spec("CNY per enrolled person per year", 0, 1e5, "individual premium", plausible=(100, 2000))
    subsidy: Dated = spec("CNY per enrolled person per year", 0, 1e5, "fiscal subsidy (all levels of government)", plausible=(200, 3000))
    collection_rate: Dated = spec("fraction", 0.3, 1, "share of premium and subsidy due that is collected", plausible=(0.8, 1.0))
    enrolment_rate: Dated = spec(
        "fraction", 0, 1, "share of the resident group (everyone outside the employee scheme) aged 1+ enrolled in the resident scheme", plausible=(0.5, 1.0))
    newborn_enrolment_rate: Dated = spec(
        "fraction", 0, 1, "share of children aged 0 in the resident group enrolled in the resident scheme", plausible=(0.3, 1.0))
    critical_illness_transfer: Dated = spec(
        "CNY per enrolled person per year", 0, 1e4, "per-capita transfer buying critical-illness insurance (大病保险)", plausible=(10, 400))
    opening_balance: Scalar = spec("CNY", -1e13, 1e13, "fund balance at 1 January of the base year")
    enrolment_premium_elasticity: Scalar | None = spec(
        "1", -3, 0,
        "optional: elasticity of the enrolment rate to the premium, used by premium levers "
        "(rate x (new premium / old premium)^elasticity)", optional=True, plausible=(-1.0, 0.0))


class FundShare(_Strict):
    employee_inpatient: Dated = spec("fraction", 0, 1, "share of employee inpatient claim cost paid by the pooled fund", plausible=(0.5, 0.95))
    employee_outpatient: Dated = spec("fraction", 0, 1, "share of employee outpatient claim cost paid by the pooled fund", plausible=(0.2, 0.9))
    resident_inpatient: Dated = spec("fraction", 0, 1, "share of resident inpatient claim cost paid by the fund", plausible=(0.4, 0.9))
    resident_outpatient: Dated = spec("fraction", 0, 1, "share of resident outpatient claim cost paid by the fund", plausible=(0.2, 0.9))


class Costs(_Strict):
    medical_inflation: Dated = spec("fraction per year", -0.2, 0.5, "growth of the price of care per unit of use", plausible=(-0.05, 0.15))
    utilisation_growth: Dated = spec("fraction per year", -0.5, 0.5, "growth of use of care per person at a given age and sex", plausible=(-0.05, 0.1))
    policy_effect: Dated = spec(
        "fraction per year", -0.5, 0.5,
        "extra growth (negative: savings) from policy, e.g. payment reform; 0 in a baseline", plausible=(-0.1, 0.05))
    fund_share: FundShare


class Economy(_Strict):
    wage_growth: Dated = spec("fraction per year", -0.3, 0.5, "growth of the average contribution base", plausible=(-0.05, 0.15))
    interest_rate: Dated = spec("fraction per year", -0.05, 0.2, "interest credited on fund balances", plausible=(0.0, 0.06))
    interest_on: Literal["opening", "mean"] = Field(
        "opening", description="interest on the opening balance, or on the mean of opening and closing (opening + half the year's net flow)")


class Indicators(_Strict):
    reserve_months_denominator: Literal["current_year", "next_year"] = Field(
        "current_year",
        description="months of reserves = balance / (spending / 12) using this year's or next year's spending")


from .schema_uncertainty import AR1, ECONOMIC_COMPONENTS, Correlation, LeeCarterSpec, Uncertainty  # noqa: E402,F401
from .layers import Assistance, CriticalIllness, LargeAmountSupplement, LongTermCare, Maternity, SubsidySharing  # noqa: E402,I001


class AssumptionFile(_Strict):
    accept_unusual: list[str] = Field(
        default_factory=list,
        description="parameters (dotted paths, e.g. costs.medical_inflation) or cross-checks whose unusual "
                    "value is confirmed as intended; say why in a comment")
    name: str
    title: str
    description: str
    region: str | None = Field(None, description="optional: the city or county the set describes (the `region` "
                               "coordinate of every output); default: the set's `name`")
    base_year: int = Field(ge=1990, le=2100)
    currency: Literal["CNY"] = "CNY"
    tables: Tables
    demography: Demography
    employee: Employee
    resident: Resident
    costs: Costs
    economy: Economy
    indicators: Indicators = Indicators()
    uncertainty: Uncertainty | None = None
    actions: "Actions | None" = None   # management actions (params/province.py); default none: no action
    maternity: Maternity | None = None                              # the optional layers (.layers)
    large_amount_supplement: LargeAmountSupplement | None = None
    critical_illness: CriticalIllness | None = None
    assistance: Assistance | None = None
    subsidy_sharing: SubsidySharing | None = None
    ltc: LongTermCare | None = None


class RegionSetFile(_Strict):
    """A set of regions (cities or counties) projected together: each entry names a folder
    holding a one-region assumption set; every region has the same base year."""

    name: str
    title: str
    description: str
    regions: dict[str, str] = Field(min_length=1, description="region name -> folder, relative to this file")
    province: "Province | None" = None   # adjustment fund, out-of-area care, actions (params/province.py)


from .province import Actions, Province  # noqa: E402  (its models build on the ones above)

AssumptionFile.model_rebuild()
RegionSetFile.model_rebuild()
