"""Cost-trend time series of a chosen or selected order: ARIMA(p, d, q) with a trend and one
dummy per shock year, fitted by exact maximum likelihood (statsmodels' state-space ARIMA).

    (1 - phi_1 L - ... - phi_p L^p) (1 - L)^d (y_t - mu_t - sum_j g_j D_jt)
        = (1 + theta_1 L + ... + theta_q L^q) e_t,      e_t ~ N(0, sigma^2)

``mu_t`` is the trend: a constant mean for d = 0 (``trend='c'``), a drift per period for d = 1
(``trend='t'``: a linear trend in the level, a constant in the differences), nothing for d = 2
or ``trend='n'``. With ``order=None`` the order is selected: d by the KPSS test (d = 1 when
the level is not stationary at 5%, unless ``d`` is given), then (p, q) in 0..``max_p`` x
0..``max_q`` by the smallest AIC (Hyndman & Khandakar 2008 use the same two steps).

A fit whose AR or MA polynomial has a root near the unit circle (modulus of an inverse root
above ``UNIT_ROOT_WARNING``) is reported with a :class:`NearUnitRootWarning`; its parameters
are returned as estimated, never clipped.

:func:`simulate_deviation` draws the zero-mean deviation of such a series from its
best-estimate path, for the stochastic engine; for ARIMA(1,0,0) it is exactly the engine's
AR(1) recurrence.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import AssumptionError

UNIT_ROOT_WARNING = 0.98
MIN_HISTORY = 8


class NearUnitRootWarning(UserWarning):
    """A fitted ARMA polynomial has a root close to the unit circle."""


@dataclass
class ArimaFit:
    """A fitted ARIMA(p, d, q): ``ar`` (phi_1..phi_p), ``ma`` (theta_1..theta_q), ``sigma`` (sd
    of e_t), ``trend`` term and its estimate ``mean`` (the level for d = 0, the drift per period
    for d = 1), ``shock_effects`` (position in the series -> effect), ``aic``/``bic``/``loglik``,
    ``nobs``, ``params`` (statsmodels' names) and the candidates tried (order -> AIC)."""

    order: tuple[int, int, int]
    ar: tuple = ()
    ma: tuple = ()
    sigma: float = 0.0
    trend: str = "n"
    mean: float | None = None
    shock_effects: dict = field(default_factory=dict)
    aic: float | None = None
    bic: float | None = None
    loglik: float | None = None
    nobs: int | None = None
    params: dict = field(default_factory=dict)
    candidates: dict = field(default_factory=dict)
    max_root: float = 0.0
    fitted: bool = True

    @property
    def phi(self) -> float:
        """phi_1 (0 when there is no AR term), for code that reads an AR(1)."""
        return float(self.ar[0]) if self.ar else 0.0


def _default_trend(d: int) -> str:
    return {0: "c", 1: "t"}.get(d, "n")


def _max_inverse_root(coefs, sign: float) -> float:
    """Largest modulus of the inverse roots of 1 - sign * (c_1 z + ... + c_k z^k)."""
    if not len(coefs):
        return 0.0
    return float(np.max(np.abs(np.roots(np.r_[1.0, -sign * np.asarray(coefs, dtype=float)]))))


def _fit_one(y, exog, order, trend):
    from statsmodels.tsa.arima.model import ARIMA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # convergence chatter on short series
        return ARIMA(y, exog=exog, order=order, trend=trend).fit()


def fit_arima(series, order=None, *, trend: str | None = None, shock=None, d: int | None = None,
              max_p: int = 2, max_q: int = 2, name: str = "series", file=None) -> ArimaFit:
    """Fit an ARIMA to ``series`` (a yearly growth rate, say, as fractions).

    Parameters
    ----------
    order : (p, d, q) or None
        The order; None selects it (see the module docstring).
    trend : 'n', 'c', 't' or None
        None: 'c' for d = 0, 't' (drift) for d = 1, 'n' for d = 2.
    shock : array of 0/1, optional
        1 marks a shock year, given its own dummy so it is not read as trend or noise.
    d : int, optional
        Differencing order used when selecting (None: the KPSS test decides between 0 and 1).
    """
    y = np.asarray(series, dtype=float)
    if y.ndim != 1 or not np.all(np.isfinite(y)):
        raise AssumptionError(f"{name}: the series must be one finite number per period", file=file, field=name)
    shock = np.zeros(y.size, dtype=int) if shock is None else np.asarray(shock, dtype=int)
    usable = int((shock == 0).sum())
    if usable < MIN_HISTORY:
        raise AssumptionError(f"history too short to fit {name}: {usable} ordinary years", file=file, field=name,
                              expected=f"at least {MIN_HISTORY} years that are not shock years")
    idx = np.flatnonzero(shock)
    exog = None
    if idx.size:
        exog = np.zeros((y.size, idx.size))
        exog[idx, np.arange(idx.size)] = 1.0
    if order is not None:
        order = tuple(int(o) for o in order)
        if len(order) != 3 or min(order) < 0 or order[1] > 2:
            raise AssumptionError(f"ARIMA order {order} for {name}", file=file, field=f"{name}.order",
                                  expected="[p, d, q] with p, q >= 0 and d in 0..2")
        candidates = [order]
    else:
        if d is None:
            d = _kpss_d(y[shock == 0])
        candidates = [(p, d, q) for p, q in itertools.product(range(max_p + 1), range(max_q + 1))]
    fits = {}
    for o in candidates:
        t = trend if trend is not None else _default_trend(o[1])
        try:
            fits[o] = (_fit_one(y, exog, o, t), t)
        except (ValueError, np.linalg.LinAlgError) as exc:
            if order is not None:
                raise AssumptionError(f"ARIMA{o} cannot be fitted to {name}: {exc}", file=file, field=name) from None
    best = min(fits, key=lambda o: fits[o][0].aic)
    res, t = fits[best]
    names = list(res.model.param_names)
    params = dict(zip(names, np.asarray(res.params, dtype=float)))
    ar = tuple(float(params[f"ar.L{i}"]) for i in range(1, best[0] + 1))
    ma = tuple(float(params[f"ma.L{i}"]) for i in range(1, best[2] + 1))
    k_trend = 0 if t == "n" else 1       # statsmodels puts the trend term first, then the dummies
    shock_names = names[k_trend:k_trend + idx.size]
    fit = ArimaFit(order=best, ar=ar, ma=ma, sigma=float(np.sqrt(params["sigma2"])), trend=t,
                   mean=float(params[names[0]]) if k_trend else None,
                   shock_effects={int(i): float(params[n]) for i, n in zip(idx, shock_names)},
                   aic=float(res.aic), bic=float(res.bic), loglik=float(res.llf), nobs=int(y.size), params=params,
                   candidates={o: float(r.aic) for o, (r, _) in fits.items()})
    fit.max_root = max(_max_inverse_root(ar, 1.0), _max_inverse_root(ma, -1.0))
    if fit.max_root > UNIT_ROOT_WARNING:
        warnings.warn(f"{name}: ARIMA{best} has a root near the unit circle (inverse root modulus "
                      f"{fit.max_root:.3f} > {UNIT_ROOT_WARNING}); the fit is kept as estimated, consider "
                      f"differencing (d + 1) or a shorter order", NearUnitRootWarning, stacklevel=2)
    return fit


def _kpss_d(y: np.ndarray) -> int:
    """1 if the KPSS test rejects level stationarity at 5%, else 0."""
    from statsmodels.tsa.stattools import kpss
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # p-value outside the table's range
        p = kpss(y, regression="c", nlags="auto")[1]
    return int(p < 0.05)


def simulate_deviation(innovations: np.ndarray, params) -> np.ndarray:
    """(draws, years) zero-mean deviations from the best-estimate path, dev[:, 0] = 0, driven by
    standard normals ``innovations`` (column 0 unused): e_t = sigma z_t (t >= 1, e_0 = 0),
    the ARMA part w_t = sum phi_i w_{t-i} + e_t + sum theta_j e_{t-j}, and the deviation
    w (d = 0) or its running sum (d = 1).

    ``params`` is an :class:`ArimaFit` or anything with ``phi`` and ``sigma`` (an AR(1)); for an
    AR(1) the recurrence is exactly dev_t = phi dev_{t-1} + sigma z_t."""
    ar = tuple(getattr(params, "ar", ()) or ())
    ma = tuple(getattr(params, "ma", ()) or ())
    order = getattr(params, "order", None)
    dev = np.zeros(innovations.shape)
    if not ar and not ma and order is None:
        for t in range(1, innovations.shape[1]):   # a recurrence over years, vectorised over draws
            dev[:, t] = params.phi * dev[:, t - 1] + params.sigma * innovations[:, t]
        return dev
    e = params.sigma * innovations.astype(float)
    e[:, 0] = 0.0
    w = np.zeros(innovations.shape)
    for t in range(1, innovations.shape[1]):
        w[:, t] = e[:, t]
        for i, phi in enumerate(ar, start=1):
            if t - i >= 0:
                w[:, t] += phi * w[:, t - i]
        for j, theta in enumerate(ma, start=1):
            if t - j >= 0:
                w[:, t] += theta * e[:, t - j]
    d = order[1] if order is not None else 0
    for _ in range(d):
        w = np.cumsum(w, axis=1)
    dev[:] = w
    return dev
