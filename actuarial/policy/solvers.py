"""Solvers: the contribution rate, premium or subsidy that keeps a fund inside its lines.

:func:`solve_rate` finds the lowest value of an *instrument* (the employer contribution rate,
the resident premium or the resident subsidy), applied from a given year, such that with
probability at least ``probability`` the fund's months of reserves stay at or above ``line`` in
every year from then to the end of the horizon. Every trial value is projected with the same
random draws (common random numbers), so the share of safe draws can only rise with the
instrument; the population of every draw is projected once and each trial value prices only
the money (:class:`actuarial.engine.reuse.Projector`). The answer is found to ``tol`` by a
vectorised regula falsi on the draws' margins (each draw's lowest months of reserves less the
line; linear in a contribution rate, so one round usually settles it), finished by bisection
when needed, keeping the side of the step that meets the condition.

Monte Carlo uncertainty: draw d is safe from its own threshold value r_d on, so the share of
safe draws at x is the empirical distribution of r_d and the answer is its ``probability``
quantile. A distribution-free 95% interval for that quantile uses the binomial order
statistics (the values at which the share of safe draws reaches the binomial 2.5% and 97.5%
points); they are found by the same bisection.

:func:`break_even` finds the value that makes a year's income equal its spending (a zero
current-year balance, 当期收支平衡), with scipy's ``brentq``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..params import Assumptions
from ..errors import ActuarialError
from ..engine.reuse import Projector
from ..uncertainty import SOURCES
from .levers import apply_lever

INSTRUMENTS = {
    # name: (scheme, lever spec builder, unit)
    "employer_rate": ("employee", lambda x: {"lever": "contribution_rate", "employer": x}, "fraction"),
    "employee_rate": ("employee", lambda x: {"lever": "contribution_rate", "employee": x}, "fraction"),
    "premium": ("resident", lambda x: {"lever": "resident_funding", "premium": x}, "CNY per enrolled person per year"),
    "subsidy": ("resident", lambda x: {"lever": "resident_funding", "subsidy": x}, "CNY per enrolled person per year"),
}


class SolverError(ActuarialError, ValueError):
    """A solver was asked something it cannot answer (unknown instrument, bad bounds)."""


@dataclass
class RateSolution:
    """The answer of :func:`solve_rate`.

    ``value`` is None when no value within ``bounds`` meets the condition (``feasible`` False).
    ``interval`` is the 95% Monte Carlo interval of the answer. ``probability_at_value`` is the
    share of safe draws at the answer; ``checked`` holds every value tried and its share."""

    instrument: str
    unit: str
    scheme: str
    line: float
    probability: float
    from_year: int
    bounds: tuple[float, float]
    feasible: bool
    value: float | None
    interval: tuple[float, float] | None
    probability_at_value: float | None
    draws: int
    checked: dict = field(default_factory=dict, repr=False)

    @property
    def message(self) -> str:
        cond = (f"{self.scheme} fund months of reserves >= {self.line:g} every year from {self.from_year} "
                f"with probability >= {self.probability:.0%} ({self.draws} draws)")
        if not self.feasible:
            return (f"no {self.instrument} within {self.bounds[0]:g}..{self.bounds[1]:g} keeps {cond}; "
                    f"at {self.bounds[1]:g} the probability is {self.checked[self.bounds[1]]:.1%}")
        lo, hi = self.interval
        return (f"lowest {self.instrument} keeping {cond}: {self.value:.6g} {self.unit} "
                f"(95% Monte Carlo interval {lo:.6g} to {hi:.6g}; probability at it {self.probability_at_value:.1%})")


def _instrument(name: str):
    if name not in INSTRUMENTS:
        raise SolverError(f"unknown instrument '{name}'; expected one of {sorted(INSTRUMENTS)}")
    return INSTRUMENTS[name]


def solve_rate(assumptions: Assumptions, instrument: str = "employer_rate", *, line: float = 6.0,
               probability: float = 0.9, from_year: int | None = None, years: int = 10,
               draws: int = 1000, seed: int = 0, bounds: tuple[float, float] = (0.0, 0.15),
               tol: float | None = None, sources=None) -> RateSolution:
    """Lowest ``instrument`` value from ``from_year`` keeping months of reserves >= ``line`` in
    every year from ``from_year`` to the horizon's end with probability >= ``probability``."""
    scheme, build, unit = _instrument(instrument)
    if not 0 < probability <= 1:
        raise SolverError(f"probability must be in (0, 1] (got {probability})")
    lo, hi = map(float, bounds)
    if not lo < hi:
        raise SolverError(f"bounds {bounds} must be increasing")
    from_year = assumptions.base_year + 1 if from_year is None else from_year
    tol = (hi - lo) * 1e-4 if tol is None else tol
    proj = Projector(assumptions, years, draws=draws, seed=seed, sources=SOURCES if sources is None else sources)
    cache: dict[float, np.ndarray] = {}    # value -> each draw's margin: min over years of months - line

    def margin(x: float) -> np.ndarray:
        if x not in cache:
            a = apply_lever(assumptions, {"from_year": from_year, **build(x)}, years)
            rm = proj.project(a)["reserve_months"].sel(scheme=scheme, year=slice(from_year, None))
            cache[x] = np.atleast_1d((rm - line).min("year").values)
        return cache[x]

    def share(x: float) -> float:
        return float((margin(x) >= 0).mean())

    def thresholds() -> np.ndarray:
        """Each draw's threshold r_d estimated from the values tried so far: its margin
        interpolated linearly between the nearest values on either side of its sign change
        (exact when the margin is linear in the instrument, as it is for a contribution rate)."""
        xs = np.array(sorted(cache))
        m = np.stack([cache[x] for x in xs])                       # (values, draws)
        ok = m >= 0
        first = np.where(ok.any(axis=0), ok.argmax(axis=0), len(xs))
        r = np.full(m.shape[1], np.inf)
        r[first == 0] = xs[0]
        inner = (first > 0) & (first < len(xs))
        i = first[inner]
        x0, x1, m0, m1 = xs[i - 1], xs[i], m[i - 1, inner], m[i, inner]
        with np.errstate(divide="ignore", invalid="ignore"):
            r[inner] = np.where(np.isfinite(m0) & np.isfinite(m1) & (m1 > m0), x0 - m0 * (x1 - x0) / (m1 - m0), x1)
        return r

    def smallest(q: float) -> float:
        """Smallest x in [lo, hi] with share(x) >= q, to ``tol``. share is a non-decreasing step
        function whose steps are the draws' thresholds, so the answer is the ceil(q * draws)-th
        smallest threshold. Each round estimates the thresholds from the values tried
        (:func:`thresholds`), tries the estimated answer and one tolerance below it, and narrows
        the bracket (fails, meets) with what it finds: with a margin linear in the instrument
        the first round settles it; otherwise a few rounds of this vectorised regula falsi do,
        and plain bisection of what is left of the bracket ends it (as a step function may
        need). The side that meets the condition is returned."""
        if share(lo) >= q:
            return lo
        fails, meets = lo, hi
        k = max(int(np.ceil(q * len(margin(lo)) - 1e-9)), 1)
        for _ in range(6):
            if meets - fails <= tol:
                return meets
            guess = np.partition(thresholds(), k - 1)[k - 1] + 0.01 * tol
            guess = min(max(guess, fails + 0.5 * tol), meets - 0.5 * tol)
            for x in (guess, guess - tol) if guess - tol > fails else (guess,):
                if share(x) >= q:
                    meets = min(meets, x)
                else:
                    fails = max(fails, x)
                    break
        while meets - fails > tol:
            mid = 0.5 * (fails + meets)
            fails, meets = (fails, mid) if share(mid) >= q else (mid, meets)
        return meets

    result = RateSolution(instrument, unit, scheme, line, probability, from_year, (lo, hi), False,
                          None, None, None, draws, cache)
    if share(hi) < probability:
        result.checked = {x: float((v >= 0).mean()) for x, v in cache.items()}
        return result
    value = smallest(probability)
    # 95% interval of the probability-quantile of the per-draw thresholds: binomial order statistics
    from scipy import stats   # here, not at import (scipy.stats alone takes most of a second)

    k_lo, k_hi = stats.binom.ppf([0.025, 0.975], draws, probability)
    upper_q = min(k_hi, draws) / draws
    ci = (smallest(max(k_lo, 1) / draws), smallest(upper_q) if share(hi) >= upper_q else hi)
    result.feasible, result.value, result.interval = True, value, ci
    result.probability_at_value = share(value)
    result.checked = {x: float((v >= 0).mean()) for x, v in sorted(cache.items())}
    return result


