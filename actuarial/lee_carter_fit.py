"""Estimation steps behind :class:`actuarial.mortality.LeeCarter`, in numpy on (age, year) arrays.

* :func:`svd_fit` - Lee & Carter (1992): a_x the mean log rate, (b_x, k_t) the first singular
  component of the centred log rates, scaled so that sum b_x = 1 (then sum k_t = 0).
* :func:`adjust_kt` - the second-stage re-estimation of k_t with a_x, b_x held fixed:
  ``"dt"`` fitted total deaths equal observed deaths each year (Lee & Carter 1992),
  ``"dxt"`` a per-year Poisson regression of deaths by age on b_x with offset
  log(exposure) + a_x (Booth, Maindonald & Smith 2002), ``"e0"`` fitted life expectancy at
  birth equals the observed one (Lee & Miller 2001).
* :func:`ml_fit` - the log-bilinear model by maximum likelihood (Brouhns, Denuit & Vermunt
  2002): deaths ~ Poisson(E^c m), log m = a_x + b_x k_t; or deaths ~ Binomial(E^0, q),
  logit q = a_x + b_x k_t; by Goodman's alternating Newton steps, with 0/1 weights.
  :func:`loglik` gives the log-likelihood as StMoMo computes it (constant terms included).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .errors import AssumptionError

ZERO_RULES = ("error", "log_zero_as_zero", "geometric_mean")


def log_rates(m: np.ndarray, zeros: str) -> np.ndarray:
    """log m (age, year) under a zero-rate rule:

    * ``"error"``: a zero (or negative, or missing) rate is an error (the default);
    * ``"log_zero_as_zero"``: log 0 is replaced by 0, as R's ``vital::LC`` and
      ``demography::lca`` do (the rate is read as 1 in a_x and the SVD);
    * ``"geometric_mean"``: a zero rate is replaced by the geometric mean of that age's positive
      rates (``vital``'s documented rule for missing rates)."""
    if zeros not in ZERO_RULES:
        raise AssumptionError(f"unknown zero-rate rule {zeros!r}", field="zeros", expected=f"one of {ZERO_RULES}")
    m = np.asarray(m, dtype=float)
    if np.any(~np.isfinite(m)) or np.any(m < 0):
        raise AssumptionError("Lee-Carter needs finite, non-negative death rates", field="mx")
    zero = m == 0
    if zero.any() and zeros == "error":
        raise AssumptionError(f"{int(zero.sum())} death rates are zero", field="mx",
                              expected="positive rates, or a zero-rate rule (zeros='log_zero_as_zero' "
                                       "or 'geometric_mean'), or method='poisson'")
    with np.errstate(divide="ignore"):
        out = np.log(m)
    if zeros == "log_zero_as_zero":
        out[zero] = 0.0
    elif zeros == "geometric_mean" and zero.any():
        for i in np.flatnonzero(zero.any(axis=1)):
            ok = ~zero[i]
            if not ok.any():
                raise AssumptionError(f"every rate at age row {i} is zero", field="mx")
            out[i, zero[i]] = out[i, ok].mean()
    return out


def svd_fit(log_m: np.ndarray):
    """(ax, bx, kt, share of variance) from log rates (age, year)."""
    ax = log_m.mean(axis=1)
    u, s, vt = np.linalg.svd(log_m - ax[:, None], full_matrices=False)
    b, k = u[:, 0], s[0] * vt[0]
    scale = b.sum()
    return ax, b / scale, k * scale, float(s[0] ** 2 / np.sum(s ** 2))


def _root(f, guess: float, width: float) -> float:
    """A root of the monotone-in-practice f near ``guess``: widen a bracket until it holds one."""
    from scipy import optimize   # here, not at import: only the adjusted fits need a root

    lo, hi = guess - width, guess + width
    for _ in range(60):
        if np.sign(f(lo)) != np.sign(f(hi)):
            return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=500))
        lo, hi = lo - width, hi + width
        width *= 2
    raise AssumptionError("could not re-estimate k_t: no root found", field="adjust")


