"""Fitted stochastic models: the AR(1) components (fitted with statsmodels to the cost history,
or given; or an ARIMA of a chosen or selected order, :mod:`.arima`), the correlation of the
economic innovations, and Lee-Carter mortality by sex (SVD, adjusted or likelihood fit).

:func:`fit` returns a :class:`StochasticModel`: an explicit object, fitted once and reused.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ..dims import SEXES
from ..errors import AssumptionError
from ..mortality import LeeCarter
from ..params import ECONOMIC_COMPONENTS, Assumptions
from . import cache
from .arima import ArimaFit, NearUnitRootWarning, fit_arima

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

    ar1: dict[str, AR1Params | ArimaFit]
    correlation: np.ndarray          # (4, 4) over ECONOMIC_COMPONENTS
    factor: np.ndarray               # L with L @ L.T = correlation
    lee_carter: dict[str, LeeCarter]
    bx_single: np.ndarray            # (sex, age 0..100): b_x of the age group holding each single age
    data_hash: str = ""              # of the data it was fitted on (see :func:`data_hash`)


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
    if phi != params["ar.L1"]:
        warnings.warn(f"{name}: fitted AR(1) coefficient {params['ar.L1']:.4f} is at the unit root; kept at "
                      f"{phi} (set an ARIMA order with d = 1 to model it)", NearUnitRootWarning, stacklevel=2)
    return AR1Params(phi=phi, sigma=float(np.sqrt(params["sigma2"])), fitted=True,
                     mean=float(params["const"]), nobs=int(y.size), aic=float(res.aic),
                     shock_effects={int(i): float(params[n]) for i, n in zip(idx, names[1:1 + idx.size])})


def _factor(corr: np.ndarray) -> np.ndarray:
    """A factor L with L @ L.T = corr that also works for singular (semi-definite) matrices."""
    vals, vecs = np.linalg.eigh(corr)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


_CACHE: "OrderedDict[str, StochasticModel]" = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


def data_hash(a: Assumptions) -> str:
    """SHA-256 of everything a fit reads: the ``uncertainty`` section and the cost and
    mortality histories. Policy levers change none of these, so they never cause a refit."""
    unc = a.config.uncertainty
    h = hashlib.sha256(unc.model_dump_json().encode() if unc is not None else b"none")
    for key in ("cost_history", "mortality_history"):
        table = a.tables.get(key)
        if table is not None:
            h.update(key.encode())
            for name in sorted(getattr(table, "data_vars", {})) or [None]:
                arr = table if name is None else table[name]
                h.update(np.ascontiguousarray(arr.values).tobytes())
                for dim in arr.dims:
                    h.update(repr(arr[dim].values.tolist()).encode())
    deaths = unc.mortality.deaths_history if unc is not None else None
    if deaths is not None and (a.path / deaths).is_file():   # the likelihood / adjusted Lee-Carter reads it
        h.update((a.path / deaths).read_bytes())
    return h.hexdigest()


def fit(a: Assumptions) -> StochasticModel:
    """Fit or read every stochastic component of an assumption set.

    The fitted model is an explicit object: pass it to ``project(..., model=...)`` to reuse it.
    Fits are also kept (the 16 most recent) by :func:`data_hash`, so an assumption set changed
    by policy levers reuses the baseline's fit instead of refitting, and on disk between
    processes (:mod:`.cache`: ``~/.cache/actuarial``, ``ACTUARIAL_CACHE=off`` turns it off)."""
    unc = a.config.uncertainty
    if unc is None:
        raise AssumptionError("this assumption set has no 'uncertainty' section, so it cannot be run with draws",
                              file=a.path / "assumptions.yaml", field="uncertainty")
    key = data_hash(a)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    model = cache.load(key)
    if model is None:
        with warnings.catch_warnings(record=True) as caught:   # the caller's filters still apply
            model = _fit(a)
        model.data_hash = key
        cache.store(key, model, caught)
        for w in caught:              # the warnings that got through, shown now and kept with the fit
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    with _LOCK:
        _CACHE[key] = model
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return model


def _fit(a: Assumptions) -> StochasticModel:
    unc = a.config.uncertainty
    ar1 = {}
    for name in ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate", "enrolment", "employment"):
        spec = getattr(unc, name)
        if spec.fit_to_history and (spec.order is not None or spec.select_order):
            hist = a.tables["cost_history"]
            ar1[name] = fit_arima(hist[name].values, None if spec.select_order else spec.order,
                                  shock=hist["shock_year"].values, name=name, file=a.path / unc.cost_history)
        elif spec.fit_to_history:
            hist = a.tables["cost_history"]
            ar1[name] = fit_ar1(hist[name].values, hist["shock_year"].values, name=name,
                                file=a.path / unc.cost_history)
        else:
            ar1[name] = AR1Params(phi=float(spec.phi), sigma=float(spec.sigma))
    corr = np.eye(len(ECONOMIC_COMPONENTS))
    pos = [ECONOMIC_COMPONENTS.index(c) for c in unc.correlation.components]
    corr[np.ix_(pos, pos)] = np.asarray(unc.correlation.matrix, dtype=float)

    spec = unc.mortality
    history = a.tables["mortality_history"]
    window = (history.time >= spec.fit_from) & (history.time <= spec.fit_to)
    history = history.sel(time=window)
    counts = None
    if spec.deaths_history is not None:
        counts = load_deaths_history(a.path / spec.deaths_history)
        counts = counts.sel(time=(counts.time >= spec.fit_from) & (counts.time <= spec.fit_to))
    ages = history["age"].values
    lcs, bx = {}, []
    for sex in SEXES:
        mx = history.sel(sex=sex).rename(time="year").transpose("age", "year")
        lc = LeeCarter(include_drift_uncertainty=spec.drift_uncertainty, method=spec.method, adjust=spec.adjust,
                       zeros=spec.zeros, sex=sex)
        if counts is None:
            lc.fit(mx)
        else:
            part = counts.sel(sex=sex).rename(time="year").reindex_like(mx)
            if part["deaths"].isnull().any():
                raise AssumptionError("the deaths history does not cover every age and time point of the "
                                      "mortality history used", file=a.path / spec.deaths_history, field="time")
            lc.fit(mx, deaths=part["deaths"], exposure=part["exposure"])
        lcs[sex] = lc
        group = np.searchsorted(ages, np.arange(101), side="right") - 1
        bx.append(lc.bx.values[group])
    return StochasticModel(ar1=ar1, correlation=corr, factor=_factor(corr), lee_carter=lcs,
                           bx_single=np.array(bx))


def load_deaths_history(path) -> "xr.Dataset":
    """Deaths and exposures (time, sex, age): ``deaths`` (persons) and ``exposure``
    (person-years; initial exposure for the logit model), for the likelihood and adjusted
    Lee-Carter fits."""
    import xarray as xr

    from ..params.tables import check_labels, check_range, read_csv
    df = read_csv(path, {"time": "float", "sex": "str", "age": "int", "deaths": "float", "exposure": "float"})
    check_labels(df, "sex", SEXES, path)
    check_range(df, "deaths", 0, 1e9, path, "a number of deaths")
    check_range(df, "exposure", 0, 1e10, path, "person-years")
    if df.duplicated(["time", "sex", "age"]).any():
        raise AssumptionError("a (time, sex, age) appears more than once", file=path, field="time")
    ds = xr.Dataset.from_dataframe(df.set_index(["time", "sex", "age"]))
    ds["deaths"].attrs.update(units="persons", long_name="deaths")
    ds["exposure"].attrs.update(units="person-years", long_name="exposure to risk")
    return ds
