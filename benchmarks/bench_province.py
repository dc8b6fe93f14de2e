"""Province benchmark: 16 regions x 10,000 draws on a 2-worker dask LocalCluster.

Builds a 16-region set in a temporary folder (the example province's six cities, copied round
robin with their fund balances perturbed), with the example province's adjustment fund,
out-of-area care and management actions, and projects it 10 years with
``keep_population=False`` on a 2-worker ``LocalCluster``. The regions run one after another,
each spread over the workers by chunks of draws; the province pass then runs in this process on
the gathered arrays.

It prints the wall time (kernels on the cluster, then the pass and assembly), each worker's
peak resident memory, this process's peak, and the adjustment identity's largest residual.
No target is asserted: the figures are for reading.

    python benchmarks/bench_province.py                       # 16 regions x 10,000 draws
    python benchmarks/bench_province.py --regions 6 --draws 2000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = ROOT / "assumptions" / "example-province"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(folder: Path, n: int) -> Path:
    """A set of ``n`` regions: the example province's cities round robin, balances x 0.6..1.5."""
    raw = yaml.safe_load((PROVINCE / "assumptions.yaml").read_text(encoding="utf-8"))
    cities = list(raw["regions"])
    regions, capital = {}, None
    for k in range(n):
        city = cities[k % len(cities)]
        name = f"{city}-{k // len(cities)}"
        capital = capital or name
        dest = folder / name
        shutil.copytree(PROVINCE / raw["regions"][city], dest)
        cfg = yaml.safe_load((dest / "assumptions.yaml").read_text(encoding="utf-8"))
        factor = 0.6 + 0.9 * k / max(n - 1, 1)
        for section in (cfg["employee"], cfg["resident"]):
            section["opening_balance"]["value"] = float(round(section["opening_balance"]["value"] * factor, -3))
        cfg["region"] = name
        (dest / "assumptions.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
        regions[name] = name
    oa = raw["province"]["out_of_area"]
    oa["away_share"]["values"] = {capital: 0.03}
    oa["destination_weight"]["values"] = {capital: 6}
    raw.update(name=f"bench-{n}-regions", regions=regions)
    (folder / "assumptions.yaml").write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=16)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    import actuarial
    from actuarial import uncertainty

    folder = Path(tempfile.mkdtemp(prefix="bench-province-"))
    try:
        rs = actuarial.load_assumptions(build(folder, args.regions))
        uncertainty.fit(rs.regions[0])     # the cities share their histories: one fit, cached
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          memory_limit="4GiB", dashboard_address=None,
                          scheduler_kwargs={"dashboard_address": ":0"}) as cluster, Client(cluster) as client:
            t = time.perf_counter()
            ds = actuarial.project(rs, 10, draws=args.draws, seed=1, chunk=args.chunk, keep_population=False,
                                   client=client, progress=False)
            wall = time.perf_counter() - t
            peaks = client.run(_peak_mib)
        print(f"{args.regions} regions x {args.draws:,} draws x 10 years on {args.workers} workers "
              f"(keep_population=False, chunks of {args.chunk:,}): {wall:.1f} s "
              f"({args.regions * args.draws / wall:,.0f} region-draws/s)")
        print("peak resident memory per worker: " + ", ".join(f"{v / 1024:.2f} GiB" for v in peaks.values()))
        print(f"client peak resident memory (gathered results, province pass, Dataset): {_peak_mib() / 1024:.2f} GiB; "
              f"result {ds.nbytes / 2**30:.2f} GiB")
        change = ds["adjustment_fund_balance"] - ds["adjustment_fund_balance"].shift(year=1, fill_value=0.0)
        resid = float(abs(ds["adjustment_transfer"].sum("region") + change).max())
        scale = float(abs(ds["income"]).sum("region").max())
        print(f"adjustment identity: largest residual {resid:.2e} CNY against province fund income {scale:.3g} CNY")
        below = float((ds["reserve_months"] < 3).mean())
        print(f"share of (region, draw, year, scheme) cells below the 3-month floor: {below:.1%}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
