"""Stochastic assumptions: fitted models, correlation, seeding, and summaries over draws.

Every source of uncertainty is a zero-mean deviation from the best-estimate path in the
assumption file, starting at zero in the base year. With every shock at zero a stochastic run
therefore equals the deterministic best estimate, draw by draw.

| source | model | parameters |
|---|---|---|
| medical_inflation, utilisation_growth | AR(1) on the yearly growth rate | fitted with statsmodels to the cost history (shock years get their own dummy, so they do not bend the fit), or given |
| wage_growth, interest_rate | AR(1) | given |
| (the four above) | correlated yearly innovations | correlation matrix |
| mortality | Lee-Carter k_t random walk (with drift uncertainty), by sex, common shocks | fitted to the mortality history |
| enrolment | AR(1) added to the resident enrolment rate | given |
| employment | AR(1) on log entry rates (exits move the other way) | given |

Seeding: one ``numpy.random.SeedSequence(seed)``; each *stream* (economy, mortality,
enrolment, employment) has a fixed spawn key, so adding or switching off a source never changes
another's numbers. Each stream draws all its normals as one (draws, years, ...) array, so draw
d's numbers do not depend on how many draws are run or how they are chunked.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from .assumptions import ECONOMIC_COMPONENTS, SEXES, Assumptions
from .errors import AssumptionError, ProjectionError
from .mortality import LeeCarter

SOURCES = ECONOMIC_COMPONENTS + ("mortality", "enrolment", "employment")
STREAM_KEYS = {"economy": 1, "mortality": 2, "enrolment": 3, "employment": 4}
DEFAULT_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
MIN_HISTORY = 8


@dataclass
class AR1Params:
    """phi and sigma of a zero-mean AR(1); when fitted, also the series mean, the number of
    observations, the AIC and the log effect of each shock year (by position in the series)."""

    phi: float
    sigma: float
    fitted: bool = False
    mean: float | None = None
    nobs: int | None = None
    aic: float | None = None
    shock_effects: dict = field(default_factory=dict)


@dataclass
class StochasticModel:
    """Everything needed to draw deviations: AR(1) parameters, the innovation correlation's
    factor, and the Lee-Carter models by sex."""

    ar1: dict[str, AR1Params]
    correlation: np.ndarray          # (4, 4) over ECONOMIC_COMPONENTS
    factor: np.ndarray               # L with L @ L.T = correlation
    lee_carter: dict[str, LeeCarter]
    bx_single: np.ndarray            # (sex, age 0..100): b_x of the age group holding each single age


def fit_ar1(series: np.ndarray, shock: np.ndarray, *, name: str, file=None) -> AR1Params:
    """Fit ``y_t = c + sum_j g_j D_jt + u_t``, ``u_t = phi u_{t-1} + e_t`` by maximum likelihood
    (statsmodels ARIMA(1,0,0) with a constant and one dummy column per shock year)."""
    from statsmodels.tsa.arima.model import ARIMA

    y = np.asarray(series, dtype=float)
    shock = np.asarray(shock, dtype=int)
    usable = int((shock == 0).sum())
    if usable < MIN_HISTORY:
        raise AssumptionError(
            f"history too short to fit {name}: {usable} ordinary years", file=file, field=name,
            expected=f"at least {MIN_HISTORY} years that are not shock years")
    idx = np.flatnonzero(shock)
    exog = np.zeros((y.size, idx.size))
    exog[idx, np.arange(idx.size)] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # convergence chatter on short series
        res = ARIMA(y, exog=exog if idx.size else None, order=(1, 0, 0), trend="c").fit()
    names = list(res.model.param_names)
    params = dict(zip(names, np.asarray(res.params)))
    phi = float(np.clip(params["ar.L1"], -0.99, 0.99))
    return AR1Params(phi=phi, sigma=float(np.sqrt(params["sigma2"])), fitted=True,
                     mean=float(params["const"]), nobs=int(y.size), aic=float(res.aic),
                     shock_effects={int(i): float(params[n]) for i, n in zip(idx, names[1:1 + idx.size])})


def _factor(corr: np.ndarray) -> np.ndarray:
    """A factor L with L @ L.T = corr that also works for singular (semi-definite) matrices."""
    vals, vecs = np.linalg.eigh(corr)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def calibrate(a: Assumptions) -> StochasticModel:
    """Fit or read every stochastic component of an assumption set (cached on it)."""
    cached = getattr(a, "_stochastic_model", None)
    if cached is not None:
        return cached
    unc = a.config.uncertainty
    if unc is None:
        raise AssumptionError("this assumption set has no 'uncertainty' section, so it cannot be run with draws",
                              file=a.path / "assumptions.yaml", field="uncertainty")
    ar1 = {}
    for name in ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate", "enrolment", "employment"):
        spec = getattr(unc, name)
        if spec.fit_to_history:
            hist = a.tables["cost_history"]
            ar1[name] = fit_ar1(hist[name].values, hist["shock_year"].values, name=name,
                                file=a.path / unc.cost_history)
        else:
            ar1[name] = AR1Params(phi=float(spec.phi), sigma=float(spec.sigma))
    corr = np.eye(len(ECONOMIC_COMPONENTS))
    pos = [ECONOMIC_COMPONENTS.index(c) for c in unc.correlation.components]
    corr[np.ix_(pos, pos)] = np.asarray(unc.correlation.matrix, dtype=float)

    history = a.tables["mortality_history"]
    history = history.sel(time=(history.time >= unc.mortality.fit_from) & (history.time <= unc.mortality.fit_to))
    ages = history["age"].values
    lcs, bx = {}, []
    for sex in SEXES:
        mx = history.sel(sex=sex).rename(time="year").transpose("age", "year")
        lc = LeeCarter(include_drift_uncertainty=unc.mortality.drift_uncertainty).fit(mx)
        lcs[sex] = lc
        group = np.searchsorted(ages, np.arange(101), side="right") - 1
        bx.append(lc.bx.values[group])
    model = StochasticModel(ar1=ar1, correlation=corr, factor=_factor(corr), lee_carter=lcs,
                            bx_single=np.array(bx))
    a._stochastic_model = model
    return model


def _ar1_path(innovations: np.ndarray, p: AR1Params) -> np.ndarray:
    """(draws, years) deviations with dev[:, 0] = 0 and dev_t = phi dev_{t-1} + sigma z_t."""
    dev = np.zeros(innovations.shape)
    for t in range(1, innovations.shape[1]):   # a recurrence over years, vectorised over draws
        dev[:, t] = p.phi * dev[:, t - 1] + p.sigma * innovations[:, t]
    return dev


def _stream(seed, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM_KEYS[name],)))


def zero_deviations(draws: int, n_years: int) -> dict[str, np.ndarray]:
    """Every deviation at zero: the best estimate, in the shapes :func:`draw_deviations` gives."""
    dev = {name: np.zeros((draws, n_years)) for name in SOURCES if name != "mortality"}
    dev["mortality"] = np.zeros((draws, n_years, len(SEXES)))
    return dev


def draw_deviations(model: StochasticModel, draws: int, n_years: int, seed,
                    sources=SOURCES) -> dict[str, np.ndarray]:
    """Deviations from the best estimate for every source, each (draws, n_years) except
    ``mortality`` (draws, n_years, sex); year 0 (the base year) is always 0. Sources not in
    ``sources`` are zero."""
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise ProjectionError(f"draws must be a whole number of at least 1 (got {draws!r})")
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ProjectionError(f"unknown source(s) of uncertainty {sorted(unknown)}; expected some of {list(SOURCES)}")
    dev = zero_deviations(draws, n_years)
    z = _stream(seed, "economy").standard_normal((draws, n_years, len(ECONOMIC_COMPONENTS)))
    correlated = z @ model.factor.T
    for j, name in enumerate(ECONOMIC_COMPONENTS):
        if name in sources:
            dev[name] = _ar1_path(correlated[..., j], model.ar1[name])
    zm = _stream(seed, "mortality").standard_normal((draws, n_years))   # column 0: drift error
    zk, zd = zm[:, 1:], zm[:, 0]
    if "mortality" in sources and n_years > 1:
        for i, sex in enumerate(SEXES):   # common shocks for both sexes
            dev["mortality"][:, 1:, i] = model.lee_carter[sex].kt_deviation(zk, zd)
    for name in ("enrolment", "employment"):
        zz = _stream(seed, name).standard_normal((draws, n_years))
        if name in sources:
            dev[name] = _ar1_path(zz, model.ar1[name])
    return dev


# --------------------------------------------------------------------------------------------
# Summaries over draws
# --------------------------------------------------------------------------------------------


def quantiles(obj, q=DEFAULT_QUANTILES):
    """Percentiles over ``draw`` as a ``quantile`` dimension (P5 .. P95 by default), attrs kept."""
    if "draw" not in obj.dims:
        raise ProjectionError("quantiles need a projection with a 'draw' dimension (run with draws=N)")
    return obj.quantile(list(q), dim="draw", keep_attrs=True)


def probability(da: xr.DataArray, *, below=None, above=None) -> xr.DataArray:
    """Share of draws in which ``da`` is below (strictly) or above (strictly) a line, by the
    remaining dims (e.g. per year and scheme). Without a draw dim the result is 0 or 1."""
    if (below is None) == (above is None):
        raise ProjectionError("give exactly one of below= or above=")
    hit = da < below if below is not None else da > above
    out = hit.mean("draw") if "draw" in hit.dims else hit.astype(float)
    line = below if below is not None else above
    word = "below" if below is not None else "above"
    out.attrs = {"units": "1", "long_name": f"probability that {da.attrs.get('long_name', da.name)} is {word} {line}",
                 "threshold": float(line), "threshold_units": da.attrs.get("units", "")}
    return out


def depletion_distribution(ds: xr.Dataset) -> xr.Dataset:
    """Distribution over draws of the first year each fund's balance falls below zero:
    ``probability(scheme, year)`` of first depletion in that year, and ``never(scheme)``."""
    dy = ds["depletion_year"]
    if "draw" not in dy.dims:
        dy = dy.expand_dims(draw=[0])
    years = ds["year"].values
    prob = xr.concat([(dy == y).mean("draw") for y in years], dim=xr.DataArray(years, dims="year", name="year"))
    never = dy.isnull().mean("draw")
    return xr.Dataset({
        "probability": prob.transpose("scheme", "year").assign_attrs(
            units="1", long_name="probability that the balance first falls below zero in the year"),
        "never": never.assign_attrs(units="1", long_name="probability that the balance stays at or above zero over the horizon"),
        "cumulative_probability": prob.cumsum("year").transpose("scheme", "year").assign_attrs(
            units="1", long_name="probability of depletion by the end of the year"),
    })
