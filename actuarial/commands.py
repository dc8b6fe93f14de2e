"""The workflow subcommands of ``actuarial`` beside ``run``: ``report``, ``budget``,
``calibrate``, ``backtest``, ``solve``, ``compare`` and ``init``.

Each reads a projection job (or, for ``init``, a folder name), checks every option and file
before computing, calls the library function that does the work (nothing is recomputed
here), prints what it found and writes its files, named after the job, into a new run folder
(``--out DIR``, default ``<job folder>/<name>/<name>-<UTC time>/``) that appears whole at the
end (:class:`~actuarial.report.export.RunFolder`), with a ``run.yaml`` record. Errors are one
line with exit status 2, as for ``run``.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from . import __version__, alerts
from .errors import OutputError, UsageError
from .jobs import load_job

_FMT = argparse.RawDescriptionHelpFormatter


class _Context:
    """A job's command: its job, assumptions, rules and output folder, checked up front."""

    def __init__(self, args, command: str):
        from .params import load_assumptions
        from .report.export import RunFolder

        self.args, self.command = args, command
        from .cli import _bounded
        from .jobs import MAX_DRAWS, MAX_SEED, MAX_YEARS

        self.job = load_job(args.job)
        given = lambda opt: getattr(args, opt, None)   # noqa: E731
        self.years = self.job.years if given("years") is None else _bounded(
            "--years", args.years, 0, MAX_YEARS, "a horizon in whole years after the base year")
        self.draws = self.job.draws if given("draws") is None else (_bounded(
            "--draws", args.draws, 0, MAX_DRAWS, "a number of draws (0 for the best estimate)") or None)
        self.seed = self.job.seed if given("seed") is None else _bounded("--seed", args.seed, 0, MAX_SEED,
                                                                         "a non-negative whole number")
        if self.draws and self.seed is None:
            self.seed = 0
            print("no seed given: using seed 0 (recorded in run.yaml)")
        self.a = load_assumptions(self.job.assumption_path, accept_unusual=set(getattr(args, "accept_unusual", ()) or ()))
        path = self.job.alerts_path
        self.rules = alerts.load_rules(path) if path else alerts.default_rules()
        self.folder = RunFolder(Path(args.out) if args.out else self.job.run_folder(), force=args.force)
        self.written: list[str] = []

    def stem(self, suffix: str = "") -> str:
        return f"{self.job.name}{suffix}"

    def run(self, work) -> int:
        """Prepare the folder, call ``work(self)`` (which writes into ``self.folder``), write the
        record and rename the folder into place; nothing is left behind on failure."""
        from .report.export import write_manifest

        self.folder.prepare()
        try:
            work(self)
            write_manifest(self.folder.path("run.yaml"), {
                "command": "actuarial " + " ".join(getattr(self.args, "argv", [self.command])),
                "job": str(self.job.path), "assumptions": str(self.a.path),
                "assumption_hash": self.a.digest, "years": int(self.years), "draws": self.draws, "seed": self.seed,
                "actuarial_version": __version__, "files": self.written})
            out = self.folder.commit()
        except OSError as exc:
            self.folder.discard()
            raise OutputError(f"{exc.filename or self.folder.target}: writing the outputs failed "
                              f"({exc.strerror or exc}); nothing was written") from None
        except BaseException:
            self.folder.discard()
            raise
        for name in self.written:
            print(f"wrote {out / name}")
        return 0

    def path(self, name: str) -> Path:
        self.written.append(name)
        return self.folder.path(name)

    def project(self):
        from .engine import project

        return project(self.a, years=self.years, draws=self.draws, seed=self.seed,
                       keep_population=self.job.keep_population)


# ---- report ----------------------------------------------------------------------------------

def cmd_report(args) -> int:
    from .report import html

    if args.lang not in ("zh", "en"):
        raise UsageError(f"--lang {args.lang}: expected zh or en")
    ctx = _Context(args, "report")

    def work(c):
        from .policy import scenarios
        from .report.budget import budget_tables

        comparison = None
        if c.job.scenarios:
            comparison = scenarios.compare(c.a, c.job.scenarios, c.years, draws=c.draws, seed=c.seed,
                                           keep_population=c.job.keep_population)
            ds = comparison.sel(scenario="baseline", drop=True)
            ds.attrs = comparison.attrs
        else:
            ds = c.project()
        single = not hasattr(c.a, "regions")
        sens = scenarios.sensitivity(c.a, years=c.years) if (single and c.years >= 1 and not args.no_sensitivity) else None
        budget = budget_tables(ds) if ds.sizes["year"] > 1 and "region" not in ds.dims else None
        text = html.render(ds, rules=c.rules, report=alerts.evaluate(ds, c.rules), lang=args.lang,
                           comparison=comparison, sensitivity=sens, budget=budget,
                           execution=_execution(c.a.path) if single else None, job=c.job.name)
        page = c.path(c.stem(".html"))
        page.write_text(text, encoding="utf-8")
        if args.no_pdf:
            return
        try:
            html.print_pdf(page, c.path(c.stem(".pdf")))
        except FileNotFoundError:
            c.written.pop()
            print(html.NEEDS_CHROMIUM)
        except (OSError, subprocess.SubprocessError) as exc:   # a browser that crashes or hangs: keep the HTML
            c.written.pop()
            print(f"the PDF could not be printed ({type(exc).__name__}); the HTML report was written")
    return ctx.run(work)