def adjust_kt(adjust: str, ax, bx, kt, *, deaths=None, exposure=None, e0=None, e0_of=None) -> np.ndarray:
    """k_t re-estimated year by year with a_x, b_x fixed (see the module docstring).

    ``deaths`` and ``exposure`` (age, year) for "dt"/"dxt" (exposure: person-years, or the
    population as ``vital`` uses); ``e0`` (year,) observed life expectancy and ``e0_of(log_m)``
    the life expectancy of a column of log rates for "e0"."""
    out = np.array(kt, dtype=float)
    width = max(float(np.std(kt)), 1.0)
    if adjust in ("dt", "dxt"):
        if deaths is None or exposure is None:
            raise AssumptionError(f"adjust={adjust!r} needs deaths and exposure by age and year", field="adjust")
        D, E = np.asarray(deaths, float), np.asarray(exposure, float)
    for t in range(out.size):
        guess = kt[t] if t == 0 else 0.5 * (out[t - 1] + kt[t])
        if adjust == "dt":
            total = D[:, t].sum()
            if total <= 0:
                continue
            out[t] = _root(lambda k: float(np.sum(np.exp(ax + bx * k) * E[:, t])) - total, guess, width)
        elif adjust == "dxt":
            use = E[:, t] > 0
            d, off, b = D[use, t], ax[use] + np.log(E[use, t]), bx[use]
            k = guess
            for _ in range(100):   # Newton on the Poisson score: the per-year GLM with no intercept
                mu = np.exp(off + b * k)
                step = np.sum((d - mu) * b) / np.sum(mu * b * b)
                k += step
                if abs(step) < 1e-12 * max(1.0, abs(k)):
                    break
            out[t] = k
        elif adjust == "e0":
            if not np.isfinite(e0[t]):
                continue
            out[t] = _root(lambda k: e0_of(ax + bx * k) - e0[t], guess, width)
        else:
            raise AssumptionError(f"unknown adjustment {adjust!r}", field="adjust", expected="'dt', 'dxt', 'e0' or None")
    return out


# --------------------------------------------------------------------------------------------
# Maximum likelihood (Poisson log-bilinear, binomial logit)


def _expected(method, ax, bx, kt, E):
    eta = ax[:, None] + bx[:, None] * kt[None, :]
    if method == "poisson":
        mu = E * np.exp(eta)
        return mu, mu                       # expected deaths, their variance (the Newton weight)
    q = special.expit(eta)
    return E * q, E * q * (1 - q)


def loglik(method: str, D, E, ax, bx, kt, w) -> float:
    """Log-likelihood with StMoMo's constants: Poisson ``sum w (D log Dhat - Dhat - log D!)``;
    binomial ``sum w (D log q + (E - D) log(1 - q) + log C(round E, round D))``."""
    use = w > 0
    mu, _ = _expected(method, ax, bx, kt, E)
    D, E, mu = D[use], E[use], mu[use]
    if method == "poisson":
        return float(np.sum(special.xlogy(D, mu) - mu - special.gammaln(D + 1)))
    q = mu / E
    n, k = np.round(E), np.round(D)
    lchoose = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    return float(np.sum(special.xlogy(D, q) + special.xlog1py(E - D, -q) + lchoose))


def ml_fit(method: str, D: np.ndarray, E: np.ndarray, w: np.ndarray, *, tol: float = 1e-14, max_iter: int = 20000):
    """(ax, bx, kt, loglik, iterations) maximising the Poisson or binomial likelihood of the
    Lee-Carter predictor, with sum b_x = 1 and sum k_t = 0 (StMoMo's constraints)."""
    D, E, w = (np.asarray(x, dtype=float) for x in (D, E, w))
    rate = np.where(w > 0, (D + 0.5) / np.maximum(E, 1e-12), np.nan)
    if method == "logit":
        rate = np.clip(rate, 1e-9, 1 - 1e-9)
        start = np.log(rate / (1 - rate))
    else:
        start = np.log(rate)
    start = np.where(np.isfinite(start), start, np.nanmean(start, axis=1, keepdims=True))
    ax, bx, kt, _ = svd_fit(start)
    old = loglik(method, D, E, ax, bx, kt, w)
    for it in range(1, max_iter + 1):
        mu, v = _expected(method, ax, bx, kt, E)
        ax = ax + np.sum(w * (D - mu), axis=1) / np.sum(w * v, axis=1)
        mu, v = _expected(method, ax, bx, kt, E)
        kt = kt + np.sum(w * (D - mu) * bx[:, None], axis=0) / np.sum(w * v * bx[:, None] ** 2, axis=0)
        mu, v = _expected(method, ax, bx, kt, E)
        bx = bx + np.sum(w * (D - mu) * kt[None, :], axis=1) / np.sum(w * v * kt[None, :] ** 2, axis=1)
        # identification: sum k = 0 (absorbed by a_x), sum b = 1 (absorbed by k_t)
        c = kt.mean()
        ax, kt = ax + bx * c, kt - c
        s = bx.sum()
        bx, kt = bx / s, kt * s
        new = loglik(method, D, E, ax, bx, kt, w)
        if abs(new - old) < tol * abs(old):
            return ax, bx, kt, new, it
        old = new
    raise AssumptionError(f"{method} Lee-Carter did not converge in {max_iter} iterations", field="method")
