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


LANES = 8
"""Draws computed side by side: every step of the recurrence is a loop over these lanes, which
the compiler turns into vector instructions. A draw's numbers do not depend on its lane or on
the other draws beside it (no operation mixes lanes), so they do not depend on the chunking."""


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
    weights : (status, sex x age, K) a value per person (sex-major rows). sx, bs and scale may
    have one row instead of D, shared by every draw.

    Writes born, died, moved (D, T, sex) persons; sums, sums0 (D, T + 1, status, K) the stocks
    summed against the weights over every age and at age 0; totals (D, T + 1, status, sex);
    pop_out (D, dates, status, sex, age) the first ``dates`` stocks (0 dates: none kept).
    Draws run :data:`LANES` at a time (spare lanes of the last group repeat its last draw).
    """
    D, T = born.shape[:2]
    S, X, A = pop0.shape
    L = LANES
    p = np.empty((T + 1, S, X, A, L))
    z = np.empty((2, S, X, A, L))
    sx_l = np.empty((T, X, A, L))
    bs_l = np.empty((T, X, L))
    k_l = np.empty((T, L))
    born_l, died_l, moved_l = np.empty((T, X, L)), np.empty((T, X, L)), np.empty((T, X, L))
    q = np.empty((T + 1, X * A))
    dates = pop_out.shape[1]
    for d0 in range(0, D, L):
        n = min(L, D - d0)
        for j in range(L):
            src = d0 + min(j, n - 1)
            i_sx = src if sx.shape[0] > 1 else 0     # one row shared by every draw
            i_bs = src if bs.shape[0] > 1 else 0
            i_k = src if scale.shape[0] > 1 else 0
            for t in range(T):
                k_l[t, j] = scale[i_k, t]
                for x in range(X):
                    bs_l[t, x, j] = bs[i_bs, t, x]
                    for a in range(A):
                        sx_l[t, x, a, j] = sx[i_sx, t, x, a]
        for s in range(S):
            for x in range(X):
                for a in range(A):
                    for j in range(L):
                        p[0, s, x, a, j] = pop0[s, x, a]
                        z[0, s, x, a, j] = years0[s, x, a]
        _recurrence(p, z, sx_l, bs_l, k_l, fert, srb, entry, exit_, retire, eligible, migration,
                    newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                    contributing, use_rule, minimum, spread, pay_up, born_l, died_l, moved_l)
        for j in range(n):
            d = d0 + j
            for t in range(T):
                for x in range(X):
                    born[d, t, x] = born_l[t, x, j]
                    died[d, t, x] = died_l[t, x, j]
                    moved[d, t, x] = moved_l[t, x, j]
            _stock_sums(p, j, weights, q, sums[d], sums0[d], totals[d])
            for t in range(dates):
                for s in range(S):
                    for x in range(X):
                        for a in range(A):
                            pop_out[d, t, s, x, a] = p[t, s, x, a, j]


@njit(cache=True, nogil=True)
def _stock_sums(p, j, weights, q, sums, sums0, totals):  # pragma: no cover
    """The stock sums of the draw in lane ``j`` (see :func:`project_draws`): for each status
    its stocks (T + 1, sex x age) are copied to the scratch ``q`` and multiplied by the
    status's weights (sex x age, K) in one BLAS call. They equal the numpy reference to
    round-off."""
    T1, S, X, A = p.shape[:4]
    K = weights.shape[-1]
    for s in range(S):
        for t in range(T1):
            for x in range(X):
                acc = 0.0
                for a in range(A):
                    v = p[t, s, x, a, j]
                    q[t, x * A + a] = v
                    acc += v
                totals[t, s, x] = acc
        m = np.dot(q, weights[s])
        for t in range(T1):
            for k in range(K):
                sums[t, s, k] = m[t, k]
                v0 = 0.0
                for x in range(X):
                    v0 += p[t, s, x, 0, j] * weights[s, x * A, k]
                sums0[t, s, k] = v0


@njit(cache=True, nogil=True)
def _recurrence(p, z, sx, bs, scale, fert, srb, entry, exit_, retire, eligible, migration,
                newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                contributing, use_rule, minimum, spread, pay_up, born, died, moved):  # pragma: no cover
    """One group of lanes through the years: fill ``p[1:]`` from ``p[0]`` and the flows
    ``born``, ``died``, ``moved`` (T, sex, lane).

    p : (T + 1, status, sex, age, lane) persons at 1 January; z : (2, status, sex, age, lane)
    contribution years, ``[0]`` holding the base year's (read only with ``use_rule``); sx (T,
    sex, age, lane), bs (T, sex, lane), scale (T, lane): the lanes' survival ratios, births'
    survival and employment scale; the other arguments as in :func:`project_draws`. Each step
    is the scalar step of :mod:`actuarial.demography` written once per lane.
    """
    T1 = p.shape[0]
    S, X, A, L = p.shape[1:]
    zs = z[0]
    ze = z[1]
    total, male, w_start, w_end, everyone, deaths = (np.empty(L), np.empty(L), np.empty(L), np.empty(L),
                                                     np.empty(L), np.empty(L))
    k, inv_k = np.empty(L), np.empty(L)
    cell = np.zeros((10, L))   # one cell's lanes: (act, res, flx, za, zf, zo, keep_a, keep_f) below, then e, o
    act, res, flx, za, zf, zo, keep_a, keep_f = cell[0], cell[1], cell[2], cell[3], cell[4], cell[5], cell[6], cell[7]
    for t in range(T1 - 1):
        start = p[t]
        end = p[t + 1]
        s_dt = sx[t]
        # 1-2 survival and ageing; the open group keeps its survivors
        for s in range(S):
            for x in range(X):
                for j in range(L):
                    end[s, x, 0, j] = 0.0
                for a in range(1, A - 1):
                    for j in range(L):
                        end[s, x, a, j] = start[s, x, a - 1, j] * s_dt[x, a - 1, j]
                for j in range(L):
                    end[s, x, A - 1, j] = (start[s, x, A - 2, j] * s_dt[x, A - 2, j]
                                           + start[s, x, A - 1, j] * s_dt[x, A - 1, j])
        if use_rule:   # contribution years: a year accrued by contributors, then survival and ageing
            for s in range(S):
                c = contributing[s]
                for x in range(X):
                    for j in range(L):
                        ze[s, x, 0, j] = 0.0
                    for a in range(1, A - 1):
                        for j in range(L):
                            ze[s, x, a, j] = (zs[s, x, a - 1, j] + c * start[s, x, a - 1, j]) * s_dt[x, a - 1, j]
                    for j in range(L):
                        ze[s, x, A - 1, j] = ((zs[s, x, A - 2, j] + c * start[s, x, A - 2, j]) * s_dt[x, A - 2, j]
                                              + (zs[s, x, A - 1, j] + c * start[s, x, A - 1, j]) * s_dt[x, A - 1, j])
        # 3 births from women of every status, split by the sex ratio at birth
        for j in range(L):
            total[j] = 0.0
        for a in range(A):
            for j in range(L):
                w_start[j] = 0.0
                w_end[j] = 0.0
            for s in range(S):
                for j in range(L):
                    w_start[j] += start[s, female, a, j]
                    w_end[j] += end[s, female, a, j]
            f = fert[t, a]
            for j in range(L):
                total[j] += f * (0.5 * (w_start[j] + w_end[j]))
        r = srb[t]
        for j in range(L):
            male[j] = total[j] * r / (1.0 + r)
        for x in range(X):
            for j in range(L):
                b = male[j] if x != female else total[j] - male[j]
                born[t, x, j] = b
                end[newborn, x, 0, j] = b * bs[t, x, j]
                deaths[j] = 0.0
            for a in range(A):
                for j in range(L):
                    everyone[j] = start[0, x, a, j]
                for s in range(1, S):
                    for j in range(L):
                        everyone[j] += start[s, x, a, j]
                for j in range(L):
                    deaths[j] += everyone[j] * (1.0 - s_dt[x, a, j])
            for j in range(L):
                died[t, x, j] = deaths[j] + born[t, x, j] * (1.0 - bs[t, x, j])
        # 4 moves between statuses at the new ages
        for j in range(L):
            k[j] = scale[t, j]
            inv_k[j] = 1.0 / scale[t, j]
        el = eligible[t]
        for x in range(X):
            for a in range(A):
                en = entry[x, a]
                ex = exit_[x, a]
                fe = flex_entry[t, x, a]
                fx = flex_exit[x, a]
                h = retire[t, x, a]
                for j in range(L):
                    e = min(en * k[j], 1.0)
                    o = min(ex * inv_k[j], 1.0)
                    res0 = end[resident, x, a, j]
                    fl0 = end[flexible, x, a, j]
                    ac0 = end[active, x, a, j]
                    net_in = res0 * e - ac0 * o
                    net_flex = res0 * fe - fl0 * fx
                    cell[0, j] = ac0 + net_in
                    cell[1, j] = (res0 - net_in) - net_flex
                    cell[2, j] = fl0 + net_flex
                    cell[6, j] = el
                    cell[7, j] = el
                    cell[8, j] = e
                    cell[9, j] = o
                if use_rule:
                    for j in range(L):
                        e = cell[8, j]
                        o = cell[9, j]
                        zo0 = ze[resident, x, a, j]
                        zac = ze[active, x, a, j]
                        zfl = ze[flexible, x, a, j]
                        cell[3, j] = zac + (zo0 * e - zac * o)
                        cell[4, j] = zfl + (zo0 * fe - zfl * fx)
                        cell[5, j] = zo0 - (zo0 * e - zac * o) - (zo0 * fe - zfl * fx)
                # only cells reaching the statutory age with someone (or some years) in them need
                # the kept share: elsewhere it multiplies zero (and the erf is the costly part)
                if use_rule and h > 0.0:
                    for j in range(L):
                        if act[j] != 0.0 or za[j] != 0.0:
                            keep_a[j] = _keep(za[j] / act[j] if act[j] > 0 else 0.0, minimum[t, x], spread, pay_up[t])
                        if flx[j] != 0.0 or zf[j] != 0.0:
                            keep_f[j] = _keep(zf[j] / flx[j] if flx[j] > 0 else 0.0, minimum[t, x], spread, pay_up[t])
                if use_rule:
                    for j in range(L):
                        za_out = za[j] * h
                        zf_out = zf[j] * h
                        ze[active, x, a, j] = za[j] - za_out
                        ze[flexible, x, a, j] = zf[j] - zf_out
                        ze[retired, x, a, j] += za_out * keep_a[j] + zf_out * keep_f[j]
                        ze[resident, x, a, j] = zo[j] + za_out * (1.0 - keep_a[j]) + zf_out * (1.0 - keep_f[j])
                for j in range(L):
                    retiring = act[j] * h
                    kept = retiring * keep_a[j]
                    retiring_f = flx[j] * h
                    kept_f = retiring_f * keep_f[j]
                    end[active, x, a, j] = act[j] - retiring
                    end[flexible, x, a, j] = flx[j] - retiring_f
                    end[retired, x, a, j] = (end[retired, x, a, j] + kept) + kept_f
                    end[resident, x, a, j] = (res[j] + (retiring - kept)) + (retiring_f - kept_f)
        # 5 net migration, an outflow capped at the group (migrants carry their cell's mean years)
        for x in range(X):
            for j in range(L):
                moved[t, x, j] = 0.0
        for s in range(S):
            for x in range(X):
                for a in range(A):
                    m = migration[s, x, a]
                    if m != 0.0:
                        for j in range(L):
                            before = end[s, x, a, j]
                            applied = max(m, -before)
                            end[s, x, a, j] = before + applied
                            moved[t, x, j] += applied
                            if use_rule:
                                ze[s, x, a, j] *= end[s, x, a, j] / before if before > 0 else 0.0
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


def _rows(x: np.ndarray) -> np.ndarray:
    """A per-draw array as C-contiguous rows: one row when every draw shares it (an array
    broadcast along draws, as the best-estimate survival is), so the compiled pass is compiled
    for one memory layout only (each layout is a compilation of its own on first use)."""
    if x.shape[0] > 1 and x.strides[0] == 0:
        x = x[:1]
    return np.ascontiguousarray(x, dtype=float)


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
    project_draws(np.ascontiguousarray(pop0, dtype=float), _rows(sx), _rows(bs), fert, srb, entry, exit_, _rows(scale),
                  retire, eligible, migration,
                  newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                  years0, contributing, rule is not None, minimum, spread, pay_up, weights,
                  kept, born, died, moved, sums, sums0, totals)
    out = {"births": born, "deaths": died, "migration": moved, "sums": sums, "sums_age0": sums0, "totals": totals}
    if pop_out is not None:
        out["population"] = pop_out
    return out
