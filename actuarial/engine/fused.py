"""The cohort-component recurrence compiled into one pass per draw and year (numba).

:func:`population_recurrence` does, for every draw and year, exactly the steps of
:mod:`actuarial.demography` in the same order — survival and ageing
(:func:`~actuarial.demography.survive_and_age`), births from women of every status
(:func:`~actuarial.demography.births`, :func:`~actuarial.demography.split_births`), deaths
(:func:`~actuarial.demography.deaths_among`), moves between statuses
(:func:`~actuarial.demography.transitions`) and net migration capped at the group
(:func:`~actuarial.demography.migrate`) — but walks one draw's population at a time while it is
in the processor's cache, instead of sweeping the whole chunk about thirteen times a year. The
numpy functions stay the reference: a test requires the two to agree to round-off
(``tests/test_engine_structure.py``). Compiled code is cached on disk (``cache=True``), so only
the first run on a machine pays the compile time; it releases the GIL, so threads run chunks in
parallel.

Units: persons; rates are fractions a year; the population array is (draw, date, status, sex,
age) with the newborns' status, the four statuses and the female sex given by index.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def population_recurrence(pop, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                          newborn, active, retired, resident, female, born, died, moved,
                          flexible, flex_entry, flex_exit, years, contributing, use_rule, minimum, spread,
                          pay_up):  # pragma: no cover
    """Fill ``pop[:, 1:]`` from ``pop[:, 0]`` and the year's flows ``born``, ``died``, ``moved``
    (draw, year, sex).

    pop : (D, T + 1, status, sex, age) persons at 1 January; sx : (D, T, sex, age) survival
    ratios; bs : (D, T, sex) survival of births to 1 January; fert : (T, age) births per
    woman-year; srb : (T,) males per female; entry, exit_ : (sex, age) base rates between the
    resident and active statuses, scaled by ``scale`` (D, T) (entries x scale, exits / scale,
    each at most 1); flex_entry (T, sex, age), flex_exit (sex, age): rates between the resident
    and flexible statuses; retire : (T, sex, age) retirement hazard; eligible : (T,) share of
    retirees keeping employee-scheme membership; migration : (status, sex, age) net migrants a
    year. With ``use_rule`` the kept share comes from contribution years instead: ``years``
    (D, 2, status, sex, age) is scratch space whose ``[d, 0]`` holds the base year's total
    contribution years; members of the ``contributing`` statuses (status,) 0/1 accrue a year
    each year; minimum (T, sex) years, spread (years), pay_up (T,) as in
    :func:`actuarial.demography.retirement_keep_share`.
    """
    D, T1, S, X, A = pop.shape
    for d in range(D):
        zs = years[d, 0]
        ze = years[d, 1]
        for t in range(T1 - 1):
            start = pop[d, t]
            end = pop[d, t + 1]
            s_dt = sx[d, t]
            # 1-2 survival and ageing; the open group keeps its survivors
            for s in range(S):
                for x in range(X):
                    end[s, x, 0] = 0.0
                    for a in range(1, A - 1):
                        end[s, x, a] = start[s, x, a - 1] * s_dt[x, a - 1]
                    end[s, x, A - 1] = start[s, x, A - 2] * s_dt[x, A - 2] + start[s, x, A - 1] * s_dt[x, A - 1]
            if use_rule:   # contribution years: a year accrued by contributors, then survival and ageing
                for s in range(S):
                    c = contributing[s]
                    for x in range(X):
                        ze[s, x, 0] = 0.0
                        for a in range(1, A - 1):
                            ze[s, x, a] = (zs[s, x, a - 1] + c * start[s, x, a - 1]) * s_dt[x, a - 1]
                        ze[s, x, A - 1] = ((zs[s, x, A - 2] + c * start[s, x, A - 2]) * s_dt[x, A - 2]
                                           + (zs[s, x, A - 1] + c * start[s, x, A - 1]) * s_dt[x, A - 1])
            # 3 births from women of every status, split by the sex ratio at birth
            total = 0.0
            for a in range(A):
                w_start = 0.0
                w_end = 0.0
                for s in range(S):
                    w_start += start[s, female, a]
                    w_end += end[s, female, a]
                total += fert[t, a] * (0.5 * (w_start + w_end))
            male = total * srb[t] / (1.0 + srb[t])
            for x in range(X):
                b = male if x != female else total - male
                born[d, t, x] = b
                end[newborn, x, 0] = b * bs[d, t, x]
                deaths = 0.0
                for a in range(A):
                    everyone = start[0, x, a]
                    for s in range(1, S):
                        everyone += start[s, x, a]
                    deaths += everyone * (1.0 - s_dt[x, a])
                died[d, t, x] = deaths + b * (1.0 - bs[d, t, x])
            # 4 moves between statuses at the new ages
            k = scale[d, t]
            for x in range(X):
                for a in range(A):
                    e = min(entry[x, a] * k, 1.0)
                    o = min(exit_[x, a] / k, 1.0)
                    fe = flex_entry[t, x, a]
                    fx = flex_exit[x, a]
                    res0 = end[resident, x, a]
                    flx = end[flexible, x, a]
                    net_in = res0 * e - end[active, x, a] * o
                    net_flex = res0 * fe - flx * fx
                    act = end[active, x, a] + net_in
                    res = res0 - net_in
                    flx += net_flex
                    res -= net_flex
                    h = retire[t, x, a]
                    keep_a = eligible[t]
                    keep_f = eligible[t]
                    if use_rule:
                        zo = ze[resident, x, a]
                        za = ze[active, x, a] + (zo * e - ze[active, x, a] * o)
                        zf = ze[flexible, x, a] + (zo * fe - ze[flexible, x, a] * fx)
                        zo = zo - (zo * e - ze[active, x, a] * o) - (zo * fe - ze[flexible, x, a] * fx)
                        if h > 0.0:    # only cells reaching the statutory age need the kept share
                            keep_a = _keep(za / act if act > 0 else 0.0, minimum[t, x], spread, pay_up[t])
                            keep_f = _keep(zf / flx if flx > 0 else 0.0, minimum[t, x], spread, pay_up[t])
                        za_out = za * h
                        zf_out = zf * h
                        ze[active, x, a] = za - za_out
                        ze[flexible, x, a] = zf - zf_out
                        ze[retired, x, a] += za_out * keep_a + zf_out * keep_f
                        ze[resident, x, a] = zo + za_out * (1.0 - keep_a) + zf_out * (1.0 - keep_f)
                    retiring = act * h
                    act -= retiring
                    kept = retiring * keep_a
                    ret = end[retired, x, a] + kept
                    res = res + (retiring - kept)
                    retiring_f = flx * h
                    flx -= retiring_f
                    kept_f = retiring_f * keep_f
                    end[active, x, a] = act
                    end[flexible, x, a] = flx
                    end[retired, x, a] = ret + kept_f
                    end[resident, x, a] = res + (retiring_f - kept_f)
            # 5 net migration, an outflow capped at the group (migrants carry their cell's mean years)
            for x in range(X):
                moved[d, t, x] = 0.0
            for s in range(S):
                for x in range(X):
                    for a in range(A):
                        m = migration[s, x, a]
                        if m != 0.0:
                            before = end[s, x, a]
                            applied = max(m, -before)
                            end[s, x, a] += applied
                            moved[d, t, x] += applied
                            if use_rule:
                                ze[s, x, a] *= end[s, x, a] / before if before > 0 else 0.0
            if use_rule:
                zs, ze = ze, zs


@njit(cache=True, nogil=True)
def _keep(mean_years, minimum, spread, pay_up):  # pragma: no cover
    """:func:`actuarial.demography.retirement_keep_share` for one cell."""
    z = mean_years - minimum
    if spread > 0:
        meet = 0.5 * (1.0 + math.erf(z / (spread * math.sqrt(2.0))))
    else:
        meet = 1.0 if z >= 0 else 0.0
    return meet + (1.0 - meet) * pay_up


def run(pop: np.ndarray, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration, *,
        newborn: int, active: int, retired: int, resident: int, female: int, flexible: int,
        flex_entry=None, flex_exit=None, years0=None, contributing=None, rule=None):
    """Run :func:`population_recurrence` and return the flows (births, deaths, migration),
    each (D, T, sex). ``flex_entry`` (T, sex, age) and ``flex_exit`` (sex, age) default to
    zero; ``rule = (minimum (T, sex), spread, pay_up (T,))`` with ``years0`` (status, sex, age)
    and ``contributing`` (status,) switches the contribution-years rule on."""
    D, T = sx.shape[:2]
    S, X, A = pop.shape[2:]
    born, died, moved = (np.empty((D, T, X)) for _ in range(3))
    flex_entry = np.zeros((T, X, A)) if flex_entry is None else np.ascontiguousarray(flex_entry, dtype=float)
    flex_exit = np.zeros((X, A)) if flex_exit is None else np.ascontiguousarray(flex_exit, dtype=float)
    if rule is None:
        years = np.zeros((1, 2, 1, 1, 1))
        contributing = np.zeros(S)
        minimum, spread, pay_up = np.zeros((T, X)), 0.0, np.zeros(T)
    else:
        years = np.empty((D, 2, S, X, A))
        years[:, 0] = years0
        minimum, spread, pay_up = (np.ascontiguousarray(rule[0], dtype=float), float(rule[1]),
                                   np.ascontiguousarray(rule[2], dtype=float))
        contributing = np.asarray(contributing, dtype=float)
    population_recurrence(pop, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                          newborn, active, retired, resident, female, born, died, moved,
                          flexible, flex_entry, flex_exit, years, contributing, rule is not None, minimum, spread,
                          pay_up)
    return born, died, moved
