"""The assumption schema: the pydantic models of ``assumptions.yaml``, section by section.

Every parameter carries a :class:`~.fields.Spec` (unit, valid range, meaning): the one place
these are written down; the validator (:mod:`.validation`) and the generated reference
(:mod:`.reference`) read them back. The parameter types (Spec, Dated, Scalar, overlays) live in
:mod:`.fields`; the employee scheme's structure in :mod:`.schema_employee`; the province in
:mod:`.province`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .fields import Dated, Scalar, _Strict, spec
from .schema_employee import ContributionYears, FlexibleWorkers, OutpatientPooling
from .layers import Assistance, CriticalIllness, LargeAmountSupplement, LongTermCare, Maternity, SubsidySharing

ASSUMPTION_FILE = "assumptions.yaml"




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


ECONOMIC_COMPONENTS = ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate")


class AR1(_Strict):
    """A zero-mean AR(1) deviation from the best-estimate path:
    ``dev_t = phi * dev_{t-1} + sigma * z_t``, ``dev_base = 0``. ``phi`` and ``sigma`` are
    given, or fitted (statsmodels ARIMA(1,0,0) with a dummy for each shock year) to the column
    of the cost history named like the component when ``fit_to_history`` is true."""

    unit: str
    source: str
    fit_to_history: bool = False
    phi: float | None = Field(None, ge=-0.99, le=0.99)
    sigma: float | None = None
    order: list[int] | None = Field(
        None, min_length=3, max_length=3,
        description="ARIMA order [p, d, q] fitted to the cost history instead of AR(1) (with fit_to_history; "
                    "trend: a mean for d = 0, a drift for d = 1; see actuarial.uncertainty.arima); default none: AR(1)")
    select_order: bool = Field(
        False, description="select the ARIMA order by AIC among p, q in 0..2, d by the KPSS test "
                           "(with fit_to_history; overrides order); default false")

    @model_validator(mode="after")
    def _order_needs_history(self):
        if (self.order is not None or self.select_order) and not self.fit_to_history:
            raise ValueError("order and select_order apply to a fit to the cost history: set fit_to_history: true")
        if self.order is not None and (min(self.order) < 0 or self.order[1] > 2):
            raise ValueError(f"order {self.order} must be [p, d, q] with p, q >= 0 and d in 0..2")
        return self


class LeeCarterSpec(_Strict):
    """Lee-Carter fitted by sex to the mortality history; its k_t random walk (with drift
    uncertainty if asked) perturbs the best-estimate death rates: ``m * exp(b_x * dev_t)``."""

    source: str
    fit_from: float = Field(description="first time point of the mortality history used")
    fit_to: float = Field(description="last time point of the mortality history used")
    drift_uncertainty: bool = True
    method: Literal["svd", "poisson", "logit"] = Field(
        "svd", description="estimation: SVD of the log rates (Lee & Carter 1992), Poisson maximum likelihood "
                           "(Brouhns et al. 2002) or binomial-logit; the likelihood methods need deaths_history; default svd")
    adjust: Literal["dt", "dxt", "e0"] | None = Field(
        None, description="re-estimate k_t after the SVD to match total deaths (dt), deaths by age (dxt) or "
                          "life expectancy (e0); dt and dxt need deaths_history; default none: the SVD index")
    zeros: Literal["error", "log_zero_as_zero", "geometric_mean"] = Field(
        "error", description="rule for zero death rates in an SVD fit: error, log_zero_as_zero (as R vital) or "
                            "geometric_mean (see actuarial.lee_carter_fit.log_rates); default error")
    deaths_history: str | None = Field(
        None, description="table of past deaths and exposures: time, sex, age, deaths, exposure (person-years; "
                          "initial exposure for logit); default none")

    @model_validator(mode="after")
    def _deaths_when_needed(self):
        if self.method != "svd" and self.adjust is not None:
            raise ValueError("adjust applies to method svd only")
        if (self.method != "svd" or self.adjust in ("dt", "dxt")) and self.deaths_history is None:
            raise ValueError(f"method {self.method} with adjust {self.adjust} needs deaths_history "
                             "(a table of deaths and exposures)")
        return self


class Correlation(_Strict):
    """Correlation of the yearly innovations of the economic components."""

    source: str
    components: list[Literal["medical_inflation", "utilisation_growth", "wage_growth", "interest_rate"]]
    matrix: list[list[float]]


class Uncertainty(_Strict):
    cost_history: str | None = Field(None, description="table of past cost growth: year, medical_inflation, utilisation_growth, shock_year")
    mortality_history: str | None = Field(None, description="table of past death rates: time, sex, age, mx")
    medical_inflation: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of medical inflation", plausible=(0, 0.06))
    utilisation_growth: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of utilisation growth", plausible=(0, 0.06))
    wage_growth: AR1 = spec("fraction per year", 0, 0.2, "AR(1) deviation of wage growth", plausible=(0, 0.06))
    interest_rate: AR1 = spec("fraction per year", 0, 0.1, "AR(1) deviation of the interest rate", plausible=(0, 0.02))
    enrolment: AR1 = spec("fraction", 0, 0.2, "AR(1) deviation of the resident enrolment rate (added, then kept within 0..1)", plausible=(0, 0.05))
    employment: AR1 = spec("log multiplier", 0, 1, "AR(1) deviation of log employment entry and exit rates (entries x e^dev, exits x e^-dev)", plausible=(0, 0.3))
    mortality: LeeCarterSpec
    correlation: Correlation


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
