"""The cohort-component recurrence and the stock sums compiled into one pass per draw (numba).

:func:`project_draws` takes one draw at a time and, while its population (a few tens of
kilobytes) stays in the processor's cache:

1. runs the recurrence over the years (:func:`_recurrence`): exactly the steps of
   :mod:`actuarial.demography` in the same order — survival and ageing
   (:func:`~actuarial.demography.survive_and_age`), births from women of every status
   (:func:`~actuarial.demography.births`, :func:`~actuarial.demography.split_births`), deaths
   (:func:`~actuarial.demography.deaths_among`), moves between statuses
   (:func:`~actuarial.demography.transitions`) and net migration capped at the group
   (:func:`~actuarial.demography.migrate`);
2. sums every 1 January stock against the weights the money needs (:func:`_stock_sums`):
   ``sums[t, s, k] = sum_{x, a} p[t, s, x, a] w[s, x, a, k]`` for persons, base-year claim cost
   by category, the declared age profiles and the age bands of the indicators, the same at age
   0, and the totals by sex;
3. copies the population out only when the caller keeps it, in the caller's precision
   (float32 for draws: persons to about seven significant digits).

So the money never reads the population array: the large array is written once, or never.
The numpy functions stay the reference (:mod:`actuarial.engine.reference`; a test requires the
two to agree to round-off). Everything is computed in float64; compiled code is cached on disk
(``cache=True``), so only the first run on a machine pays the compile time; it releases the
GIL, so threads run chunks in parallel.

Units: persons; rates are fractions a year; arrays are (draw, date, status, sex, age) with the
newborns' status, the four statuses and the female sex given by index.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def project_draws(pop0, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                  newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                  years0, contributing, use_rule, minimum, spread, pay_up, weights,
                  pop_out, born, died, moved, sums, sums0, totals):  # pragma: no cover
    """Project every draw from ``pop0`` and write its flows, stock sums and (optionally) stocks.

    pop0 : (status, sex, age) persons at 1 January of the base year; sx : (D, T, sex, age)
    survival ratios; bs : (D, T, sex) survival of births to 1 January; fert : (T, age) births
    per woman-year; srb : (T,) males per female; entry, exit_ : (sex, age) base rates between
    the resident and active statuses, scaled by ``scale`` (D, T) (entries x scale, exits /
    scale, each at most 1); flex_entry (T, sex, age), flex_exit (sex, age): rates between the
    resident and flexible statuses; retire : (T, sex, age) retirement hazard; eligible : (T,)
    share of retirees keeping employee-scheme membership; migration : (status, sex, age) net
    migrants a year. With ``use_rule`` the kept share comes from contribution years instead:
    years0 (status, sex, age) the base year's total contribution years; members of the
    ``contributing`` statuses (status,) 0/1 accrue a year each year; minimum (T, sex) years,
    spread (years), pay_up (T,) as in :func:`actuarial.demography.retirement_keep_share`.
    weights : (status, sex x age, K) a value per person (sex-major rows).

    Writes born, died, moved (D, T, sex) persons; sums, sums0 (D, T + 1, status, K) the stocks
    summed against the weights over every age and at age 0; totals (D, T + 1, status, sex);
    pop_out (D, dates, status, sex, age) the first ``dates`` stocks (0 dates: none kept).
    """
    D, T = sx.shape[:2]
    S, X, A = pop0.shape
    p = np.empty((T + 1, S, X, A))
    z = np.empty((2, S, X, A))
    q = np.empty((T + 1, X * A))
    dates = pop_out.shape[1]
    for d in range(D):
        p[0] = pop0
        if use_rule:
            z[0] = years0
        _recurrence(p, z, d, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                    newborn, active, retired, resident, female, born, died, moved,
                    flexible, flex_entry, flex_exit, contributing, use_rule, minimum, spread, pay_up)
        _stock_sums(p, weights, q, sums[d], sums0[d], totals[d])
        for t in range(dates):
            out = pop_out[d, t]
            src = p[t]
            for s in range(S):
                for x in range(X):
                    for a in range(A):
                        out[s, x, a] = src[s, x, a]


@njit(cache=True, nogil=True)
def _stock_sums(p, weights, q, sums, sums0, totals):  # pragma: no cover
    """One draw's stock sums (see :func:`project_draws`): for each status its stocks (T + 1,
    sex x age) are copied to the scratch ``q`` and multiplied by the status's weights (sex x
    age, K) in one BLAS call. They equal the numpy reference to round-off."""
    T1, S, X, A = p.shape
    K = weights.shape[-1]
    for s in range(S):
        for t in range(T1):
            for x in range(X):
                acc = 0.0
                for a in range(A):
                    v = p[t, s, x, a]
                    q[t, x * A + a] = v
                    acc += v
                totals[t, s, x] = acc
        m = np.dot(q, weights[s])
        for t in range(T1):
            for k in range(K):
                sums[t, s, k] = m[t, k]
                v0 = 0.0
                for x in range(X):
                    v0 += p[t, s, x, 0] * weights[s, x * A, k]
                sums0[t, s, k] = v0


@njit(cache=True, nogil=True)
def _recurrence(p, z, d, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                newborn, active, retired, resident, female, born, died, moved,
                flexible, flex_entry, flex_exit, contributing, use_rule, minimum, spread, pay_up):  # pragma: no cover
    """One draw ``d`` of the recurrence: fill ``p[1:]`` from ``p[0]`` and the year's flows
    ``born``, ``died``, ``moved`` (draw, year, sex).

    p : (T + 1, status, sex, age) the draw's persons at 1 January (scratch of the caller);
    z : (2, status, sex, age) scratch for contribution years whose ``[0]`` holds the base
    year's total years (read only with ``use_rule``); the other arguments as in
    :func:`project_draws`.
    """
    T1 = p.shape[0]
    S, X, A = p.shape[1:]
    zs = z[0]
    ze = z[1]
    for t in range(T1 - 1):
        start = p[t]
        end = p[t + 1]
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
        inv_k = 1.0 / k
        for x in range(X):
            for a in range(A):
                e = min(entry[x, a] * k, 1.0)
                o = min(exit_[x, a] * inv_k, 1.0)
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
                    # only cells reaching the statutory age with someone (or some years) in them need the
                    # kept share: elsewhere it multiplies zero (and the erf is the costly part)
                    if h > 0.0 and (act != 0.0 or za != 0.0):
                        keep_a = _keep(za / act if act > 0 else 0.0, minimum[t, x], spread, pay_up[t])
                    if h > 0.0 and (flx != 0.0 or zf != 0.0):
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


def run(pop0: np.ndarray, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration, weights, *,
        newborn: int, active: int, retired: int, resident: int, female: int, flexible: int,
        flex_entry=None, flex_exit=None, years0=None, contributing=None, rule=None, pop_out=None) -> dict:
    """Run :func:`project_draws` and return its results: ``births``, ``deaths``,
    ``migration`` (D, T, sex), ``sums``, ``sums_age0`` (D, T + 1, status, K), ``totals``
    (D, T + 1, status, sex) and ``population`` (``pop_out``, when given: (D, dates, status,
    sex, age) of any float dtype, filled with the first ``dates`` stocks).
    ``flex_entry`` (T, sex, age) and ``flex_exit`` (sex, age) default to zero;
    ``rule = (minimum (T, sex), spread, pay_up (T,))`` with ``years0`` (status, sex, age) and
    ``contributing`` (status,) switches the contribution-years rule on."""
    D, T = sx.shape[:2]
    S, X, A = pop0.shape
    K = weights.shape[-1]
    born, died, moved = (np.empty((D, T, X)) for _ in range(3))
    sums, sums0 = np.empty((D, T + 1, S, K)), np.empty((D, T + 1, S, K))
    totals = np.empty((D, T + 1, S, X))
    flex_entry = np.zeros((T, X, A)) if flex_entry is None else np.ascontiguousarray(flex_entry, dtype=float)
    flex_exit = np.zeros((X, A)) if flex_exit is None else np.ascontiguousarray(flex_exit, dtype=float)
    if rule is None:
        years0, contributing = np.zeros((S, X, A)), np.zeros(S)
        minimum, spread, pay_up = np.zeros((T, X)), 0.0, np.zeros(T)
    else:
        minimum, spread, pay_up = (np.ascontiguousarray(rule[0], dtype=float), float(rule[1]),
                                   np.ascontiguousarray(rule[2], dtype=float))
        years0, contributing = np.ascontiguousarray(years0, dtype=float), np.asarray(contributing, dtype=float)
    kept = pop_out if pop_out is not None else np.empty((D, 0, S, X, A))
    weights = np.ascontiguousarray(weights, dtype=float).reshape(S, X * A, K)
    project_draws(np.ascontiguousarray(pop0, dtype=float), sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration,
                  newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                  years0, contributing, rule is not None, minimum, spread, pay_up, weights,
                  kept, born, died, moved, sums, sums0, totals)
    out = {"births": born, "deaths": died, "migration": moved, "sums": sums, "sums_age0": sums0, "totals": totals}
    if pop_out is not None:
        out["population"] = pop_out
    return out
