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
age) with the newborns' status, the three member statuses and the female sex given by index.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def population_recurrence(pop, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                          newborn, active, retired, resident, female, born, died, moved):  # pragma: no cover
    """Fill ``pop[:, 1:]`` from ``pop[:, 0]`` and the year's flows ``born``, ``died``, ``moved``
    (draw, year, sex).

    pop : (D, T + 1, status, sex, age) persons at 1 January; sx : (D, T, sex, age) survival
    ratios; bs : (D, T, sex) survival of births to 1 January; fert : (T, age) births per
    woman-year; srb : (T,) males per female; entry, exit_ : (sex, age) base rates between the
    resident and active statuses, scaled by ``scale`` (D, T) (entries x scale, exits / scale,
    each at most 1); retire : (T, sex, age) retirement hazard; eligible : (T,) share of retirees
    keeping employee-scheme membership; migration : (status, sex, age) net migrants a year.
    """
    D, T1, S, X, A = pop.shape
    for d in range(D):
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
                    net_in = end[resident, x, a] * e - end[active, x, a] * o
                    act = end[active, x, a] + net_in
                    res = end[resident, x, a] - net_in
                    retiring = act * retire[t, x, a]
                    act -= retiring
                    kept = retiring * eligible[t]
                    end[active, x, a] = act
                    end[retired, x, a] += kept
                    end[resident, x, a] = res + (retiring - kept)
            # 5 net migration, an outflow capped at the group
            for x in range(X):
                moved[d, t, x] = 0.0
            for s in range(S):
                for x in range(X):
                    for a in range(A):
                        m = migration[s, x, a]
                        if m != 0.0:
                            applied = max(m, -end[s, x, a])
                            end[s, x, a] += applied
                            moved[d, t, x] += applied


def run(pop: np.ndarray, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration, *,
        newborn: int, active: int, retired: int, resident: int, female: int):
    """Run :func:`population_recurrence` and return the flows (births, deaths, migration),
    each (D, T, sex)."""
    D, T = sx.shape[:2]
    X = pop.shape[3]
    born, died, moved = (np.empty((D, T, X)) for _ in range(3))
    population_recurrence(pop, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                          newborn, active, retired, resident, female, born, died, moved)
    return born, died, moved
