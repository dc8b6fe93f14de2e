"""Engine against the plain numpy kernel: the same arithmetic on the same shapes, one process.

Times, for D draws x 10 years with every source of uncertainty and single ages kept:

* ``engine``: :func:`actuarial.project` (deviations, compiled survival and cohort-component
  passes, money, assembly of the labelled Dataset), threads on every core;
* ``numpy kernel``: the same deviations, then :mod:`actuarial.engine.reference` (survival from
  the shocked rates and the demography steps in numpy, year by year) and the same money, on
  the same chunks and threads.

and prints the engine's time divided by the numpy kernel's (goal <= 0.5). Both run in this
process one after the other, best of ``--repeat``, so a busy machine slows both alike.

    python benchmarks/bench_kernel.py [--draws 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import actuarial
from actuarial import uncertainty
from actuarial.engine.executors import chunk_bounds, run_chunks
from actuarial.engine.inputs import flow_years, resolve_inputs
from actuarial.engine.reference import numpy_chunk

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 250


def numpy_kernel(inp, model, seed, states, lo, hi, out=None):
    dev = uncertainty.draw_deviations(model, hi - lo, inp.flow_years.size, seed, uncertainty.SOURCES, start=lo,
                                      states=states.get(lo))
    return numpy_chunk(inp, dev, model.bx_single)


def best(repeat, fn):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    a = actuarial.load_assumptions(ROOT / "assumptions" / "example-city")
    model = uncertainty.fit(a)
    fy = flow_years(a, 10)
    inp = resolve_inputs(a, fy)
    states = uncertainty.sources.stream_states(1, [lo for lo, _ in chunk_bounds(args.draws, CHUNK)], fy.size)
    engine = lambda: actuarial.project(a, 10, draws=args.draws, seed=1, model=model, chunk=CHUNK, progress=False)  # noqa: E731
    plain = lambda: run_chunks(partial(numpy_kernel, inp, model, 1, states), args.draws, CHUNK,  # noqa: E731
                               executor="threads", progress_bar=False)
    engine(), plain()                                   # warm: compiled code, caches
    t_engine, t_numpy = best(args.repeat, engine), best(args.repeat, plain)
    print(f"{args.draws:,} draws x 10 years, every source, single ages kept, chunks of {CHUNK} on threads")
    print(f"  engine (actuarial.project, labelled Dataset included): {t_engine:.2f} s")
    print(f"  plain numpy kernel, same arithmetic and shapes:         {t_numpy:.2f} s")
    print(f"  engine / numpy kernel = {t_engine / t_numpy:.2f} (goal <= 0.5)")


if __name__ == "__main__":
    main()
