"""Abridged cohort-component projection: 5-year age groups, 5-year steps (Preston, Heuveline &
Guillot 2001, ch. 6), for census data in 5-year groups and long horizons.

Inputs per sex: the population by group 0-4, 5-9, ..., the open group w+ at the start; the life
table's nLx by the same groups with the last value T_w (person-years lived above w), radix
l_0; age-specific fertility rates (births per woman per year, both sexes of births) by
mother's group; net migrants per group over the step.

Survival over a step (destination indexed, as in the UN's ccmppWPP):

    S_0 = 5L_0 / (5 l_0)                        births of the step -> group 0-4 at its end
    S_x = 5L_x / 5L_{x-5}                       group x-5 -> x        (x = 5 .. w-5)
    S_w = T_w / (5L_{w-5} + T_w) = T_w / T_{w-5}    groups w-5 and w+ -> w+

Migration timing (``timing``): a share ``a`` of each group's migrants joins at the start of the
step (and survives with its group), the rest at the end (in its destination group): 'start'
a = 1, 'even' a = 1/2, 'end' a = 0.

    P_adj(x) = P(x) + a N(x)
    P'(x) = P_adj(x - 5) S_x + (1 - a) N(x),   P'(w) = (P_adj(w-5) + P_adj(w)) S_w + (1 - a) N(w)

Births over the step by mother's group: B(x) = 5 f_x (P_adj,f(x) + P'_f(x)) / 2; female births
B / (1 + SRB), the rest male; P'(0) = B_sex S_0,sex + (1 - a) N(0).

Without migration this is the Leslie matrix (:func:`leslie_matrix`) times the population;
:func:`growth_rate` gives its dominant root lambda (per step), the intrinsic growth rate
r = ln(lambda) / 5 per year and the stable age distribution.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .errors import AssumptionError

TIMING = {"start": 1.0, "even": 0.5, "end": 0.0}


def _vector(x, n, name):
    x = np.asarray(x, dtype=float)
    if x.shape != (n,):
        raise AssumptionError(f"{name} has {x.size} values for {n} age groups", field=name)
    if not np.all(np.isfinite(x)) or np.any(x < 0) and name != "migrants":
        raise AssumptionError(f"{name} must be finite and non-negative", field=name)
    return x


def survival(nLx, *, radix: float = 1e5, width: int = 5) -> np.ndarray:
    """Destination-indexed survival ratios S_0 .. S_w (see the module docstring)."""
    L = np.asarray(nLx, dtype=float)
    if L.size < 3 or np.any(L <= 0):
        raise AssumptionError("nLx must be positive for three or more groups", field="nLx")
    s = np.empty(L.size)
    s[0] = L[0] / (width * radix)
    s[1:-1] = L[1:-1] / L[:-2]
    s[-1] = L[-1] / (L[-2] + L[-1])
    return s


def nLx_from_mx(mx, *, radix: float = 1e5, width: int = 5) -> np.ndarray:
    """nLx (last value T_w) from death rates by 5-year group (last open), with the constant
    force of mortality within each closed group: L = l (1 - e^{-n m}) / m; open T_w = l_w / m_w."""
    m = np.asarray(mx, dtype=float)
    if np.any(m <= 0) or not np.all(np.isfinite(m)):
        raise AssumptionError("death rates must be positive and finite", field="mx")
    p = np.exp(-width * m[:-1])
    lx = radix * np.r_[1.0, np.cumprod(p)]
    L = np.empty(m.size)
    L[:-1] = lx[:-1] * (1 - p) / m[:-1]
    L[-1] = lx[-1] / m[-1]
    return L


def leslie_matrix(nLx, asfr, *, radix: float = 1e5, srb: float = 1.05, width: int = 5) -> np.ndarray:
    """The female Leslie matrix of a 5-year step (Preston et al. 2001, Box 6.1): sub-diagonal
    S_x = 5L_x / 5L_{x-5}, the open group kept with T_w / T_{w-5}; first row
    ``(5L_0 / l_0) (F_x + F_{x+5} S_{x+5}) / 2`` with F = asfr / (1 + SRB) female births per
    woman per year (5L_0 / l_0 holds the step's five years)."""
    L = np.asarray(nLx, dtype=float)
    n = L.size
    f = _vector(asfr, n, "asfr") / (1 + srb)
    s = survival(L, radix=radix, width=width)
    M = np.zeros((n, n))
    M[np.arange(1, n), np.arange(n - 1)] = s[1:]
    M[n - 1, n - 1] = s[-1]
    nxt = np.r_[f[1:] * s[1:], 0.0]
    M[0] = L[0] / radix * (f + nxt) / 2
    return M


def growth_rate(leslie: np.ndarray, width: int = 5) -> dict:
    """Dominant root of a Leslie matrix: ``lambda`` (growth factor per step), ``r`` (intrinsic
    growth rate per year, ln(lambda) / width) and ``stable`` (stable age distribution, shares
    summing to 1)."""
    vals, vecs = np.linalg.eig(leslie)
    i = int(np.argmax(vals.real))
    lam = float(vals[i].real)
    v = np.abs(vecs[:, i].real)
    return {"lambda": lam, "r": float(np.log(lam) / width), "stable": v / v.sum()}


def project_abridged(pop_f, nLx_f, asfr, *, steps: int = 1, pop_m=None, nLx_m=None, migrants_f=None,
                     migrants_m=None, timing: str = "even", srb: float = 1.05, radix: float = 1e5,
                     width: int = 5, start: int = 0) -> xr.Dataset:
    """Project by 5-year steps (see the module docstring); rates and migration held constant.

    Returns ``population`` (sex, time, age: persons at the start of each step, then at each
    step's end), ``births_by_age`` (time, age of mother: births over the step ending at time)
    and ``births`` (sex, time). Without a male population only females are projected."""
    if timing not in TIMING:
        raise AssumptionError(f"unknown migration timing {timing!r}", field="timing", expected=f"one of {list(TIMING)}")
    a = TIMING[timing]
    n = np.asarray(pop_f).size
    sexes = ["female"] + (["male"] if pop_m is not None else [])
    pop = {"female": _vector(pop_f, n, "population")}
    L = {"female": np.asarray(nLx_f, dtype=float)}
    if pop_m is not None:
        if nLx_m is None:
            raise AssumptionError("a male projection needs male nLx", field="nLx_m")
        pop["male"], L["male"] = _vector(pop_m, n, "population"), np.asarray(nLx_m, dtype=float)
    mig = {"female": np.zeros(n) if migrants_f is None else _vector(migrants_f, n, "migrants"),
           "male": np.zeros(n) if migrants_m is None else _vector(migrants_m, n, "migrants")}
    fert = _vector(asfr, n, "asfr")
    S = {s: survival(L[s], radix=radix, width=width) for s in sexes}
    out_pop = np.zeros((len(sexes), steps + 1, n))
    out_births_age = np.zeros((steps + 1, n))
    out_births = np.zeros((len(sexes), steps + 1))
    for k, s in enumerate(sexes):
        out_pop[k, 0] = pop[s]
    for t in range(1, steps + 1):
        new = {}
        for s in sexes:
            adj = out_pop[sexes.index(s), t - 1] + a * mig[s]
            p = np.empty(n)
            p[1:-1] = adj[:-2] * S[s][1:-1]
            p[-1] = (adj[-2] + adj[-1]) * S[s][-1]
            p[1:] += (1 - a) * mig[s][1:]
            new[s] = (adj, p)
        adj_f, end_f = new["female"]
        b_age = width * fert * (adj_f + end_f) / 2
        total = b_age.sum()
        by_sex = {"female": total / (1 + srb), "male": total * srb / (1 + srb)}
        for k, s in enumerate(sexes):
            adj, p = new[s]
            p[0] = by_sex[s] * S[s][0] + (1 - a) * mig[s][0]
            out_pop[k, t] = p
            out_births[k, t] = by_sex[s]
        out_births_age[t] = b_age
    ages = np.arange(n) * width
    times = start + width * np.arange(steps + 1)
    return xr.Dataset({
        "population": (("sex", "time", "age"), out_pop, {"units": "persons", "long_name": "population at the time"}),
        "births_by_age": (("time", "age"), out_births_age,
                          {"units": "births", "long_name": "births over the step ending at the time, by mother's age"}),
        "births": (("sex", "time"), out_births, {"units": "births", "long_name": "births over the step ending at the time"}),
    }, coords={"sex": sexes, "time": times, "age": ages},
        attrs={"migration_timing": timing, "sex_ratio_at_birth": srb, "step_years": width})
