"""Survival ratios of shocked mortality for every draw, compiled into one pass (numba).

For draw d, year t and sex x the death rates are the best estimate times the Lee-Carter shock,

    m[d, t, x, a] = mx[t, x, a] * exp(b_x[x, a] * k[d, t, x]),

and the projection survival ratios follow from them exactly as in
:func:`actuarial.lifetable.survival_from_mx` (a_x = 1/2 at closed ages >= 1, a0 by the named
rule at age 0, S_99 = S_100 = T_100 / T_99 for the open group):

    S_0 = (1 - q_0) / (f_0 (1 + m_1 / 2)),  q_0 = m_0 / (1 + (1 - a_0) m_0),  f_0 = 1 - (1 - a_0) q_0
    S_x = (1 - m_x / 2) / (1 + m_{x+1} / 2)                                   (x = 1 .. 98)
    S_99 = S_100 = r / (1 / (1 + m_99 / 2) + r),  r = p_99 / m_100,  p_99 = (1 - m_99/2) / (1 + m_99/2)

numpy computes the same with about ten sweeps over (draws, years, sex, age) arrays and their
temporaries; this pass computes the rates of each draw, year and sex in one row of ages that
stays in cache (with the exp of :mod:`~actuarial.engine.fastmath`, four ages at a time) and
writes the ratios once: about 0.3 us per row of 101 ages against 0.75 us with the C
library's exp (measured; the whole of :func:`shocked_survival` for 10,000 draws x 10 years:
0.08 s of CPU instead of 0.17 s). In a projection the rows are computed inside the
population pass, eight lanes at a time (:func:`group_survival`), so the (draws, years, sex, age) array
is never written: the same bits, about 2.5 us a draw less. The numpy function stays the
reference (a test requires agreement to round-off). Compiled code is cached on disk and
releases the GIL, so chunks on threads run in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import fastmath  # fastmath.py 11fee2831db5 (its digest: see fastmath's docstring)


@njit(cache=True, nogil=True, error_model="numpy")
def _shocked_survival(mx, bx, k, a0, sx, f0):  # pragma: no cover  (compiled; tested against numpy)
    """mx (T, X, A) best-estimate death rates; bx (X, A); k (D, T, X) shocks; a0 (D, T, X).
    Writes sx (D, T, X, A) and f0 (D, T, X) (births surviving to 1 January)."""
    D, T, X = k.shape
    m = np.empty(mx.shape[2])
    for d in range(D):
        for t in range(T):
            for x in range(X):
                f0[d, t, x] = ratios(mx[t, x], bx[x], k[d, t, x], a0[d, t, x], m, sx[d, t, x])


@njit(cache=True, nogil=True, error_model="numpy")
def ratios(mt, bt, kk, a, m, s):  # pragma: no cover  (compiled; tested against numpy)
    """One draw, year and sex: the rates ``mt * exp(bt * kk)`` (A,) into ``m`` and their
    survival ratios into ``s`` (A,), with a0 = ``a``; returns the births' survival f0.

    The rates and the closed ages' ratios are each one loop without calls or branches (exp
    of :mod:`~actuarial.engine.fastmath`; the numpy error model, so a division has no zero
    test), which the compiler runs four ages at a time (AVX)."""
    A = m.size
    for age in range(A):
        m[age] = mt[age] * fastmath.exp(bt[age] * kk)
    for age in range(1, A - 2):
        s[age] = (1.0 - 0.5 * m[age]) / (1.0 + 0.5 * m[age + 1])
    m0 = m[0]
    q0 = m0 / (1.0 + (1.0 - a) * m0)
    f = 1.0 - (1.0 - a) * q0
    s[0] = (1.0 - q0) / (f * (1.0 + 0.5 * m[1]))
    half99 = 0.5 * m[A - 2]                             # m_{A-2} / 2
    p99 = (1.0 - half99) / (1.0 + half99)
    r = p99 / m[A - 1]
    s_open = r / (1.0 / (1.0 + half99) + r)
    s[A - 2] = s_open
    s[A - 1] = s_open
    return f


@njit(cache=True, nogil=True)
def group_survival(sx, bs, shocks, d0, n, sx_l, bs_l, scratch):  # pragma: no cover
    """The lanes of the compiled pass (:func:`actuarial.engine.fused.project_draws`) get the
    survival of draws ``d0 .. d0 + n - 1`` (spare lanes repeat the last): sx_l (T, sex, age,
    lane) and bs_l (T, sex, lane) from each draw's shocks (mx, bx, k, a0) of
    :func:`shock_inputs`, computed here while in cache, or, when k has no draws, from its rows
    of sx (D, T, sex, age) and bs (D, T, sex) (one row: shared by every draw). The eight
    lanes' rows of a year and sex are computed first, then written side by side. scratch:
    (lanes + 1, age)."""
    mx, bx, k, a0 = shocks
    T, X, A, L = sx_l.shape
    for t in range(T):
        for x in range(X):
            for j in range(L):
                src = d0 + min(j, n - 1)
                if k.shape[0] > 0:
                    bs_l[t, x, j] = ratios(mx[t, x], bx[x], k[src, t, x], a0[src, t, x], scratch[L], scratch[j])
                else:
                    bs_l[t, x, j] = bs[src if bs.shape[0] > 1 else 0, t, x]
                    scratch[j] = sx[src if sx.shape[0] > 1 else 0, t, x]
            out = sx_l[t, x]
            for a in range(A):
                for j in range(L):
                    out[a, j] = scratch[j, a]


def shock_inputs(mx: np.ndarray, bx: np.ndarray, k: np.ndarray, a0_rule) -> tuple[np.ndarray, ...]:
    """What :func:`ratios` needs for every draw, year and sex: (mx (T, sex, age), bx (sex,
    age), k (D, T, sex), a0 (D, T, sex)), each C-contiguous float64; a0 by ``a0_rule`` from the
    shocked infant death rates."""
    k = np.ascontiguousarray(k, dtype=float)
    m0 = mx[None, :, :, 0] * np.exp(bx[None, None, :, 0] * k)
    return (np.ascontiguousarray(mx, dtype=float), np.ascontiguousarray(bx, dtype=float), k,
            np.ascontiguousarray(a0_rule(m0), dtype=float))


def shocked_survival(mx: np.ndarray, bx: np.ndarray, k: np.ndarray, a0_rule) -> tuple[np.ndarray, np.ndarray]:
    """Survival ratios (D, T, sex, age) and births' survival to 1 January (D, T, sex) of the
    death rates ``mx`` (T, sex, age) shocked by ``exp(bx * k)`` (bx (sex, age), k (D, T, sex)).
    ``a0_rule(m0)`` gives a0 from the infant death rates (D, T, sex)."""
    return ratios_of(shock_inputs(mx, bx, k, a0_rule))


def ratios_of(shocks: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The survival ratios (D, T, sex, age) and births' survival (D, T, sex) of ``shocks``
    (mx, bx, k, a0) from :func:`shock_inputs`, as arrays."""
    mx, bx, k, a0 = shocks
    sx, f0 = np.empty(k.shape + mx.shape[2:]), np.empty(k.shape)
    _shocked_survival(mx, bx, k, a0, sx, f0)
    return sx, f0
