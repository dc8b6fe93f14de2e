"""Stochastic mortality: the Lee-Carter model.

    log m(x, t) = a_x + b_x k_t + e(x, t),   sum_x b_x = 1,  sum_t k_t = 0

fitted by the singular value decomposition of the centred log rates (Lee & Carter 1992), with
k_t forecast as a random walk with drift:

    k_{T+h} = k_T + h * drift + sum of h innovations ~ N(0, sigma^2)

so that the central forecast is ``k_T + h drift`` and its variance ``h sigma^2`` (plus
``h^2 sigma^2 / (n - 1)`` when the uncertainty of the estimated drift is included, n being the
number of fitted years). Years need not be one apart (UN tables come in five-year periods):
the drift and variance are estimated per step and converted to per year.

The API follows StMoMo / pyStMoMo: ``fit(mx)``, then ``forecast(h)`` and ``simulate(h, draws,
seed)`` returning rates shaped (age, year[, draw]).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .errors import AssumptionError


class LeeCarter:
    """Lee-Carter mortality model.

    Attributes (after :meth:`fit`)
    -------------------------------
    ax, bx : DataArray over ``age``
    kt : DataArray over ``year``
    explained_variance : float
        Share of the variance of the centred log rates captured by the first singular
        component.
    drift, sigma : float
        Random-walk drift and innovation standard deviation of k_t, **per year**.
    """

    def __init__(self, include_drift_uncertainty: bool = True):
        self.include_drift_uncertainty = include_drift_uncertainty

    def fit(self, mx: xr.DataArray) -> "LeeCarter":
        """Fit to central death rates with dims ``age`` and ``year`` (years increasing, equally
        spaced). Rates must be positive."""
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
        values = mx.values
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise AssumptionError("Lee-Carter needs positive, finite death rates", field="mx")
        log_m = np.log(values)
        ax = log_m.mean(axis=1)
        centred = log_m - ax[:, None]
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        b = u[:, 0]
        k = s[0] * vt[0]
        scale = b.sum()
        bx, kt = b / scale, k * scale
        self.step = float(steps[0])
        self.explained_variance = float(s[0] ** 2 / np.sum(s ** 2))
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
                               attrs={"long_name": "Lee-Carter k_t: mortality index (sums to 0)"})
        return self

    # -- forecasting ---------------------------------------------------------------------------

    def _rates(self, k: np.ndarray) -> np.ndarray:
        return np.exp(self.ax.values[:, None] + self.bx.values[:, None] * k[None, :])

    def fitted_rates(self) -> xr.DataArray:
        """exp(a_x + b_x k_t) over the fitted years."""
        return xr.DataArray(self._rates(self.kt.values), coords={"age": self.ax.age, "year": self.kt.year},
                            dims=("age", "year"))

    def _future_years(self, h: int) -> np.ndarray:
        last = float(self.kt["year"].values[-1])
        return last + np.arange(1, h + 1)

    def forecast(self, h: int) -> xr.Dataset:
        """Central forecast ``h`` years past the last fitted year: ``kt`` and ``mx`` (age, year)."""
        t = np.arange(1, h + 1)
        k = self.kt.values[-1] + self.drift * t
        years = self._future_years(h)
        return xr.Dataset({
            "kt": ("year", k),
            "mx": (("age", "year"), self._rates(k)),
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
        rates = np.exp(self.ax.values[:, None, None] + self.bx.values[:, None, None] * k[None])
        return xr.Dataset({"kt": (("year", "draw"), k), "mx": (("age", "year", "draw"), rates)},
                          coords={"age": self.ax.age.values, "year": central.year.values,
                                  "draw": np.arange(draws)})
