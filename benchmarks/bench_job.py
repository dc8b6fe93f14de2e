"""The example stochastic job end to end: ``actuarial run projections/example-city-stochastic.yaml``
(10,000 draws x 10 years, single ages, outputs zarr and csv). Prints measured figures; asserts
nothing.

Goal (on the 2-core reference machine): the whole command in <= 6 s wall time, of which the
projection itself is the engine's (bench_stochastic.py) and everything around it (imports,
loading and checks, the model fit, the outputs, the summary) as little as possible.

Two measurements, each in fresh processes (``--repeat`` times, the best kept):

1. the real console command, timed from outside: wall time and the CPU time of the child;
2. the same stages replayed in one fresh process with the functions the command calls, in the
   order it calls them (actuarial/cli.py ``cmd_run``), each timed inside that process (wall and
   CPU), with the heavy modules each stage imported.

The fitted-model cache (actuarial/uncertainty/cache.py) lives in a temporary folder of this
benchmark: the first command run fits (cold), the later ones read the fit (warm); both are
shown. The machine is shared, so CPU times are the steadier figures.

    python benchmarks/bench_job.py                   # 3 runs of each
    python benchmarks/bench_job.py --repeat 5 --job projections/example-city-stochastic.yaml
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "projections" / "example-city-stochastic.yaml"
GOAL_SECONDS = 6.0
HEAVY = ("xarray", "pandas", "scipy.special", "scipy.stats", "scipy.optimize", "scipy.interpolate", "numba",
         "statsmodels", "dask", "dask.array", "distributed", "zarr", "numcodecs", "netCDF4", "h5netcdf",
         "matplotlib", "jinja2", "tqdm")


def _cpu(who=resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def command(job: Path) -> list[str]:
    """The installed console script beside this interpreter when it runs ``cli.console`` (as
    pyproject.toml declares), else ``python -m actuarial.cli``, which runs the same."""
    script = Path(sys.executable).with_name("actuarial")
    if script.is_file() and "console" in script.read_text(errors="replace"):
        return [str(script)]
    return [sys.executable, "-m", "actuarial.cli"]


def run_command(job: Path, out: Path, env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``actuarial run JOB --out OUT --force`` in a new process."""
    before = _cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command(job) + ["run", str(job), "--out", str(out), "--force"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"the command failed: {done.stderr.strip()}")
    return wall, _cpu(resource.RUSAGE_CHILDREN) - before


# --------------------------------------------------------------------------------------------
# The stages, replayed inside one process (run with --stages by the parent)
# --------------------------------------------------------------------------------------------

class Stages:
    def __init__(self):
        self.rows = []

    def __call__(self, name, fn, *args, **kwargs):
        seen = set(sys.modules)
        t0, c0 = time.perf_counter(), _cpu()
        value = fn(*args, **kwargs)
        self.rows.append({"stage": name, "wall": time.perf_counter() - t0, "cpu": _cpu() - c0,
                          "imported": [m for m in HEAVY if m in sys.modules and m not in seen]})
        return value


def replay(job: Path, out: Path) -> list[dict]:
    """The stages of ``cmd_run`` (no scenarios, no scheduler), each timed."""
    stage = Stages()

    def imports():
        import actuarial.cli as cli
        cli.build_parser()                 # as main() does: it imports the subcommands' modules
        return cli
    cli = stage("imports", imports)
    from actuarial import alerts, uncertainty
    from actuarial.province.view import with_province
    from actuarial.report import export
    from actuarial.report.summary import format_summary, summary_table

    args = cli.build_parser().parse_args(["run", str(job), "--out", str(out), "--force"])
    args.argv = []
    plan = stage("loading and checks", cli.plan_run, args)
    job_, a, years, draws, seed = plan["job"], plan["assumptions"], plan["years"], plan["draws"], plan["seed"]
    folder = export.RunFolder(plan["out"], force=True).prepare()
    model = stage("model fit", uncertainty.fit, a) if draws else None
    ds = stage("projection", cli.project, a, years=years, draws=draws, seed=seed, model=model,
               keep_population=job_.keep_population)

    def summary():
        judged = with_province(ds) if ds.sizes.get("region", 1) > 1 else ds
        table = summary_table(judged)
        report = alerts.evaluate(judged, plan["rules"])
        format_summary(table), cli.format_alerts(report)
        d = ds["depletion_year"]
        if "draw" in d.dims:
            [float(d.sel(scheme=s).notnull().mean()) for s in d["scheme"].values]
        return table, report
    table, report = stage("summary and alerts", summary)
    if "netcdf" in job_.outputs:
        stage("write netcdf", export.write_netcdf, ds, folder.path(f"{job_.name}.nc"))
    if "zarr" in job_.outputs:
        stage("write zarr", export.write_zarr, ds, folder.path(f"{job_.name}.zarr"))
    if "csv" in job_.outputs:
        stage("write csv", lambda: (export.write_csv(table, folder.path("summary.csv")),
                                    export.write_csv(report.table, folder.path("alerts.csv"), index=False)))
    stage("manifest and rename", lambda: (export.write_manifest(folder.path("run.yaml"), {"draws": draws}),
                                          folder.commit()))
    return stage.rows


