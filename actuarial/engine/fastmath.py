"""exp and erf for compiled loops the compiler can vectorise (numba).

A call to the C library's ``exp`` or ``erf`` inside a loop keeps the loop scalar: the compiler
cannot run four calls side by side. The two functions here are written with arithmetic,
comparisons that select (no branches) and bit operations only, and are inlined into the
caller (``inline="always"``), so a loop over cells that calls them becomes vector code.
Compiled without fast-math flags they round the same on every machine (IEEE operations only,
no C library), with or without vector units or fused multiply-add.

:func:`exp` (x in [-708, 709], clamped outside): ``x = n ln2 + r`` with ``n`` the nearest
integer to ``x / ln2`` (found by adding and subtracting 1.5 x 2^52), ``|r| <= ln2 / 2``,
ln2 split in a high part exact in n x ln2 and a low part; ``exp(r)`` by its Taylor series to
r^13 (truncation below 1e-17 relative); ``2^n`` by writing ``n + 1023`` into the exponent
bits. Measured against ``math.exp`` on a dense grid over [-708, 709] and on random
arguments: at most 1 unit in the last place (relative 2.2e-16; tested to 2 units,
tests/test_fastmath.py), with and without fused multiply-add.

:func:`erf`: the rational approximations of fdlibm's ``s_erf.c`` (Sun Microsystems, 1993), on
``|x| < 0.84375``: ``x + x P(x^2) / Q(x^2)``; on ``[0.84375, 1.25)``: ``erx + P(s) / Q(s)``
with ``s = |x| - 1``; beyond, ``1 - exp(-x^2 - 0.5625 + R(s) / S(s)) / |x|`` with
``s = 1 / x^2`` and one of two coefficient sets (below and above 1 / 0.35), |x| clamped at 6
(erfc(6) = 2e-17 rounds away next to 1). Every region is evaluated and the one that applies
selected; the numerator and denominator are selected before the one division (two in all,
with ``1 / |x|``). fdlibm splits ``x^2`` exactly before its exp; here exp takes ``-x^2`` as
rounded, which costs relative accuracy in erfc far out but not absolute accuracy in erf, which
is what a share needs: against ``math.erf`` on a dense grid over [-10, 10] (steps of 1e-5)
and on random arguments, the absolute error is at most 1.1e-16, one unit in the last place
of values near 1 (tested to 2.5e-16, tests/test_fastmath.py).

numba's disk cache of a compiled function is invalidated by changes to the file that defines
it, not by changes to the functions it inlines from here. So each caller (engine/fused.py,
engine/survival.py, and the cached test loops of tests/test_fastmath.py) names this file's
SHA-256 digest (first 12 hex digits), and that test file fails until every one is this file's:
an edit here cannot be tested without changing the callers' files, which discards their cached
code. engine/survival.py's compiled functions, called from engine/fused.py, are named the same
way.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01     # low 32 bits zero: n * LN2_HI is exact for |n| < 2^20
LN2_LO = 1.90821492927058770002e-10
SHIFT = 6755399441055744.0              # 1.5 x 2^52: x + SHIFT rounds x to an integer in the low bits
EXP_MIN, EXP_MAX = -708.0, 709.0        # 2^n stays a normal number


@intrinsic
def _bits(typingctx, x):
    """The 64 bits of a float64 as an int64 (a bit cast; no conversion)."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, n):
    """The float64 whose 64 bits are the int64 ``n`` (a bit cast)."""
    if not isinstance(n, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@njit(cache=True, nogil=True, inline="always")
def exp(x):  # pragma: no cover  (compiled; tested against math.exp)
    """e^x for x in [-708, 709] (clamped outside), to 1 unit in the last place."""
    x = min(max(x, EXP_MIN), EXP_MAX)
    t = x * LOG2E + SHIFT
    n = t - SHIFT                                   # nearest integer to x / ln2, as a float
    r = (x - n * LN2_HI) - n * LN2_LO               # |r| <= ln2 / 2
    r2 = r * r
    r4 = r2 * r2
    # (e^r - 1 - r) / r^2 = sum_{k>=2} r^(k-2) / k!, k to 13, in Estrin's scheme (short dependency chains)
    c01 = 0.5 + r * (1.0 / 6.0)
    c23 = 1.0 / 24.0 + r * (1.0 / 120.0)
    c45 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    c67 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    c89 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    c1011 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    p = (c01 + r2 * c23) + r4 * ((c45 + r2 * c67) + r4 * (c89 + r2 * c1011))
    er = 1.0 + (r + r2 * p)                    # e^r
    k = _bits(t) - _bits(SHIFT)                     # n as an integer
    return er * _float((k + 1023) << 52)            # e^r x 2^n


@njit(cache=True, nogil=True, inline="always")
def erf(x):  # pragma: no cover  (compiled; tested against math.erf)
    """The error function, to 1.1e-16 absolute; branch-free (every region computed, one
    selected), so a loop calling it vectorises."""
    ax = min(abs(x), 6.0)
    z = ax * ax
    s1 = ax - 1.0
    at = max(ax, 1.25)                              # the tail's |x| (the same where it is used)
    zt = at * at
    ia = 1.0 / at
    s2 = ia * ia
    # |x| < 0.84375: erf = x + x * P(z) / Q(z)
    p_small = 1.28379167095512558561e-01 + z * (-3.25042107247001499370e-01 + z * (
        -2.84817495755985104766e-02 + z * (-5.77027029648944159157e-03 + z * -2.37630166566501626084e-05)))
    q_small = 1.0 + z * (3.97917223959155352819e-01 + z * (6.50222499887672944485e-02 + z * (
        5.08130628187576562776e-03 + z * (1.32494738004321644526e-04 + z * -3.96022827877536812320e-06))))
    # 0.84375 <= |x| < 1.25: erf = erx + P(s) / Q(s), s = |x| - 1
    p_mid = -2.36211856075265944077e-03 + s1 * (4.14856118683748331666e-01 + s1 * (
        -3.72207876035701323847e-01 + s1 * (3.18346619901161753674e-01 + s1 * (
            -1.10894694282396677476e-01 + s1 * (3.54783043256182359371e-02 + s1 * -2.16637559486879084300e-03)))))
    q_mid = 1.0 + s1 * (1.06420880400844228286e-01 + s1 * (5.40397917702171048937e-01 + s1 * (
        7.18286544141962662868e-02 + s1 * (1.26171219808761642112e-01 + s1 * (
            1.36370839120290507362e-02 + s1 * 1.19844998467991074170e-02)))))
    # 1.25 <= |x| < 1 / 0.35 and beyond: erfc = exp(-x^2 - 0.5625 + R(s) / S(s)) / |x|, s = 1 / x^2
    r_a = -9.86494403484714822705e-03 + s2 * (-6.93858572707181764372e-01 + s2 * (
        -1.05586262253232909814e+01 + s2 * (-6.23753324503260060396e+01 + s2 * (
            -1.62396669462573470355e+02 + s2 * (-1.84605092906711035994e+02 + s2 * (
                -8.12874355063065934246e+01 + s2 * -9.81432934416914548592e+00))))))
    s_a = 1.0 + s2 * (1.96512716674392571292e+01 + s2 * (1.37657754143519042600e+02 + s2 * (
        4.34565877475229228821e+02 + s2 * (6.45387271733267880336e+02 + s2 * (
            4.29008140027567833386e+02 + s2 * (1.08635005541779435134e+02 + s2 * (
                6.57024977031928170135e+00 + s2 * -6.04244152148580987438e-02)))))))
    r_b = -9.86494292470009928597e-03 + s2 * (-7.99283237680523006574e-01 + s2 * (
        -1.77579549177547519889e+01 + s2 * (-1.60636384855821916062e+02 + s2 * (
            -6.37566443368389627722e+02 + s2 * (-1.02509513161107724954e+03 + s2 * -4.83519191608651397019e+02)))))
    s_b = 1.0 + s2 * (3.03380607434824582924e+01 + s2 * (3.25792512996573918826e+02 + s2 * (
        1.53672958608443695994e+03 + s2 * (3.19985821950859553908e+03 + s2 * (
            2.55305040643316442583e+03 + s2 * (4.74528541206955367215e+02 + s2 * -2.24409524465858183362e+01))))))
    small, mid, near = ax < 0.84375, ax < 1.25, ax < 1.0 / 0.35
    num = p_small if small else (p_mid if mid else (r_a if near else r_b))
    den = q_small if small else (q_mid if mid else (s_a if near else s_b))
    y = num / den
    tail = 1.0 - exp(-zt - 0.5625 + y) * ia
    value = ax + ax * y if small else (8.45062911510467529297e-01 + y if mid else tail)
    value = -value if x < 0 else value
    return x if x != x else value                   # NaN stays NaN
