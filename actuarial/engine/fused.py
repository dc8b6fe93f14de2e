"""The cohort-component recurrence and the stock sums compiled into one pass (numba).

:func:`project_draws` takes :data:`LANES` draws at a time and, year by year, while their two
1 January populations (about a hundred kilobytes) stay in the processor's cache:

1. runs the year (:func:`_year`): the steps of :mod:`actuarial.demography` in the same order:
   survival and ageing (:func:`~actuarial.demography.survive_and_age`), births from women of
   every status (:func:`~actuarial.demography.births`, :func:`~actuarial.demography.split_births`), deaths
   (:func:`~actuarial.demography.deaths_among`), moves between statuses
   (:func:`~actuarial.demography.transitions`) and net migration capped at the group
   (:func:`~actuarial.demography.migrate`);
2. sums the new 1 January stocks against the weights the money needs (:func:`_date_out`):
   ``sums[t, s, k] = sum_{x, a} p[t, s, x, a] w[s, x, a, k]`` for persons, base-year claim cost
   by category, the declared age profiles and the indicators' age bands, the same at age 0,
   and the totals by sex, as sums of segments of ages over the distinct nonzero weights
   (:func:`~actuarial.engine.pass_layout.stock_segments`);
3. copies the stocks out only when the caller keeps them, in the caller's precision
   (float32 for draws: persons to about seven significant digits).

Inside a year each step is one loop over the contiguous (age, lane) cells of a status and sex,
with the rates repeated for every lane (:func:`lanes`): survival, ageing and the kept shares'
erf (:func:`_keep_run`) run four cells at a time; the moves stay scalar (split so that they
vectorise, they were slower: the pass is bound by memory traffic more than arithmetic). A step
visits only the ages where it can change something
(:func:`~actuarial.engine.pass_layout.age_spans`), which changes no bit.

So the money never reads the population array: the large array is written once, or never.
The numpy functions stay the reference (:mod:`actuarial.engine.reference`; a test requires the
two to agree to round-off). Everything is computed in float64; compiled code is cached on disk
(only the first run on a machine compiles) and releases the GIL (threads run chunks in parallel).

Units: persons; rates are fractions a year; arrays are (draw, date, status, sex, age) with the
newborns' status, the four statuses and the female sex given by index.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import fastmath  # fastmath.py 11fee2831db5 (its digest: see fastmath's docstring)
from . import survival  # survival.py e5640645c650 (its digest: see fastmath's docstring)
from .pass_layout import age_spans, rows, stock_segments


LANES = 8
"""Draws computed side by side, each step a loop over the (age, lane) cells. No operation mixes
lanes, so a draw's numbers depend neither on its lane nor on the chunking. The stock sums
(:func:`_date_out`) are written out for eight lanes."""


@njit(cache=True, nogil=True)
def project_draws(pop0, sx, bs, shocks, fert, srb, entry, exit_, scale, retire, eligible, migration,
                  newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                  years0, contributing, use_rule, spans, minimum, spread, pay_up, segments, weights0,
                  pop_out, born, died, moved, sums, sums0, totals):  # pragma: no cover
    """Project every draw from ``pop0`` and write its flows, stock sums and (optionally) stocks.

    pop0 : (status, sex, age) persons at 1 January of the base year; sx : (D, T, sex, age)
    survival ratios; bs : (D, T, sex) survival of births to 1 January; fert : (T, age) births
    per woman-year; shocks: (mx, bx, k, a0) of :func:`~actuarial.engine.survival.shock_inputs`
    when the draws' mortality is shocked (their sx and bs are then computed here, eight lanes
    at a time, by :func:`~actuarial.engine.survival.group_survival`; ``sx``, ``bs`` unread),
    else k with no draws; srb : (T,) males per female; entry, exit_ : (sex, age) base rates between
    the resident and active statuses, scaled by ``scale`` (D, T) (entries x scale, exits /
    scale, each at most 1); flex_entry (T, sex, age), flex_exit (sex, age): rates between the
    resident and flexible statuses; retire : (T, sex, age) retirement hazard; eligible : (T,)
    share of retirees keeping employee-scheme membership; migration : (status, sex, age) net
    migrants a year. With ``use_rule`` the kept share comes from contribution years instead:
    years0 (status, sex, age) the base year's total contribution years; members of the
    ``contributing`` statuses (status,) 0/1 accrue a year each year; minimum (T, sex) years,
    spread (years), pay_up (T,) as in :func:`actuarial.demography.retirement_keep_share`.
    spans (4,): the ages each step needs (:func:`~actuarial.engine.pass_layout.age_spans`).
    segments: how the stocks are summed against the weights, as sums of segments of ages
    (:func:`~actuarial.engine.pass_layout.stock_segments`); weights0 (status, sex, K) the
    weights at age 0. sx, bs and scale may have one row instead of D, shared by every draw.

    Writes born, died, moved (D, T, sex) persons; sums, sums0 (D, T + 1, status, K) the stocks
    summed against the weights over every age and at age 0; totals (D, T + 1, status, sex);
    pop_out (D, dates, status, sex, age) the first ``dates`` stocks (0 dates: none kept).
    Draws run :data:`LANES` at a time (spare lanes of the last group repeat its last draw).
    """
    D, T = born.shape[:2]
    S, X, A = pop0.shape
    L = LANES
    slab = np.empty((2, S, X, A, L))     # the 1 January stocks of the year and the next
    z = np.empty((2, S, X, A, L))
    sx_l = np.empty((T, X, A, L))
    rows_a = np.empty((L + 1, A))
    bs_l = np.empty((T, X, L))
    kx, ikx = np.empty((T, A * L)), np.empty((T, A * L))
    born_l, died_l, moved_l = np.empty((T, X, L)), np.empty((T, X, L)), np.empty((T, X, L))
    scratch = np.empty((10, A * L))
    entry_l, exit_l, flex_entry_l, flex_exit_l = lanes(entry), lanes(exit_), lanes(flex_entry), lanes(flex_exit)
    retire_l = lanes(retire)
    seg_sums = np.empty((segments[2].size - 1, L))
    for d0 in range(0, D, L):
        n = min(L, D - d0)
        survival.group_survival(sx, bs, shocks, d0, n, sx_l, bs_l, rows_a)
        for t in range(T):
            for j in range(L):
                k = scale[d0 + min(j, n - 1) if scale.shape[0] > 1 else 0, t]
                inv = 1.0 / k
                for a in range(A):
                    kx[t, a * L + j], ikx[t, a * L + j] = k, inv
        for s in range(S):
            for x in range(X):
                for a in range(A):
                    for j in range(L):
                        slab[0, s, x, a, j] = pop0[s, x, a]
                        z[0, s, x, a, j] = years0[s, x, a]
        _date_out(slab[0], 0, d0, n, segments, seg_sums, weights0, sums, sums0, totals, pop_out)
        for t in range(T):
            _year(t, slab[t % 2], slab[(t + 1) % 2], z[t % 2], z[(t + 1) % 2], sx_l, bs_l, kx, ikx, fert, srb,
                  entry_l, exit_l, retire, retire_l, eligible, migration, newborn, active, retired,
                  resident, female, flexible, flex_entry_l, flex_exit_l, contributing, use_rule, spans, minimum,
                  spread, pay_up, born_l, died_l, moved_l, scratch)
            _date_out(slab[(t + 1) % 2], t + 1, d0, n, segments, seg_sums, weights0, sums, sums0, totals, pop_out)
        for j in range(n):
            d = d0 + j
            for t in range(T):
                for x in range(X):
                    born[d, t, x] = born_l[t, x, j]
                    died[d, t, x] = died_l[t, x, j]
                    moved[d, t, x] = moved_l[t, x, j]


@njit(cache=True, nogil=True)
def _date_out(slab, t, d0, n, segments, seg, weights0, sums, sums0, totals, pop_out):  # pragma: no cover
    """What the caller gets of one 1 January date ``t`` of the first ``n`` lanes of the group
    starting at draw ``d0``, while its stocks ``slab`` (status, sex, age, lane) are in cache:
    the segments' sums ``seg`` (segment, lane) (``segments``: see
    :func:`~actuarial.engine.pass_layout.stock_segments`), from them the totals by status and
    sex and the stock sums against the weights, the sums at age 0 (``weights0`` (status, sex,
    K)) and, when the date is kept, the stocks.

    Each segment runs down its cells in age order with the eight lanes in eight scalar
    accumulators kept in registers (written out: :data:`LANES` must be 8)."""
    rows, vals, ptr, col_segs, col_ptr, tot_segs, tot_ptr = segments
    S, X, A, L = slab.shape
    K = sums.shape[-1]
    flat = slab.reshape(-1)
    for g in range(ptr.size - 1):
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for i in range(ptr[g], ptr[g + 1]):
            v = flat[rows[i]:rows[i] + 8]
            w = vals[i]
            a0 += v[0] * w
            a1 += v[1] * w
            a2 += v[2] * w
            a3 += v[3] * w
            a4 += v[4] * w
            a5 += v[5] * w
            a6 += v[6] * w
            a7 += v[7] * w
        sg = seg[g]
        sg[0], sg[1], sg[2], sg[3], sg[4], sg[5], sg[6], sg[7] = a0, a1, a2, a3, a4, a5, a6, a7
    for s in range(S):
        for x in range(X):
            for j in range(n):
                v = 0.0
                for i in range(tot_ptr[s, x], tot_ptr[s, x + 1]):
                    v += seg[tot_segs[i], j]
                totals[d0 + j, t, s, x] = v
        for k in range(K):
            for j in range(n):
                v = 0.0
                for i in range(col_ptr[s, k], col_ptr[s, k + 1]):
                    v += seg[col_segs[i], j]
                sums[d0 + j, t, s, k] = v
                v0 = 0.0
                for x in range(X):
                    v0 += slab[s, x, 0, j] * weights0[s, x, k]
                sums0[d0 + j, t, s, k] = v0
    if t < pop_out.shape[1]:
        cells = S * X * A
        if n == 8:   # eight rows written side by side, each cell's lanes read once (4 us a draw less)
            p0, p1, p2, p3 = (pop_out[d0, t].reshape(cells), pop_out[d0 + 1, t].reshape(cells),
                              pop_out[d0 + 2, t].reshape(cells), pop_out[d0 + 3, t].reshape(cells))
            p4, p5, p6, p7 = (pop_out[d0 + 4, t].reshape(cells), pop_out[d0 + 5, t].reshape(cells),
                              pop_out[d0 + 6, t].reshape(cells), pop_out[d0 + 7, t].reshape(cells))
            for c in range(cells):
                v = flat[c * 8:c * 8 + 8]
                p0[c], p1[c], p2[c], p3[c], p4[c], p5[c], p6[c], p7[c] = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
        for j in range(n if n < 8 else 0):
            dst = pop_out[d0 + j, t].reshape(cells)
            for c in range(cells):
                dst[c] = flat[c * L + j]


@njit(cache=True, nogil=True)
def _year(t, start, end, zs, ze, sx, bs, kx, ikx, fert, srb, entry, exit_, retire, retire_l, eligible, migration,
          newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
          contributing, use_rule, spans, minimum, spread, pay_up, born, died, moved, scratch):  # pragma: no cover
    """Year ``t`` of one group of lanes: the stocks ``end`` at the next 1 January from
    ``start`` (status, sex, age, lane) persons, and the year's flows ``born[t]``, ``died[t]``,
    ``moved[t]`` (sex, lane). zs, ze : (status, sex, age, lane) contribution years at the two
    dates (read and written only with ``use_rule``); sx (T, sex, age, lane), bs (T, sex, lane):
    the lanes' survival ratios and births' survival; kx, ikx (T, age x lane) the lanes'
    employment scale and its inverse; entry, exit_, flex_exit (sex, age x lane), flex_entry,
    retire_l (T, sex, age x lane) and migration_l (status, sex, age x lane) the rates and
    migrants repeated for every lane (:func:`lanes`); retire (T, sex, age) and migration
    (status, sex, age) as given; scratch (10, age x lane); the other arguments as in
    :func:`project_draws`.

    Each step is the scalar step of :mod:`actuarial.demography` in the same order, written as
    one loop over the contiguous (age, lane) cells of a status and sex (the same numbers, bit
    for bit, as a loop over ages then lanes), except the kept shares (:func:`_keep_run`).
    """
    S, X, A, L = start.shape
    AL = A * L
    st = start.reshape(S, X, AL)
    en = end.reshape(S, X, AL)
    z0 = zs.reshape(S, X, AL)
    z1 = ze.reshape(S, X, AL)
    sd = sx[t].reshape(X, AL)
    ws, we, act, res, flx, za, zf, zo, keep_a, keep_f = (scratch[0], scratch[1], scratch[2], scratch[3],
                                                         scratch[4], scratch[5], scratch[6], scratch[7],
                                                         scratch[8], scratch[9])
    total, male, deaths = np.zeros(L), np.empty(L), np.zeros((X, L))
    # 1-2 survival and ageing; the open group keeps its survivors
    for s in range(S):
        for x in range(X):
            e1, s1, d1 = en[s, x], st[s, x], sd[x]
            up = e1[L:]
            for c in range(AL - 2 * L):
                up[c] = s1[c] * d1[c]
            for c in range(L):
                e1[c] = 0.0
                e1[AL - L + c] = s1[AL - 2 * L + c] * d1[AL - 2 * L + c] + s1[AL - L + c] * d1[AL - L + c]
    ZL = spans[1] * L   # contribution years are read below this cell only (see :func:`~actuarial.engine.pass_layout.age_spans`)
    if use_rule:   # contribution years: a year accrued by contributors, then survival and ageing
        for s in range(S):
            if s == retired:
                continue
            cs = contributing[s]
            for x in range(X):
                e1, q0, s1, d1 = z1[s, x], z0[s, x], st[s, x], sd[x]
                up = e1[L:]
                for c in range(ZL - L if ZL < AL else AL - 2 * L):
                    up[c] = (q0[c] + cs * s1[c]) * d1[c]
                for c in range(L):
                    e1[c] = 0.0
                if ZL == AL:
                    for c in range(L):
                        lo, hi = AL - 2 * L + c, AL - L + c
                        e1[hi] = (q0[lo] + cs * s1[lo]) * d1[lo] + (q0[hi] + cs * s1[hi]) * d1[hi]
    # 3 births from women of every status (the mean of the year's two stocks), split by the
    # sex ratio at birth; deaths among the 1 January stocks and among the births
    f_lo, f_hi = spans[2] * L, spans[3] * L   # the women of the fertile ages: no births elsewhere
    for c in range(f_lo, f_hi):
        ws[c] = 0.0
        we[c] = 0.0
    for s in range(S):
        s1, e1 = st[s, female], en[s, female]
        for c in range(f_lo, f_hi):
            ws[c] += s1[c]
            we[c] += e1[c]
    for a in range(spans[2], spans[3]):
        f = fert[t, a]
        for j in range(L):
            total[j] += f * (0.5 * (ws[a * L + j] + we[a * L + j]))
    r = srb[t]
    for j in range(L):
        male[j] = total[j] * r / (1.0 + r)
    for x in range(X):
        ev, d1 = ws, sd[x]      # ws is free again: everyone in the cell at 1 January
        s0 = st[0, x]
        for c in range(AL):
            ev[c] = s0[c]
        for s in range(1, S):
            s1 = st[s, x]
            for c in range(AL):
                ev[c] += s1[c]
        for a in range(A):
            for j in range(L):
                deaths[x, j] += ev[a * L + j] * (1.0 - d1[a * L + j])
        for j in range(L):
            b = male[j] if x != female else total[j] - male[j]
            born[t, x, j] = b
            en[newborn, x, j] = b * bs[t, x, j]
            died[t, x, j] = deaths[x, j] + b * (1.0 - bs[t, x, j])
    # 4 moves between statuses at the new ages, then retirement with the kept share
    # (nothing moves outside the ages spans[0]:spans[1], see :func:`~actuarial.engine.pass_layout.age_spans`)
    el = eligible[t]
    kk, ik = kx[t], ikx[t]
    m_lo, m_hi = spans[0] * L, spans[1] * L
    for x in range(X):
        ent, ext, fe, fxr, h = entry[x], exit_[x], flex_entry[t, x], flex_exit[x], retire_l[t, x]
        er, ef, ea, eret = en[resident, x], en[flexible, x], en[active, x], en[retired, x]
        if not use_rule:   # one kept share: each cell's moves and retirement in one loop
            for c in range(m_lo, m_hi):
                a_c, r_c, f_c = _moves(er[c], ea[c], ef[c], _at_most_one(ent[c] * kk[c]),
                                       _at_most_one(ext[c] * ik[c]), fe[c], fxr[c])
                _retire(c, a_c, r_c, f_c, h[c], el, el, ea, ef, eret, er)
            continue
        zr, zfl_, zac_ = z1[resident, x], z1[flexible, x], z1[active, x]
        for c in range(m_lo, m_hi):   # persons and their contribution years move alike
            e = _at_most_one(ent[c] * kk[c])
            o = _at_most_one(ext[c] * ik[c])
            act[c], res[c], flx[c] = _moves(er[c], ea[c], ef[c], e, o, fe[c], fxr[c])
            za[c], zo[c], zf[c] = _moves(zr[c], zac_[c], zfl_[c], e, o, fe[c], fxr[c])
            keep_a[c] = keep_f[c] = el
        a = spans[0]   # the kept shares of each run of ages with a retirement hazard and someone in them
        while a < spans[1]:
            b = a
            while b < spans[1] and retire[t, x, b] > 0.0 and _occupied(act, za, flx, zf, b * L, b * L + L):
                b += 1
            if b > a:
                _keep_run(za, act, keep_a, a * L, b * L, minimum[t, x], spread, pay_up[t])
                _keep_run(zf, flx, keep_f, a * L, b * L, minimum[t, x], spread, pay_up[t])
            a = b + 1
        for c in range(m_lo, m_hi):
            za_out, zf_out = za[c] * h[c], zf[c] * h[c]
            zac_[c], zfl_[c] = za[c] - za_out, zf[c] - zf_out
            zr[c] = zo[c] + za_out * (1.0 - keep_a[c]) + zf_out * (1.0 - keep_f[c])
            _retire(c, act[c], res[c], flx[c], h[c], keep_a[c], keep_f[c], ea, ef, eret, er)
    # 5 net migration, an outflow capped at the group (migrants carry their cell's mean years)
    for x in range(X):
        for j in range(L):
            moved[t, x, j] = 0.0
    for s in range(S):
        for x in range(X):
            e1, q1 = en[s, x], z1[s, x]
            years = use_rule and s != retired
            for a in range(A):
                m = migration[s, x, a]
                if m == 0.0:
                    continue
                for j in range(L):
                    c = a * L + j
                    before = e1[c]
                    applied = max(m, -before)
                    after = before + applied
                    e1[c] = after
                    moved[t, x, j] += applied
                    if years and c < ZL:
                        q1[c] *= after / before if before > 0 else 0.0


@njit(cache=True, nogil=True, inline="always")
def _moves(res0, act0, flx0, e, o, fe, fx):  # pragma: no cover
    """One cell's moves between the resident, active and flexible statuses
    (:func:`actuarial.demography.transitions`), of persons or of their contribution years:
    entries ``e`` and exits ``o`` between resident and active, ``fe`` and ``fx`` between
    resident and flexible. Returns (active, resident, flexible)."""
    net_in = res0 * e - act0 * o
    net_flex = res0 * fe - flx0 * fx
    return act0 + net_in, (res0 - net_in) - net_flex, flx0 + net_flex


@njit(cache=True, nogil=True, inline="always")
def _retire(c, act, res, flx, h, keep_a, keep_f, ea, ef, eret, er):  # pragma: no cover
    """Cell ``c`` after the moves (``act``, ``res``, ``flx``) retires ``h`` of its active and
    flexible members: the kept shares to retirees, the rest to residents (rows ea, ef, eret, er)."""
    retiring, retiring_f = act * h, flx * h
    kept, kept_f = retiring * keep_a, retiring_f * keep_f
    ea[c] = act - retiring
    ef[c] = flx - retiring_f
    eret[c] = (eret[c] + kept) + kept_f
    er[c] = (res + (retiring - kept)) + (retiring_f - kept_f)


@njit(cache=True, nogil=True, inline="always")
def _at_most_one(r):  # pragma: no cover
    return 1.0 if r > 1.0 else r        # min(r, 1.0) as a select (Python's min is a call, slower)


@njit(cache=True, nogil=True, inline="always")
def _occupied(act, za, flx, zf, lo, hi):  # pragma: no cover
    """Whether any of the cells ``lo:hi`` holds active or flexible persons or their years."""
    for c in range(lo, hi):
        if act[c] != 0.0 or za[c] != 0.0 or flx[c] != 0.0 or zf[c] != 0.0:
            return True
    return False


@njit(cache=True, nogil=True, error_model="numpy")
def _keep_run(years, persons, keep, lo, hi, minimum, spread, pay_up):  # pragma: no cover
    """:func:`actuarial.demography.retirement_keep_share` of cells ``lo:hi`` of mean years
    ``years / persons`` (0 in a cell with no one): one loop of selects and the erf of
    :mod:`~actuarial.engine.fastmath`, run four cells at a time (AVX): the numpy shares to
    rounding, and the same bits on every machine (no C library, no fused multiply-add)."""
    yr, ps, kp = years[lo:hi], persons[lo:hi], keep[lo:hi]   # indices from 0: no wraparound
    width = spread * math.sqrt(2.0) if spread > 0 else 1.0
    for c in range(kp.size):
        p = ps[c]
        z = (yr[c] / (p if p > 0 else 1.0) if p > 0 else 0.0) - minimum
        meet = 0.5 * (1.0 + fastmath.erf(z / width)) if spread > 0 else (1.0 if z >= 0 else 0.0)
        kp[c] = meet + (1.0 - meet) * pay_up


@njit(cache=True, nogil=True)
def lanes(x):  # pragma: no cover
    """(R, age) or (R1, R2, age) -> the same with (age x lane) last: each value repeated for
    every lane, so that a step of the recurrence is one contiguous loop over (age, lane)."""
    return np.repeat(np.ascontiguousarray(x), LANES).reshape(x.shape[:-1] + (x.shape[-1] * LANES,))


if LANES != 8:   # pragma: no cover
    raise ImportError("engine/fused.py: _date_out writes its eight lane accumulators out; LANES must be 8")


def run(pop0: np.ndarray, sx, bs, fert, srb, entry, exit_, scale, retire, eligible, migration, weights, *,
        newborn: int, active: int, retired: int, resident: int, female: int, flexible: int,
        flex_entry=None, flex_exit=None, years0=None, contributing=None, rule=None, pop_out=None, shocks=None
        ) -> dict:
    """Run :func:`project_draws` and return its results: ``births``, ``deaths``,
    ``migration`` (D, T, sex), ``sums``, ``sums_age0`` (D, T + 1, status, K), ``totals``
    (D, T + 1, status, sex) and ``population`` (``pop_out``, when given: (D, dates, status,
    sex, age) of any float dtype, filled with the first ``dates`` stocks).
    ``flex_entry`` (T, sex, age) and ``flex_exit`` (sex, age) default to zero;
    ``rule = (minimum (T, sex), spread, pay_up (T,))`` with ``years0`` (status, sex, age) and
    ``contributing`` (status,) switches the contribution-years rule on. ``shocks`` (from
    :func:`~actuarial.engine.survival.shock_inputs`) instead of ``sx`` and ``bs`` (then None):
    the survival of each draw is computed in the pass."""
    D, T = scale.shape
    if shocks is None:
        shocks = (np.zeros((1, 1, 1)), np.zeros((1, 1)), np.zeros((0, 1, 1)), np.zeros((0, 1, 1)))
    else:
        sx, bs = np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1))
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
    spans = age_spans(pop0, fert, entry, exit_, flex_entry, flex_exit, retire, migration, (active, flexible))
    kept = pop_out if pop_out is not None else np.empty((D, 0, S, X, A))
    weights = np.ascontiguousarray(weights, dtype=float)
    project_draws(np.ascontiguousarray(pop0, dtype=float), rows(sx), rows(bs), shocks, fert, srb, entry, exit_, rows(scale),
                  retire, eligible, migration,
                  newborn, active, retired, resident, female, flexible, flex_entry, flex_exit,
                  years0, contributing, rule is not None, spans, minimum, spread, pay_up, stock_segments(weights, LANES),
                  np.ascontiguousarray(weights[:, :, 0]), kept, born, died, moved, sums, sums0, totals)
    out = {"births": born, "deaths": died, "migration": moved, "sums": sums, "sums_age0": sums0, "totals": totals}
    if pop_out is not None:
        out["population"] = pop_out
    return out
