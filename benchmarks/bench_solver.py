"""Rate-solver benchmark: solve_rate against one projection with the same draws.

The solver prices every trial value on the population projected once
(:class:`actuarial.engine.reuse.Projector`) and finds the answer by a vectorised regula falsi on
the draws' margins, so it should cost a small multiple of one projection (goal: <= 10x).
Both are timed in this process, one after the other, so a busy machine slows both alike.

    python benchmarks/bench_solver.py [--draws 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import actuarial
from actuarial.policy import solvers

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeat: int, fn):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    a = actuarial.load_assumptions(ROOT / "assumptions" / "example-city")
    actuarial.project(a, 10, draws=args.draws, seed=1)          # warm: compiled kernel, fitted model
    t_proj, _ = best_of(args.repeat, lambda: actuarial.project(a, 10, draws=args.draws, seed=1))
    print(f"one projection, {args.draws} draws x 10 years: {t_proj:.2f} s")
    for instrument, kw in (("employer_rate", {}), ("premium", {"bounds": (300.0, 2000.0)})):
        t, sol = best_of(args.repeat, lambda: solvers.solve_rate(a, instrument, line=6, probability=0.9,
                                                                 from_year=2026, draws=args.draws, seed=1, **kw))
        print(f"solve_rate({instrument!r}, line=6, probability=0.9, from_year=2026): {t:.2f} s = "
              f"{t / t_proj:.1f}x one projection (goal <= 10x), {len(sol.checked)} values priced")
        print(f"  {sol.message}")


if __name__ == "__main__":
    main()
