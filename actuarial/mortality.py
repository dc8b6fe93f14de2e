"""Stochastic mortality: the Lee-Carter model.

    log m(x, t) = a_x + b_x k_t + e(x, t),   sum_x b_x = 1,  sum_t k_t = 0

Estimation (``method``):

* ``"svd"`` (default): the singular value decomposition of the centred log rates (Lee & Carter
  1992); with ``adjust`` the index k_t is then re-estimated year by year with a_x, b_x fixed,
  as R's ``demography``/``vital`` packages do: ``"dt"`` so that fitted total deaths equal
  observed deaths (Lee & Carter 1992), ``"dxt"`` by a Poisson regression of deaths by age
  (Booth et al. 2002), ``"e0"`` so that fitted life expectancy at birth equals the observed
  one (Lee & Miller 2001); ``adjust=None`` (default) keeps the SVD index.
* ``"poisson"``: deaths ~ Poisson(E^c exp(a_x + b_x k_t)) by maximum likelihood (Brouhns,
  Denuit & Vermunt 2002); ``"logit"``: deaths ~ Binomial(E^0, q), logit q = a_x + b_x k_t.
  Both report ``loglik``, ``npar``, ``nobs``, ``aic`` = 2 npar - 2 loglik and ``bic`` =
  npar log(nobs) - 2 loglik as StMoMo does.

Zero rates (``zeros``): an error by default; ``"log_zero_as_zero"`` (vital's rule) or
``"geometric_mean"`` (see :func:`actuarial.lee_carter_fit.log_rates`). The likelihood methods
take zero deaths as they come.

k_t is forecast as a random walk with drift:

    k_{T+h} = k_T + h * drift + sum of h innovations ~ N(0, sigma^2)

drift = mean(diff k), sigma^2 = sum((diff k - drift)^2) / (n - 2); the variance of k_{T+h} is
``h sigma^2`` (plus ``h^2 sigma^2 / (n - 1)`` when the uncertainty of the estimated drift is
included, n being the number of fitted years). Years need not be one apart (UN tables come in
five-year periods): the drift and variance are estimated per step and converted to per year.

Jump-off (``jump_off``): ``"fit"`` (default) forecasts log m = a_x + b_x k_{T+h}; ``"actual"``
starts from the observed log rates of the last year: log m(x, T) + b_x (k_{T+h} - k_T). The
point forecast of the rate (``forecast(h, point=...)``) is the median exp(mu) (default) or
the mean exp(mu) (1 + v/2) as ``vital``/``fable`` report it, v = b_x^2 Var(k_{T+h}).

The API follows StMoMo / pyStMoMo: ``fit(mx)``, then ``forecast(h)`` and ``simulate(h, draws,
seed)`` returning rates shaped (age, year[, draw]).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import lee_carter_fit as est
from .errors import AssumptionError

METHODS = ("svd", "poisson", "logit")
ADJUST = (None, "dt", "dxt", "e0")
JUMP_OFF = ("fit", "actual")


def _grid(x, like: xr.DataArray, name: str):
    if x is None:
        return None
    if isinstance(x, xr.DataArray):
        return x.transpose("age", "year").values.astype(float)
    x = np.asarray(x, dtype=float)
    if x.shape != like.shape:
        raise AssumptionError(f"{name} has shape {x.shape}, not the rates' (age, year) {like.shape}", field=name)
    return x


class LeeCarter:
    """Lee-Carter mortality model.

    Parameters
    ----------
    include_drift_uncertainty : bool
        Add the drift's estimation error to the forecast variance of k_t.
    method : 'svd', 'poisson' or 'logit'
    adjust : None, 'dt', 'dxt' or 'e0'
        Second-stage re-estimation of k_t (``method='svd'`` only).
    jump_off : 'fit' or 'actual'
    zeros : 'error', 'log_zero_as_zero' or 'geometric_mean'
        Rule for zero death rates (``method='svd'``).
    sex : 'female', 'male' or None
        a0 rule of the life tables behind ``adjust='e0'``.

    Attributes (after :meth:`fit`)
    -------------------------------
    ax, bx : DataArray over ``age``
    kt : DataArray over ``year``
    explained_variance : float
        Share of the variance of the centred log rates captured by the first singular
        component (SVD only).
    drift, sigma : float
        Random-walk drift and innovation standard deviation of k_t, **per year**.
    loglik, npar, nobs, aic, bic : float / int (likelihood methods only)
    """

    def __init__(self, include_drift_uncertainty: bool = True, *, method: str = "svd", adjust: str | None = None,
                 jump_off: str = "fit", zeros: str = "error", sex: str | None = None):
        for name, value, allowed in (("method", method, METHODS), ("adjust", adjust, ADJUST),
                                     ("jump_off", jump_off, JUMP_OFF), ("zeros", zeros, est.ZERO_RULES)):
            if value not in allowed:
                raise AssumptionError(f"unknown Lee-Carter {name} {value!r}", field=name, expected=f"one of {allowed}")
        if method != "svd" and adjust is not None:
            raise AssumptionError(f"adjust={adjust!r} applies to the SVD fit only", field="adjust",
                                  expected="adjust=None with a likelihood method")
        self.include_drift_uncertainty = include_drift_uncertainty
        self.method, self.adjust, self.jump_off, self.zeros, self.sex = method, adjust, jump_off, zeros, sex
        self.loglik = self.npar = self.nobs = self.aic = self.bic = None

    def fit(self, mx: xr.DataArray | None = None, *, deaths=None, exposure=None, weights=None) -> "LeeCarter":
        """Fit to central death rates ``mx`` with dims ``age`` and ``year`` (years increasing,
        equally spaced), or to ``deaths`` and ``exposure`` (age, year; ``mx`` = deaths /
        exposure). ``exposure`` is central (person-years) for 'poisson' and 'dt'/'dxt', initial
        (E^c + D/2) for 'logit'. ``weights`` (0/1, age x year) drop cells from a likelihood fit."""
        if mx is None:
            if not isinstance(deaths, xr.DataArray) or exposure is None:
                raise AssumptionError("Lee-Carter needs rates mx, or deaths and exposure as DataArrays", field="mx")
            mx = (deaths / exposure).fillna(0.0)
        if set(mx.dims) != {"age", "year"}:
            raise AssumptionError(f"Lee-Carter needs rates over (age, year), got dims {mx.dims}", field="mx")
        mx = mx.transpose("age", "year")
        years = mx["year"].values.astype(float)
        if years.size < 3:
            raise AssumptionError(f"Lee-Carter needs at least 3 years of rates, got {years.size}",
                                  field="year", expected="a history of 3 or more years")
        steps = np.diff(years)
        if np.any(steps <= 0) or np.ptp(steps) > 1e-9:
            raise AssumptionError(f"years {years.tolist()} are not increasing and equally spaced", field="year")
        D, E = _grid(deaths, mx, "deaths"), _grid(exposure, mx, "exposure")
        self.explained_variance = None
        if self.method == "svd":
            log_m = est.log_rates(mx.values, self.zeros)
            ax, bx, kt, self.explained_variance = est.svd_fit(log_m)
            if self.adjust is not None:
                e0 = e0_of = None
                if self.adjust == "e0":
                    e0_of = self._e0_function(mx["age"].values)
                    e0 = np.array([e0_of(log_m[:, t]) for t in range(years.size)])
                kt = est.adjust_kt(self.adjust, ax, bx, kt, deaths=D, exposure=E, e0=e0, e0_of=e0_of)
        else:
            if D is None or E is None:
                raise AssumptionError(f"method={self.method!r} needs deaths and exposure by age and year",
                                      field="method")
            w = np.ones_like(D) if weights is None else _grid(weights, mx, "weights")
            w = np.where(np.isfinite(D) & np.isfinite(E) & (E > 0), w, 0.0)
            ax, bx, kt, self.loglik, self.iterations = est.ml_fit(self.method, np.nan_to_num(D), np.nan_to_num(E), w)
            used = w > 0
            self.nobs = int(used.sum())
            self.npar = int(used.any(axis=1).sum() * 2 + used.any(axis=0).sum() - 2)
            self.aic = 2 * self.npar - 2 * self.loglik
            self.bic = self.npar * np.log(self.nobs) - 2 * self.loglik
            log_m = np.log(np.where(mx.values > 0, mx.values, np.nan))
        self.last_log_rates = log_m[:, -1]
        self._set(ax, bx, kt, mx, steps)
        return self

    def _e0_function(self, ages):
        from .lifetable import life_table

        def e0_of(log_m):
            return float(life_table(np.exp(log_m), ages, sex=self.sex)["ex"].values[0])
        return e0_of

    def _set(self, ax, bx, kt, mx, steps):
        self.step = float(steps[0])
        dk = np.diff(kt)
        self.n_years = kt.size
        drift_step = float((kt[-1] - kt[0]) / (kt.size - 1))
        sigma_step = float(np.sqrt(np.sum((dk - drift_step) ** 2) / max(dk.size - 1, 1)))
        self.drift = drift_step / self.step
        self.sigma = sigma_step / np.sqrt(self.step)
        self.ax = xr.DataArray(ax, coords={"age": mx["age"].values}, dims="age",
                               attrs={"long_name": "Lee-Carter a_x: mean log death rate"})
        self.bx = xr.DataArray(bx, coords={"age": mx["age"].values}, dims="age",
                               attrs={"long_name": "Lee-Carter b_x: age response to k_t (sums to 1)"})
        self.kt = xr.DataArray(kt, coords={"year": mx["year"].values}, dims="year",
                               attrs={"long_name": "Lee-Carter k_t: mortality index (sums to 0 before adjustment)"})

    # -- forecasting ---------------------------------------------------------------------------

    def _rates(self, k: np.ndarray) -> np.ndarray:
        return np.exp(self.ax.values[:, None] + self.bx.values[:, None] * k[None, :])

    def _log_base(self) -> np.ndarray:
        """log m at the jump-off less b_x k_T: a_x ('fit'), or the last observed log rates
        less b_x k_T ('actual'; ages with no observed rate fall back on a_x)."""
        if self.jump_off == "fit":
            return self.ax.values
        obs = self.last_log_rates - self.bx.values * self.kt.values[-1]
        return np.where(np.isfinite(obs), obs, self.ax.values)

    def fitted_rates(self) -> xr.DataArray:
        """exp(a_x + b_x k_t) over the fitted years."""
        return xr.DataArray(self._rates(self.kt.values), coords={"age": self.ax.age, "year": self.kt.year},
                            dims=("age", "year"))

    def _future_years(self, h: int) -> np.ndarray:
        last = float(self.kt["year"].values[-1])
        return last + np.arange(1, h + 1)

    def forecast(self, h: int, point: str = "median") -> xr.Dataset:
        """Forecast ``h`` years past the last fitted year: ``kt`` (central), ``log_mx`` (mean of
        log m), ``log_mx_var`` (its variance b_x^2 Var k_{T+h}) and ``mx`` (age, year): the
        median exp(log_mx) (``point='median'``, default) or the mean exp(log_mx) (1 +
        log_mx_var / 2) (``point='mean'``, as vital/fable report it)."""
        if point not in ("median", "mean"):
            raise AssumptionError(f"unknown point forecast {point!r}", field="point", expected="'median' or 'mean'")
        t = np.arange(1, h + 1)
        k = self.kt.values[-1] + self.drift * t
        log_m = self._log_base()[:, None] + self.bx.values[:, None] * k[None, :]
        var = self.bx.values[:, None] ** 2 * self.kt_variance(t)[None, :]
        rates = np.exp(log_m) * (1 + var / 2) if point == "mean" else np.exp(log_m)
        years = self._future_years(h)
        return xr.Dataset({
            "kt": ("year", k),
            "log_mx": (("age", "year"), log_m, {"long_name": "mean of the forecast log death rate"}),
            "log_mx_var": (("age", "year"), var, {"long_name": "variance of the forecast log death rate"}),
            "mx": (("age", "year"), rates, {"units": "deaths per person-year",
                                            "long_name": f"forecast central death rate ({point})"}),
        }, coords={"age": self.ax.age.values, "year": years})

    def kt_variance(self, h) -> np.ndarray:
        """Analytic variance of k_{T+h}: h sigma^2 (+ h^2 sigma^2 / (n_years * step - step) for
        drift uncertainty; the drift is estimated from (n-1) steps)."""
        h = np.asarray(h, dtype=float)
        var = h * self.sigma ** 2
        if self.include_drift_uncertainty:
            span = (self.n_years - 1) * self.step   # years the drift was estimated over
            var = var + h ** 2 * self.sigma ** 2 / span
        return var

    def kt_deviation(self, z: np.ndarray, z_drift: np.ndarray | None = None) -> np.ndarray:
        """Deviations of k_t from the central forecast, (draws, h), from standard normals: ``z``
        (draws, h) drive the yearly innovations, ``z_drift`` (draws,) the drift error (ignored
        unless drift uncertainty is included)."""
        dev = np.cumsum(z, axis=1) * self.sigma
        if self.include_drift_uncertainty and z_drift is not None:
            span = (self.n_years - 1) * self.step   # years the drift was estimated over
            dev = dev + (z_drift * self.sigma / np.sqrt(span))[:, None] * np.arange(1, z.shape[1] + 1)[None, :]
        return dev

    def simulate_kt(self, h: int, draws: int, seed=None, *, rng=None) -> np.ndarray:
        """Simulated k_t deviations from the central forecast, (draws, h)."""
        if not isinstance(draws, (int, np.integer)) or draws < 1:
            raise AssumptionError(f"draws must be a whole number of at least 1 (got {draws!r})", field="draws")
        rng = rng if rng is not None else np.random.default_rng(seed)
        z = rng.standard_normal((draws, h))
        return self.kt_deviation(z, rng.standard_normal(draws))

    def simulate(self, h: int, draws: int, seed=None) -> xr.Dataset:
        """Simulated paths: ``kt`` (year, draw) and ``mx`` (age, year, draw)."""
        central = self.forecast(h)
        k = central["kt"].values[:, None] + self.simulate_kt(h, draws, seed).T
        rates = np.exp(self._log_base()[:, None, None] + self.bx.values[:, None, None] * k[None])
        return xr.Dataset({"kt": (("year", "draw"), k), "mx": (("age", "year", "draw"), rates)},
                          coords={"age": self.ax.age.values, "year": central.year.values,
                                  "draw": np.arange(draws)})
