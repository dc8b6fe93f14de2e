"""Scale-out benchmark: many draws on a dask LocalCluster, per-draw summaries to Zarr.

Targets (scale-out on dask), on the 2-core reference machine:
    1,000,000 draws x 10 years of the example city on a 2-worker LocalCluster, written to Zarr
    chunk by chunk, in bounded memory (no worker over 3 GiB) and within about 5 minutes;
    percentiles and breach probabilities computed from the stored draws with dask.

It prints the wall time, each worker's peak resident memory, the throughput against a local
10,000-draw run in the same process (the baseline), and the time to summarise the store.

    python benchmarks/bench_scale.py                 # 1,000,000 draws
    python benchmarks/bench_scale.py --draws 100000  # a quicker look
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    import actuarial
    from actuarial import alerts, uncertainty
    from actuarial.engine.store import open_summary, project_to_zarr

    a = actuarial.load_assumptions(ROOT / "assumptions" / "example-city")
    uncertainty.fit(a)
    t = time.perf_counter()
    actuarial.project(a, 10, draws=10_000, seed=1, keep_population=False, progress=False)
    local = time.perf_counter() - t
    print(f"baseline: 10,000 draws locally (threads, totals only) in {local:.2f} s "
          f"({10_000 / local:,.0f} draws/s)")

    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    store = folder / "draws.zarr"
    try:
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          memory_limit="3GiB", dashboard_address=None,
                          scheduler_kwargs={"dashboard_address": ":0"}) as cluster, Client(cluster) as client:
            t = time.perf_counter()
            project_to_zarr(a, store, 10, draws=args.draws, seed=1, chunk=args.chunk, client=client,
                            progress_bar=False)
            wall = time.perf_counter() - t
            peaks = client.run(_peak_mib)
        size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
        print(f"{args.draws:,} draws x 10 years on {args.workers} workers: {wall:.1f} s "
              f"({args.draws / wall:,.0f} draws/s, {args.draws / wall / (10_000 / local):.2f} x the local rate); "
              f"store {size:,.0f} MiB")
        print("peak resident memory per worker: " + ", ".join(f"{v / 1024:.2f} GiB" for v in peaks.values()))
        t = time.perf_counter()
        s = open_summary(store)
        q = uncertainty.quantiles(s["reserve_months"]).compute()
        report = alerts.evaluate(s)
        print(f"summaries from the stored draws (percentiles, {len(report.table)} warning rules): "
              f"{time.perf_counter() - t:.1f} s; P50 resident months in {int(q.year[-1])}: "
              f"{float(q.sel(quantile=0.5, scheme='resident').isel(year=-1)):.2f}")
        print(f"client peak resident memory: {_peak_mib() / 1024:.2f} GiB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