def break_even(assumptions: Assumptions, instrument: str = "employer_rate", *, year: int,
               from_year: int | None = None, years: int | None = None,
               bounds: tuple[float, float] = (0.0, 0.3)) -> float:
    """Value of ``instrument`` (from ``from_year``) at which the fund's income equals its
    spending in ``year`` under the best estimate (brentq). Raises :class:`SolverError` when
    the balance does not change sign within ``bounds``."""
    scheme, build, _ = _instrument(instrument)
    from_year = assumptions.base_year + 1 if from_year is None else from_year
    years = (year - assumptions.base_year) if years is None else years
    proj = Projector(assumptions, years)

    def surplus(x: float) -> float:
        a = apply_lever(assumptions, {"from_year": from_year, **build(x)}, years)
        ds = proj.project(a).sel(scheme=scheme, year=year)
        return float(ds["income"] - ds["spending"])

    lo, hi = bounds
    f_lo, f_hi = surplus(lo), surplus(hi)
    if f_lo * f_hi > 0:
        raise SolverError(f"{scheme} fund's {year} income - spending is {f_lo:.4g} CNY at {lo:g} and "
                          f"{f_hi:.4g} CNY at {hi:g}: no break-even {instrument} within the bounds")
    from scipy import optimize

    return float(optimize.brentq(surplus, lo, hi, xtol=1e-10 * max(1.0, abs(hi))))


def safe_share(assumptions: Assumptions, instrument: str, values, *, line: float, from_year: int,
               years: int = 10, draws: int = 1000, seed: int = 0) -> xr.DataArray:
    """Share of draws keeping months of reserves >= ``line`` from ``from_year`` on, for each of
    ``values`` of the instrument (a curve to plot next to the solved value)."""
    scheme, build, unit = _instrument(instrument)
    proj = Projector(assumptions, years, draws=draws, seed=seed)
    out = []
    for x in values:
        a = apply_lever(assumptions, {"from_year": from_year, **build(float(x))}, years)
        rm = proj.project(a)["reserve_months"].sel(scheme=scheme, year=slice(from_year, None))
        out.append(float((rm >= line).all("year").mean()))
    return xr.DataArray(out, coords={instrument: np.asarray(values, dtype=float)}, dims=instrument,
                        attrs={"units": "1", "long_name": f"probability {scheme} months of reserves stay >= {line:g}",
                               "instrument_units": unit})