def _execution(folder: Path):
    """The monthly budget execution of the assumption folder, when it holds the monthly
    ledger, the budget and the fund history (operations); None otherwise."""
    need = ("monthly_fund.csv", "fund_budget.csv", "fund_history.csv")
    if not all((Path(folder) / f).is_file() for f in need):
        return None
    from .operations.cli import monthly_report

    return monthly_report(folder)["execution"]


# ---- budget, calibrate, backtest ---------------------------------------------------------------

def cmd_budget(args) -> int:
    from .report.budget import budget_tables, format_budget, write_budget

    def work(c):
        ds = c.project()
        try:
            tables = budget_tables(ds, year=args.year, flexible_share=args.flexible_share)
        except ValueError as exc:
            raise UsageError(f"--year {args.year}: {exc}") from None
        print(format_budget(tables))
        for p in write_budget(tables, c.folder.tmp, stem=c.stem("-budget")):
            c.written.append(p.name)
    return _Context(args, "budget").run(work)


def _history(c, args):
    from .calibration import load_history

    path = Path(args.history) if args.history else Path(c.a.path) / "fund_history.csv"
    if not path.is_file():
        raise UsageError(f"{path}: fund history not found; expected --history FILE (columns: see docs/new-city.md)")
    return load_history(path)


def cmd_calibrate(args) -> int:
    from .calibration import calibrate, write_calibrated

    def work(c):
        cal = calibrate(c.a, _history(c, args))
        table = cal.summary()
        print(table.to_string(float_format=lambda v: f"{v:.6g}"))
        table.to_csv(c.path(c.stem("-calibration.csv")))
        cal.residuals.to_csv(c.path(c.stem("-residuals.csv")), index=False)
        write_calibrated(c.a, cal, c.folder.tmp / c.stem("-calibrated"))
        c.written.append(c.stem("-calibrated") + "/")
    return _Context(args, "calibrate").run(work)