def run_replay(job: Path, out: Path, env: dict) -> list[dict]:
    """The stages of one replay, and a last row for its whole process timed from outside
    (interpreter start and exit included)."""
    before = _cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--stages", "--job", str(job), "--out", str(out)],
                          env=env, capture_output=True, text=True)
    whole = {"stage": "whole process", "wall": time.perf_counter() - t0,
             "cpu": _cpu(resource.RUSAGE_CHILDREN) - before, "imported": []}
    if done.returncode != 0:
        raise SystemExit(f"the replay failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) + [whole]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", type=Path, default=JOB)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help=argparse.SUPPRESS)   # the child process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        rows = replay(args.job.resolve(), args.out)
        print(json.dumps(rows), flush=True)
        os._exit(0)                        # as cli.console leaves, without the interpreter's teardown

    job = args.job.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-job-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, ACTUARIAL_CACHE=str(tmp / "cache"), CI="1",    # CI: no progress bars
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        print(f"job: {job.relative_to(ROOT) if job.is_relative_to(ROOT) else job}")
        print(f"command: {' '.join(Path(c).name if k == 0 else c for k, c in enumerate(command(job)))} run JOB --out DIR --force "
              f"(fresh process each, best of {args.repeat})")
        runs = [run_command(job, tmp / f"out-{k}", env) for k in range(max(args.repeat, 2))]
        cold, warm = runs[0], min(runs[1:])
        print(f"  first run (fits the model):  {cold[0]:6.2f} s wall  {cold[1]:6.2f} s CPU")
        print(f"  later runs (cached fit):     {warm[0]:6.2f} s wall  {warm[1]:6.2f} s CPU   "
              f"goal <= {GOAL_SECONDS:.0f} s wall: {warm[0] / GOAL_SECONDS:.2f} of it")

        replays = [run_replay(job, tmp / f"stages-{k}", env) for k in range(args.repeat)]
        env_off = dict(env, ACTUARIAL_CACHE="off")
        fit_cold = run_replay(job, tmp / "stages-cold", env_off)
        best = {r["stage"]: r for r in replays[0]}
        for rows in replays[1:]:
            for r in rows:
                if r["cpu"] + r["wall"] < best[r["stage"]]["cpu"] + best[r["stage"]]["wall"]:
                    best[r["stage"]] = r
        print()
        print(f"stages inside one process (best of {args.repeat}; cached fit):")
        print(f"  {'stage':22s} {'wall s':>7s} {'CPU s':>7s}  heavy modules first imported")
        whole = best.pop("whole process")
        for name, r in best.items():
            print(f"  {name:22s} {r['wall']:7.2f} {r['cpu']:7.2f}  {', '.join(r['imported']) or '-'}")
        print(f"  {'sum of the stages':22s} {sum(r['wall'] for r in best.values()):7.2f} "
              f"{sum(r['cpu'] for r in best.values()):7.2f}")
        print(f"  {'whole replay process':22s} {whole['wall']:7.2f} {whole['cpu']:7.2f}  "
              f"(with interpreter start and exit, timed from outside)")
        fit = next(r for r in fit_cold if r["stage"] == "model fit")
        print(f"  (model fit without the cache: {fit['wall']:.2f} s wall, {fit['cpu']:.2f} s CPU; "
              f"imports {', '.join(fit['imported']) or '-'})")


if __name__ == "__main__":
    main()
