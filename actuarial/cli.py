"""The ``actuarial`` command line.

    actuarial run projections/example-city.yaml [--out DIR]   project, write NetCDF + CSV, print a summary
    actuarial validate assumptions/example-city                check an assumption set
    actuarial docs [--check]                                   (re)write docs/assumption-reference.md and docs/levers.md

Errors in input files are printed as one readable line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, alerts
from .policy import levers, scenarios
from .params import load_assumptions, parameter_reference
from .errors import ActuarialError
from .jobs import load_job
from .engine import project
from .report.export import write_csv, write_netcdf
from .report.summary import format_summary, summary_table

EXIT_INPUT_ERROR = 2
EXIT_ALERT = 3        # --fail-on LEVEL: an alert at that level or a more severe one fired
DOCS_DIR = Path("docs")


def cmd_run(args) -> int:
    job = load_job(args.job)
    a = load_assumptions(job.assumption_path)
    years = job.years if args.years is None else args.years
    draws = job.draws if args.draws is None else args.draws
    seed = job.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else job.default_output_dir
    if job.scenarios:
        comparison = scenarios.compare(a, job.scenarios, years, draws=draws, seed=seed,
                                       keep_population=job.keep_population)
        ds = comparison.sel(scenario="baseline", drop=True)
        ds.attrs = comparison.attrs
    else:
        comparison, ds = None, project(a, years=years, draws=draws, seed=seed, keep_population=job.keep_population)
    table = summary_table(ds)
    written = []
    if "netcdf" in job.outputs:
        written.append(write_netcdf(ds if comparison is None else comparison, out / f"{job.name}.nc"))
    if "csv" in job.outputs:
        written.append(write_csv(table, out / "summary.csv"))
    print(f"{ds.attrs['title']}")
    print(f"assumptions: {a.name} (hash {a.digest[:12]}), base year {a.base_year}, "
          f"horizon {years} years, actuarial {__version__}"
          + (f", {draws} draws (seed {seed})" if draws else ", best estimate"))
    print()
    print(format_summary(table))
    depl = ds["depletion_year"]
    for scheme in depl["scheme"].values:
        d = depl.sel(scheme=scheme)
        if "draw" in d.dims:
            p = float(d.notnull().mean())
            print(f"{scheme} fund: probability of a balance below zero within the horizon {p:.1%}"
                  + (f" (median first year {int(d.median())})" if p >= 0.5 else ""))
            continue
        y = float(d)
        print(f"{scheme} fund: " + (f"balance below zero from {int(y)}" if y == y
                                    else "balance stays at or above zero over the horizon"))
    rules_path = args.alerts or job.alerts_path
    rules = alerts.load_rules(rules_path) if rules_path else alerts.default_rules()
    report = alerts.evaluate(ds, rules)
    if "csv" in job.outputs:
        written.append(write_csv(report.table, out / "alerts.csv", index=False))
    print()
    print(format_alerts(report))
    if comparison is not None:
        print()
        print(format_scenarios(comparison, rules))
    print()
    for path in written:
        print(f"wrote {path}")
    if args.fail_on:
        if args.fail_on not in report.levels:
            raise alerts.AlertError(f"--fail-on {args.fail_on}: unknown level; expected one of {report.levels}")
        hits = report.fired(args.fail_on)
        if len(hits):
            print(f"{len(hits)} alert(s) at level {args.fail_on} or above: exit status {EXIT_ALERT}", file=sys.stderr)
            return EXIT_ALERT
    return 0


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
    a = load_assumptions(args.path)
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
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actuarial", description="Medical-insurance fund projection and early warning")
    parser.add_argument("--version", action="version", version=f"actuarial {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a projection job")
    run.add_argument("job", help="job file, e.g. projections/example-city.yaml")
    run.add_argument("--out", help="output folder (default: a folder beside the job named after it)")
    run.add_argument("--years", type=int, help="override the job's horizon")
    run.add_argument("--draws", type=int, help="override the job's number of draws")
    run.add_argument("--seed", type=int, help="override the job's seed")
    run.add_argument("--alerts", help="warning-rules YAML (default: the job's, else the package defaults)")
    run.add_argument("--fail-on", metavar="LEVEL",
                     help=f"exit with status {EXIT_ALERT} when an alert at LEVEL or a more severe level fires")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="validate an assumption set")
    val.add_argument("path", help="assumption folder or its assumptions.yaml")
    val.set_defaults(func=cmd_validate)
    docs = sub.add_parser("docs", help="write the assumption and lever references generated from the code")
    docs.add_argument("--dir", default=str(DOCS_DIR))
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(func=cmd_docs)
    from .operations.cli import add_parser as add_monitor
    add_monitor(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ActuarialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