def cmd_backtest(args) -> int:
    from .backtest import backtest
    from .calibration import ageing_drift

    if args.horizon < 1 or args.min_train < 2:
        raise UsageError(f"--horizon {args.horizon} --min-train {args.min_train}: expected a horizon of 1 or more "
                         f"and at least 2 training years")

    def work(c):
        table = backtest(_history(c, args), horizon=args.horizon, min_train=args.min_train, ageing=ageing_drift(c.a))
        if table.empty:
            raise UsageError(f"the fund history is too short for --min-train {args.min_train} and --horizon {args.horizon}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        table.to_csv(c.path(c.stem("-backtest.csv")), index=False)
    return _Context(args, "backtest").run(work)


# ---- solve, compare ------------------------------------------------------------------------------

def cmd_solve(args) -> int:
    from .policy.solvers import break_even, solve_rate

    def work(c):
        import yaml

        if args.break_even is not None:
            bounds = {"bounds": tuple(args.bounds)} if args.bounds else {}
            value = break_even(c.a, args.instrument, year=args.break_even, from_year=args.from_year, **bounds)
            result = {"instrument": args.instrument, "break_even_year": args.break_even, "value": value}
            print(f"{args.instrument} at which income equals spending in {args.break_even}: {value:.6g}")
        else:
            bounds = {"bounds": tuple(args.bounds)} if args.bounds else {}
            sol = solve_rate(c.a, args.instrument, line=args.line, probability=args.probability,
                             from_year=args.from_year, **bounds, years=c.years, draws=c.draws or 1000, seed=c.seed or 0)
            print(sol.message)
            result = {"instrument": sol.instrument, "unit": sol.unit, "scheme": sol.scheme, "line": sol.line,
                      "probability": sol.probability, "from_year": sol.from_year, "feasible": sol.feasible,
                      "value": sol.value, "interval": list(sol.interval) if sol.interval else None,
                      "probability_at_value": sol.probability_at_value, "draws": sol.draws, "message": sol.message}
        plain = {k: ([getattr(x, "item", lambda x=x: x)() for x in v] if isinstance(v, list)
                     else getattr(v, "item", lambda v=v: v)()) for k, v in result.items()}     # numpy scalars as numbers
        c.path(c.stem("-solve.yaml")).write_text(yaml.safe_dump(plain, sort_keys=False), encoding="utf-8")
    return _Context(args, "solve").run(work)


def cmd_compare(args) -> int:
    from .cli import format_scenarios
    from .policy import scenarios
    from .report.export import write_netcdf

    def work(c):
        chosen = scenarios.load_scenarios(args.scenarios) if args.scenarios else c.job.scenarios
        if not chosen:
            raise UsageError(f"{c.job.path}: the job has no scenarios; expected a 'scenarios:' section or --scenarios FILE")
        for sc in chosen.values():
            scenarios.apply_scenario(c.a, sc, c.years)
        comparison = scenarios.compare(c.a, chosen, c.years, draws=c.draws, seed=c.seed,
                                       keep_population=c.job.keep_population)
        print(format_scenarios(comparison, c.rules))
        write_netcdf(comparison, c.path(c.stem("-comparison.nc")))
        last = scenarios.differences(comparison).isel(year=-1)[["balance", "reserve_months"]]
        if "draw" in last.dims:
            last = last.median("draw")
        last.to_dataframe().to_csv(c.path(c.stem("-differences.csv")))
    return _Context(args, "compare").run(work)


# ---- the parsers --------------------------------------------------------------------------------

def _job_parser(sub, name: str, help: str, examples: str, func, draws: bool = False):
    p = sub.add_parser(name, help=help, description=help, epilog="examples:\n" + examples, formatter_class=_FMT)
    p.add_argument("job", help="job file, e.g. projections/example-city.yaml")
    p.add_argument("--out", help="output folder (default: <job folder>/<name>/<name>-<UTC time>/)")
    p.add_argument("--force", action="store_true", help="replace a previous run's output folder")
    p.add_argument("--years", type=int, help="override the job's horizon")
    if draws:
        p.add_argument("--draws", type=int, help="override the job's draws (0: best estimate)")
        p.add_argument("--seed", type=int, help="override the job's seed")
    p.add_argument("--accept-unusual", action="append", metavar="FIELD", default=[],
                   help="accept an unusual value of FIELD (as in 'actuarial run')")
    p.set_defaults(func=func)
    return p


def add_parsers(sub) -> None:
    """Add the workflow subcommands to the ``actuarial`` command line."""
    from .init import add_parser as add_init

    p = _job_parser(sub, "report", "the board report: one self-contained HTML file and its PDF", (
        "  actuarial report projections/example-city.yaml                 # Chinese, HTML + PDF\n"
        "  actuarial report projections/example-city.yaml --lang en --out report-en\n"
        "  actuarial report projections/example-city-policies.yaml --draws 500 --seed 1"), cmd_report, draws=True)
    p.add_argument("--lang", default="zh", help="zh (default) or en")
    p.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    p.add_argument("--no-sensitivity", action="store_true", help="leave out the tornado (saves 18 projections)")
    p = _job_parser(sub, "budget", "next year's fund budget tables (Excel and CSV)", (
        "  actuarial budget projections/example-city.yaml\n"
        "  actuarial budget projections/example-city-stochastic.yaml --draws 1000 --year 2026"), cmd_budget, draws=True)
    p.add_argument("--year", type=int, help="budget year (default: the year after the base year)")
    p.add_argument("--flexible-share", type=float, default=0.0,
                   help="share of employee-scheme contributions paid by flexible workers (a line of its own)")
    for name, help, func, example in (
            ("calibrate", "fit cost level and utilisation growth to the fund history; write a calibrated set",
             cmd_calibrate, "  actuarial calibrate projections/example-city.yaml\n"
                            "  actuarial calibrate projections/example-city.yaml --history my/fund_history.csv"),
            ("backtest", "rolling-origin back-test of the calibration model against naive forecasts", cmd_backtest,
             "  actuarial backtest projections/example-city.yaml --horizon 3")):
        p = _job_parser(sub, name, help, example, func)
        p.add_argument("--history", help="fund history CSV (default: fund_history.csv in the assumption folder)")
        if name == "backtest":
            p.add_argument("--horizon", type=int, default=3, help="years ahead (default 3)")
            p.add_argument("--min-train", type=int, default=5, help="fewest training years (default 5)")
    p = _job_parser(sub, "solve", "the contribution rate or premium that keeps a fund above its line", (
        "  actuarial solve projections/example-city.yaml --instrument employer_rate --line 6 --probability 0.9\n"
        "  actuarial solve projections/example-city.yaml --instrument premium --break-even 2030 --bounds 0 3000"), cmd_solve, draws=True)
    p.add_argument("--instrument", default="employer_rate",
                   help="employer_rate, employee_rate, premium or subsidy (default employer_rate)")
    p.add_argument("--line", type=float, default=6.0, help="months of reserves to keep (default 6)")
    p.add_argument("--probability", type=float, default=0.9, help="share of draws that must stay above (default 0.9)")
    p.add_argument("--from-year", type=int, help="first year of the new value (default: the year after the base year)")
    p.add_argument("--break-even", type=int, metavar="YEAR", help="instead: the value at which income = spending in YEAR")
    p.add_argument("--bounds", type=float, nargs=2, metavar=("LO", "HI"),
                   help="search range of the instrument (default 0 to 0.15 for a rate; give CNY for premium or subsidy)")
    p = _job_parser(sub, "compare", "project policy scenarios against the baseline with common random numbers", (
        "  actuarial compare projections/example-city-policies.yaml --draws 500\n"
        "  actuarial compare projections/example-city.yaml --scenarios my-scenarios.yaml"), cmd_compare, draws=True)
    p.add_argument("--scenarios", help="scenarios YAML (default: the job's scenarios)")
    add_init(sub)

