"""The vectorised exp and erf of actuarial.engine.fastmath against the C library's, in loops
compiled the way the engine compiles its own. Prints measured figures; asserts nothing.

For each function: nanoseconds an element over a contiguous array (best of ``--repeat``) for a
loop calling the C library (``math.exp``, ``math.erf``: scalar calls, the loop stays scalar)
and for the same loop calling :mod:`actuarial.engine.fastmath` (vector code), and the largest
difference between the two over the array (relative for exp, absolute for erf). Then the
shocked survival pass (:mod:`actuarial.engine.survival`) per row of ages. Both versions run
in this process one after the other, so a busy machine slows both alike.

    python benchmarks/bench_fastmath.py [--size 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from numba import njit

from actuarial.engine import fastmath


@njit(cache=True)
def _libm_exp(x, out):
    for i in range(x.size):
        out[i] = math.exp(x[i])


@njit(cache=True)
def _libm_erf(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _fast_exp(x, out):
    for i in range(x.size):
        out[i] = fastmath.exp(x[i])


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _fast_erf(x, out):
    for i in range(x.size):
        out[i] = fastmath.erf(x[i])


def _best(f, x, out, repeat):
    f(x, out)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(x, out)
        best = min(best, time.perf_counter() - t0)
    return best / x.size * 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    cases = {"exp": (rng.uniform(-40.0, 2.0, args.size), _libm_exp, _fast_exp),
             "erf": (rng.uniform(-4.0, 4.0, args.size), _libm_erf, _fast_erf)}
    print(f"{'function':>8} {'C library ns':>13} {'fastmath ns':>12} {'ratio':>6} {'max difference':>15}")
    for name, (x, libm, fast) in cases.items():
        a, b = np.empty_like(x), np.empty_like(x)
        t_libm, t_fast = _best(libm, x, a, args.repeat), _best(fast, x, b, args.repeat)
        diff = np.max(np.abs(a - b) / (np.abs(a) if name == "exp" else 1.0))
        print(f"{name:>8} {t_libm:>13.2f} {t_fast:>12.2f} {t_libm / t_fast:>6.1f} {diff:>15.2e}"
              f" ({'relative' if name == 'exp' else 'absolute'})")
    from actuarial import lifetable
    from actuarial.engine.survival import _shocked_survival
    D, T, X, A = 1000, 10, 2, 101
    mx = np.exp(np.linspace(-7.5, 0.2, A))[None, None] * np.ones((T, X, 1))
    bx, k = np.full((X, A), 0.01), rng.normal(0.0, 5.0, (D, T, X))
    m0 = mx[None, :, :, 0] * np.exp(bx[None, None, :, 0] * k)
    a0 = np.ascontiguousarray(lifetable.a0_by_sex(m0, "andreev-kingkade"))
    sx, f0 = np.empty((D, T, X, A)), np.empty((D, T, X))
    _shocked_survival(mx, bx, k, a0, sx, f0)
    best = np.inf
    for _ in range(max(3, args.repeat // 4)):
        t0 = time.perf_counter()
        _shocked_survival(mx, bx, k, a0, sx, f0)
        best = min(best, time.perf_counter() - t0)
    print(f"\nshocked survival (engine/survival.py): {best / (D * T * X) * 1e6:.2f} us a row of {A} ages "
          f"({D} draws x {T} years x {X} sexes in {best * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
