"""Schema sections of the stochastic model (section ``uncertainty``): AR(1) or ARIMA deviations
of the economic components, Lee-Carter mortality, the correlation of the innovations.

Imported by :mod:`.schema` (which builds the assumption file from these models) once its
parameter types exist."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .schema import _Strict, spec


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
