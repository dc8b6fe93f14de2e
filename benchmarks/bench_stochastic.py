"""Speed and memory of the stochastic engine. Prints measured figures; asserts nothing.

Targets, on the 2-core reference machine:
  * 10,000 draws x 10 years of the full model (every scheme and layer of the example, ages
    0-100, two sexes, four statuses, every source of uncertainty including Lee-Carter
    mortality, the population by single age kept): <= 0.5 s wall time (the scale-out goal; the
    first goal was 2 s) and <= 2 GiB peak memory;
  * at least 50 times faster than a plain loop running the deterministic model once per draw;
  * time and memory linear in draws and years.

Each configuration runs in its own process so that its peak memory (ru_maxrss) is its own.

    python benchmarks/bench_stochastic.py            # the full table (1k, 10k, 100k draws; years)
    python benchmarks/bench_stochastic.py --quick    # 1k and 10k only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "assumptions" / "example-city"
TARGET_SECONDS, TARGET_GIB = 0.5, 2.0


def measure(draws: int, years: int, repeat: int, keep: int = 1) -> dict:
    import numpy as np

    import actuarial
    from actuarial import uncertainty

    a = actuarial.load_assumptions(EXAMPLE)
    uncertainty.fit(a)                            # fitting is a one-off per assumption set
    actuarial.project(a, years=years, draws=min(draws, 200), seed=1)   # warm-up
    best, cpu = np.inf, np.inf
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        ds = actuarial.project(a, years=years, draws=draws, seed=1, keep_population=bool(keep), progress=False)
        best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        del ds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2   # KiB -> GiB
    return {"draws": draws, "years": years, "seconds": best, "cpu_seconds": cpu, "peak_gib": peak,
            "population": "full" if keep else "totals"}


def loop_baseline(n: int) -> float:
    """Seconds per draw of a plain loop: the deterministic model run once per draw."""
    import actuarial
    a = actuarial.load_assumptions(EXAMPLE)
    actuarial.project(a, years=10)
    t0 = time.perf_counter()
    for _ in range(n):
        actuarial.project(a, years=10)
    return (time.perf_counter() - t0) / n


def streaming_baseline(draws: int, years: int) -> float:
    """Seconds for one pure-numpy pass (c = a * b) over arrays the size of the engine's
    population state for all draws and years: a memory-bandwidth yardstick."""
    import numpy as np
    n = draws * (years + 2) * 3 * 2 * 101
    a, b, c = np.ones(n), np.full(n, 0.99), np.empty(n)
    np.multiply(a, b, out=c)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        np.multiply(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return best


def child(draws: int, years: int, repeat: int, keep: int = 1) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", str(draws), str(years), str(repeat), str(keep)],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=4, type=int, metavar=("DRAWS", "YEARS", "REPEAT", "KEEP"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one)))
        return
    import os
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    rows = [child(1_000, 10, 3), child(10_000, 10, 3)]
    if not args.quick:
        rows += [child(100_000, 10, 1), child(100_000, 10, 1, keep=0), child(10_000, 10, 3, keep=0),
                 child(10_000, 5, 3), child(10_000, 20, 2)]
    print(f"\n{'draws':>8} {'years':>5} {'population':>10} {'seconds':>8} {'CPU s':>7} {'peak GiB':>9} "
          f"{'us/draw-year':>13}")
    for r in rows:
        print(f"{r['draws']:>8} {r['years']:>5} {r['population']:>10} {r['seconds']:>8.3f} {r['cpu_seconds']:>7.2f} "
              f"{r['peak_gib']:>9.2f} {r['seconds'] / (r['draws'] * r['years']) * 1e6:>13.2f}")
    main_row = next(r for r in rows if r["draws"] == 10_000 and r["years"] == 10 and r["population"] == "full")
    per_draw = loop_baseline(20)
    stream = streaming_baseline(10_000, 10)
    print(f"\n10k draws x 10 years: {main_row['seconds']:.3f} s (target <= {TARGET_SECONDS} s), "
          f"peak {main_row['peak_gib']:.2f} GiB (target <= {TARGET_GIB} GiB)")
    print(f"plain loop of deterministic runs: {per_draw * 1e3:.1f} ms per draw -> "
          f"{per_draw * 10_000:.1f} s for 10k draws; the engine is "
          f"{per_draw * 10_000 / main_row['seconds']:.0f}x faster (target >= 50x)")
    print(f"one numpy streaming pass over the population-sized array (10k draws): {stream:.3f} s; "
          f"the engine costs {main_row['seconds'] / stream:.0f} such passes")


if __name__ == "__main__":
    main()
