"""The ``actuarial`` command line.

    actuarial run projections/example-city.yaml [--out DIR]   project, write NetCDF + CSV, print a summary
    actuarial validate assumptions/example-city                check an assumption set
    actuarial docs [--check]                                   (re)write docs/assumption-reference.md and docs/levers.md
    actuarial report | budget | calibrate | backtest | solve | compare JOB    (actuarial/commands.py)
    actuarial init FOLDER                                      a new city's assumption set (actuarial/init.py)
    actuarial monitor FOLDER                                   the month's fund operations (operations/cli.py)

Every option and file is checked before anything is computed or written; each run writes into
its own folder through a temporary folder renamed at the end. Every error is printed as one
readable line (file, field, value, what was expected) with exit status 2, never a traceback
(``--debug`` shows one for an unexpected error). The catalogue: docs/errors.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__, alerts
from .policy import levers, scenarios
from .params import load_assumptions, parameter_reference
from .errors import ActuarialError
from .jobs import load_job
from .engine import project
from .report.export import write_csv, write_netcdf, write_zarr
from .report.summary import format_summary, summary_table

EXIT_INPUT_ERROR = 2   # any error: bad option or file, unusable output folder, or an unexpected one
EXIT_ALERT = 3        # --fail-on LEVEL: an alert at that level or a more severe one fired
DOCS_DIR = Path("docs")

from .errors import OutputError, UsageError  # noqa: E402  (kept apart from the import block above)


def cmd_run(args) -> int:
    """Check every option and file, then compute, then write the run folder in one step."""
    import secrets

    from .province.view import with_province
    from .report.export import RunFolder, write_manifest

    plan = plan_run(args)
    job, a, years, draws, seed, rules = plan["job"], plan["assumptions"], plan["years"], plan["draws"], plan["seed"], plan["rules"]
    client = _connect(args.scheduler, job) if args.scheduler else None
    folder = RunFolder(plan["out"], force=args.force).prepare()
    if draws and seed is None:
        seed = secrets.randbits(32)
        print(f"no seed given: using seed {seed} (rerun with --seed {seed} to reproduce these numbers)")
    try:
        if job.scenarios:
            comparison = scenarios.compare(a, job.scenarios, years, draws=draws, seed=seed,
                                           keep_population=job.keep_population)
            ds = comparison.sel(scenario="baseline", drop=True)
            ds.attrs = comparison.attrs
        else:
            comparison, ds = None, project(a, years=years, draws=draws, seed=seed, keep_population=job.keep_population,
                                           client=client, chunk=5_000 if client is not None else None)
        judged = with_province(ds) if ds.sizes.get("region", 1) > 1 else ds   # and the province as a whole
        table = summary_table(judged)
        report = alerts.evaluate(judged, rules)
        names = []
        if "netcdf" in job.outputs:
            names.append(write_netcdf(ds if comparison is None else comparison, folder.path(f"{job.name}.nc")).name)
        if "zarr" in job.outputs:
            names.append(write_zarr(ds if comparison is None else comparison, folder.path(f"{job.name}.zarr")).name)
        if "csv" in job.outputs:
            names.append(write_csv(table, folder.path("summary.csv")).name)
            names.append(write_csv(report.table, folder.path("alerts.csv"), index=False).name)
        names.append(write_manifest(folder.path("run.yaml"), {
            "job": str(job.path), "assumptions": str(a.path), "assumption_hash": a.digest,
            "base_year": int(a.base_year), "years": int(years), "draws": draws, "seed": seed,
            "seed_given": plan["seed"] is not None, "accepted_unusual": sorted(plan["accept"]),
            "alerts": str(plan["rules_path"] or "package defaults"),
            "actuarial_version": __version__, "created": ds.attrs.get("created"),
            "command": "actuarial " + " ".join(plan["argv"]), "files": list(names)}).name)
        out = folder.commit()
    except OSError as exc:
        folder.discard()
        raise OutputError(f"{exc.filename or folder.target}: writing the outputs failed "
                          f"({exc.strerror or exc}); nothing was written to {folder.target}") from None
    except BaseException:
        folder.discard()
        raise
    finally:
        if client is not None:
            client.close()
    for path in folder.cleaned:
        print(f"removed the leftovers of an interrupted run: {path}")
    print(f"{ds.attrs['title']}")
    print(f"assumptions: {a.name} (hash {a.digest[:12]}), base year {a.base_year}, "
          f"horizon {years} years, actuarial {__version__}"
          + (f", {draws} draws (seed {seed})" if draws else ", best estimate"))
    print()
    print(format_summary(table))
    depl = ds["depletion_year"]
    for region, scheme in [(r, s) for r in (depl["region"].values if "region" in depl.dims else [None])
                           for s in depl["scheme"].values]:   # every region of a set
        d = depl.sel(scheme=scheme, **({"region": region} if region is not None else {}))
        if region is not None:
            scheme = f"{region}: {scheme}"
        if "draw" in d.dims:
            p = float(d.notnull().mean())
            print(f"{scheme} fund: probability of a balance below zero within the horizon {p:.1%}"
                  + (f" (median first year {int(d.median())})" if p >= 0.5 else ""))
            continue
        y = float(d)
        print(f"{scheme} fund: " + (f"balance below zero from {int(y)}" if y == y
                                    else "balance stays at or above zero over the horizon"))
    print()
    print(format_alerts(report))
    if comparison is not None:
        print()
        print(format_scenarios(comparison, rules))
    print()
    for name in names:
        print(f"wrote {out / name}")
    if args.fail_on:
        hits = report.fired(args.fail_on)
        if len(hits):
            print(f"{len(hits)} alert(s) at level {args.fail_on} or above: exit status {EXIT_ALERT}", file=sys.stderr)
            return EXIT_ALERT
    return 0


def _connect(address: str, job):
    """A dask.distributed client of the cluster whose scheduler is at ``address``, or a
    one-line error."""
    if job.scenarios:
        raise UsageError(f"--scheduler {address}: a job with scenarios runs here; expected a job without "
                         f"scenarios for a cluster")
    try:
        from distributed import Client
        return Client(address, timeout=10, set_as_default=False)   # used explicitly, never as dask's default
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {address}: no dask scheduler answered ({exc}); expected the address of a "
                         f"running scheduler, such as tcp://host:8786") from None


def plan_run(args) -> dict:
    """Everything a run needs, checked before anything is computed or written: the job, the
    assumption set (with the fields accepted as unusual), the warning rules and ``--fail-on``
    level, the horizon, draws and seed, and the output folder. Raises an
    :class:`~actuarial.errors.ActuarialError` naming the option or file at the first problem."""
    from .jobs import MAX_DRAWS, MAX_SEED, MAX_YEARS

    job = load_job(args.job)
    years = job.years if args.years is None else _bounded("--years", args.years, 0, MAX_YEARS,
                                                          "a horizon in whole years after the base year")
    draws = job.draws if args.draws is None else _bounded(
        "--draws", args.draws, 1, MAX_DRAWS, "a number of Monte Carlo draws (omit --draws for the best estimate)")
    seed = job.seed if args.seed is None else _bounded("--seed", args.seed, 0, MAX_SEED, "a non-negative whole number")
    if args.seed is not None and not draws:
        raise UsageError(f"--seed {args.seed}: a best-estimate run has no draws to seed; expected --draws N with --seed")
    rules_path = args.alerts or job.alerts_path
    rules = alerts.load_rules(rules_path) if rules_path else alerts.default_rules()
    if args.fail_on is not None and args.fail_on not in rules.levels:
        raise alerts.AlertError(f"--fail-on {args.fail_on}: unknown level; expected one of {list(rules.levels)}"
                                + (f" (the levels of {rules_path})" if rules_path else ""))
    accept = set(args.accept_unusual or ())
    a = load_assumptions(job.assumption_path, accept_unusual=accept)
    for region in getattr(a, "regions", (a,)):
        if draws and region.config.uncertainty is None:
            raise UsageError(f"{region.path / 'assumptions.yaml'}: field 'uncertainty': missing, so the set cannot be "
                             f"run with draws ({draws}); expected an uncertainty section, or a run without draws")
    for name, scenario in (job.scenarios or {}).items():
        scenarios.apply_scenario(a, scenario, years)      # a bad lever fails here, before any work
    _check_memory(draws, years, job.keep_population, job)
    out = Path(args.out) if args.out else job.run_folder()
    return {"job": job, "assumptions": a, "years": years, "draws": draws, "seed": seed, "rules": rules,
            "rules_path": rules_path, "accept": accept, "out": out, "argv": list(args.argv)}


def _bounded(option: str, value: int, lo: int, hi: int, what: str) -> int:
    if not lo <= value <= hi:
        raise UsageError(f"{option} {value}: out of range; expected {what} from {lo:,} to {hi:,}")
    return value


def _check_memory(draws, years, keep_population, job) -> None:
    """Refuse a run whose arrays would not fit in memory, before it starts (instead of being
    killed by the system half-way). Estimate: float64 population by draw, year, status, sex and
    age (or totals only), about four working copies."""
    if not draws:
        return
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    cells = 3 * 2 * (101 if keep_population else 1) + 40
    need = 4 * 8 * draws * (years + 2) * cells
    if need > 0.6 * physical:
        raise UsageError(f"{job.path}: {draws:,} draws over {years} years need about {need / 2**30:.1f} GiB, more than "
                         f"this machine's {physical / 2**30:.1f} GiB allows; expected fewer draws"
                         + ("" if not keep_population else " or keep_population: false in the job"))


def format_scenarios(comparison, rules) -> str:
    """Last-year balance and months of reserves of each scenario (median over draws), and the
    number of warning lines each one crosses."""
    last = comparison.isel(year=-1)
    if "draw" in last.dims:
        last = last.median("draw")
    rows = []
    for name in comparison["scenario"].values:
        fired = alerts.evaluate(comparison.sel(scenario=name, drop=True), rules).fired()
        counts = _level_counts(fired, rules.levels) or "none"
        s = last.sel(scenario=name)
        rows.append(f"  {name:24s} " + "  ".join(
            f"{sch} {float(s['balance'].sel(scheme=sch)) / 1e6:>10,.0f} m / {float(s['reserve_months'].sel(scheme=sch)):6.2f} mo"
            for sch in s["scheme"].values) + f"   alerts: {counts}")
    year = int(comparison["year"].values[-1])
    return f"Scenarios in {year} (closing balance CNY m / months of reserves; alerts fired over the horizon):\n" + "\n".join(rows)


def _level_counts(fired, levels) -> str:
    counts = fired["level"].value_counts()
    return ", ".join(f"{int(counts[lvl])} {lvl}" for lvl in levels if lvl in counts)


def format_alerts(report) -> str:
    """Alerts in order of severity: fired ones first, then the lines not reached."""
    fired = report.table[report.table["fired"]]
    lines = [f"Warning lines: {len(fired)} of {len(report.table)} rules fired"
             + (f" ({_level_counts(fired, report.levels)})" if len(fired) else "")]
    lines += [f"  {m}" for m in report.table["message"]]
    return "\n".join(lines)


def cmd_validate(args) -> int:
    a = load_assumptions(args.path, accept_unusual=set(args.accept_unusual or ()))
    print(f"{a.path}: valid (assumption set '{a.name}', base year {a.base_year}, hash {a.digest[:12]})")
    return 0


def cmd_docs(args) -> int:
    folder = Path(args.dir)
    pages = {"assumption-reference.md": parameter_reference(), "levers.md": levers.lever_reference()}
    if args.check:
        stale = [name for name, text in pages.items()
                 if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text]
        if stale:
            print(f"out of date in {folder}: {', '.join(stale)}; run 'actuarial docs'", file=sys.stderr)
            return 1
        print(f"{folder}: generated references are up to date")
        return 0
    from .report.export import atomic_path

    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: --dir names a file; expected a folder")
    for name, text in pages.items():
        with atomic_path(folder / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``error: ...; see 'actuarial run --help'``)."""

    def error(self, message):
        raise UsageError(f"{message}; see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="actuarial", description="Medical-insurance fund projection and early warning")
    parser.add_argument("--version", action="version", version=f"actuarial {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an unexpected error (may be given anywhere)")
    sub = parser.add_subparsers(dest="command", required=True)
    accept = dict(action="append", metavar="FIELD", default=[],
                  help="accept an unusual (implausible but valid) value of FIELD, e.g. costs.medical_inflation "
                       "(repeatable; the same as listing it under accept_unusual in assumptions.yaml)")
    run = sub.add_parser("run", help="run a projection job")
    run.add_argument("job", help="job file, e.g. projections/example-city.yaml")
    run.add_argument("--out", help="output folder for this run (default: <job folder>/<name>/<name>-<UTC time>/); "
                                   "must be new or empty unless --force")
    run.add_argument("--force", action="store_true", help="replace the contents of an existing --out folder")
    run.add_argument("--years", type=int, help="override the job's horizon (0 to 60)")
    run.add_argument("--draws", type=int, help="override the job's number of draws (1 to 1,000,000)")
    run.add_argument("--seed", type=int, help="override the job's seed (>= 0); without one a run with draws picks one")
    run.add_argument("--alerts", help="warning-rules YAML (default: the job's, else the package defaults)")
    run.add_argument("--fail-on", metavar="LEVEL",
                     help=f"exit with status {EXIT_ALERT} when an alert at LEVEL or a more severe level fires")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run the draws on a dask cluster whose scheduler is at ADDRESS (e.g. tcp://host:8786); "
                          "same numbers as a local run (docs/scale-out.md)")
    run.add_argument("--accept-unusual", **accept)
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="validate an assumption set")
    val.add_argument("path", help="assumption folder or its assumptions.yaml")
    val.add_argument("--accept-unusual", **accept)
    val.set_defaults(func=cmd_validate)
    docs = sub.add_parser("docs", help="write the assumption and lever references generated from the code")
    docs.add_argument("--dir", default=str(DOCS_DIR))
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(func=cmd_docs)
    from .operations.cli import add_parser as add_monitor
    from .commands import add_parsers
    add_monitor(sub)
    add_parsers(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; every error is one line on stderr and exit status 2 (3 for
    ``--fail-on``), never a traceback unless ``--debug`` is given. See docs/errors.md."""
    from .errors import one_line

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [x for x in argv if x != "--debug"]
    previous = _on_sigterm()
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return args.func(args)
    except ActuarialError as exc:
        if debug:
            raise
        print(f"error: {one_line(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written (the run's temporary folder was removed)", file=sys.stderr)
        return 130
    except MemoryError:
        if debug:
            raise
        print("error: out of memory; expected fewer draws, a shorter horizon or keep_population: false "
              "in the job", file=sys.stderr)
    except OSError as exc:
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or one_line(exc)}; expected a readable input and a writable "
              f"output folder", file=sys.stderr)
    except Exception as exc:   # the catch-all: a bug, not the user's input
        if debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {one_line(exc)[:300]}; rerun with --debug for the "
              f"traceback and please report it", file=sys.stderr)
    finally:
        _restore_sigterm(previous)
    return EXIT_INPUT_ERROR


def _on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt while the command runs, so that a terminated run
    removes its temporary folder (SIGKILL cannot be caught: the next run cleans up)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise KeyboardInterrupt
    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def console() -> None:
    """The ``actuarial`` console script (and ``python -m actuarial.cli``): :func:`main`, then
    leave at once with its exit status. By then every output is written and closed and no
    thread has work left, and the interpreter's own teardown (collecting every module and
    object: 0.3 s after the imports alone, about 0.8 s after a 10,000-draw run) would only
    delay the prompt; ``os._exit`` skips it, after flushing the streams and the log."""
    import logging

    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe (``actuarial run ... | head``)
            pass
    os._exit(int(code or 0))


if __name__ == "__main__":
    console()
