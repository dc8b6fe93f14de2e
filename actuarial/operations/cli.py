"""``actuarial monitor FOLDER [--month YYYY-MM] [--out DIR]``: the month's fund operations.

FOLDER holds ``monthly_fund.csv`` (the ledger), ``fund_budget.csv`` (the annual budget) and
``fund_history.csv`` (the annual accounts the ledger must add up to; its ``shock_year`` flags
the years the nowcast leaves out), and optionally ``monthly_operations.csv`` (the hospital
activity table). Prints the budget execution, the year-end outturn forecast with its interval
and the warnings of the month, and writes them as CSV, one Excel workbook and the execution
chart (PNG).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import alerts, monitoring
from ..calibration import load_history
from .execution import execution
from .ledger import check_against_annual, load_budget, load_ledger, select_region
from .monthly_indicators import monthly_indicators, months_to
from .nowcast import outturn
from ..report.export import RunFolder, write_manifest

HISTORY_MONTHS = 12      # months of indicators judged before the report month (persistence)


def _m(x: float) -> str:
    return f"{x / 1e6:,.1f}"


def monthly_report(folder, month=None, *, coverage: float = 0.8, rules=None,
                   region: str | None = None) -> dict[str, pd.DataFrame]:
    """The month's tables: ``execution``, ``outturn``, ``warnings`` (graded rules on the monthly
    indicators, and the activity monitor when the folder has its table), ``indicators``."""
    folder = Path(folder)
    ledger = select_region(load_ledger(folder / "monthly_fund.csv"), region)
    budget = select_region(load_budget(folder / "fund_budget.csv"), region or str(ledger["region"].iloc[0]))
    history = load_history(folder / "fund_history.csv")     # checked: columns, years, detail adding up
    check_against_annual(ledger, history)
    shocks = tuple(int(y) for y in history.loc[history["shock_year"] == 1, "year"].unique())
    lines: dict = {}                   # each line's monthly table, shared by the three
    exe = execution(ledger, budget, month, shock_years=shocks, cache=lines)
    at = exe.attrs["month"]
    out = outturn(ledger, at, shock_years=shocks, coverage=coverage, budget=budget, cache=lines)
    first = max(ledger["month"].min() + 12, pd.Period(at, freq="M") - (HISTORY_MONTHS - 1))
    months = [m for m in months_to(at, HISTORY_MONTHS) if m >= first]
    ind = monthly_indicators(ledger, history, budget, months, shock_years=shocks, cache=lines)
    report = alerts.evaluate(ind, rules)
    fund_warn = report.table.assign(source="fund", period=at, scope=report.table["scheme"].replace("", "city"))
    fund_warn = fund_warn.rename(columns={"fired_last": "firing"})
    tables = {"execution": exe, "outturn": out}
    parts = [fund_warn[["source", "rule", "level", "severity", "scope", "period", "firing", "message"]]]
    activity_path = folder / "monthly_operations.csv"
    if activity_path.is_file():
        act = monitoring.load_monthly(activity_path)
        if pd.Period(at, freq="M") in set(act["month"]):
            flags = monitoring.monitor(act, train_months=min(36, len(act["month"].unique()) - 1))
            aw = monitoring.activity_warnings(act, flags, at).rename(columns={"fired": "firing"})
            aw["severity"] = aw["level"].map(lambda lv: report.levels.index(lv) if lv in report.levels else 99)
            parts.append(aw[["source", "rule", "level", "severity", "scope", "period", "firing", "message"]])
    warn = pd.concat(parts, ignore_index=True).sort_values(["firing", "severity"], ascending=[False, True])
    tables["warnings"] = warn.reset_index(drop=True)
    tables["indicators"] = ind.to_dataframe().reset_index()
    for t in tables.values():
        t.attrs.update(month=at)
    return tables


def format_report(tables: dict[str, pd.DataFrame]) -> str:
    exe, out, warn = tables["execution"], tables["outturn"], tables["warnings"]
    at = exe.attrs["month"]
    lines = [f"Budget execution to the end of {at} (CNY million; time progress {100 * exe['time_progress'].iloc[0]:.1f}%)",
             f"  {'scheme':9s}{'flow':9s}{'line':21s}{'budget':>10s}{'to date':>10s}{'exec':>8s}{'gap pts':>8s}"
             f"{'gap CNY m':>11s}{'usual':>7s}"]
    for r in exe.itertuples():
        lines.append(f"  {r.scheme:9s}{r.flow:9s}{r.line:21s}{_m(r.budget):>10s}{_m(r.ytd):>10s}"
                     f"{100 * r.execution:7.1f}%{r.gap_points:8.1f}{_m(r.gap_cny):>11s}{100 * r.seasonal_progress:6.1f}%")
    cov = out.attrs.get("coverage", 0.8)
    lines += ["", f"Year-end outturn forecast for {out.attrs['fund_year']} (CNY million; {cov:.0%} interval)",
              f"  {'scheme':9s}{'flow':9s}{'line':21s}{'outturn':>10s}{'interval':>22s}{'budget':>10s}{'vs budget':>10s}"]
    for r in out.itertuples():
        lines.append(f"  {r.scheme:9s}{r.flow:9s}{r.line:21s}{_m(r.outturn):>10s}"
                     f"{'[' + _m(r.lower) + ', ' + _m(r.upper) + ']':>22s}{_m(r.budget):>10s}{100 * r.outturn_vs_budget:9.1f}%")
    firing = warn[warn["firing"]]
    counts = firing["level"].value_counts()
    lines += ["", f"Warnings in {at}: {len(firing)} of {len(warn)} lines firing"
              + (" (" + ", ".join(f"{n} {lv}" for lv, n in counts.items()) + ")" if len(firing) else "")]
    lines += [f"  {r.source:8s} {r.message}" for r in firing.itertuples()]
    return "\n".join(lines)


def write_tables(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write every table as CSV, the execution chart and one Excel workbook into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, t in tables.items():
        path = out / f"{name}.csv"
        t.to_csv(path, index=False)
        written.append(path)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .execution import plot_execution

    ax = plot_execution(tables["execution"])
    chart = out / "execution.png"
    ax.figure.savefig(chart, dpi=100)
    plt.close(ax.figure)
    written.append(chart)
    xlsx = out / "monthly-operations.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        for name, t in tables.items():
            t.to_excel(writer, sheet_name=name, index=False)
    written.append(xlsx)
    return written


def cmd_monitor(args) -> int:
    rules = alerts.load_rules(args.rules) if args.rules else None
    folder = RunFolder(args.out, args.force).prepare() if args.out else None   # checked before any work
    try:
        tables = monthly_report(args.folder, args.month, coverage=args.coverage, rules=rules, region=args.region)
        if folder is None:
            folder = RunFolder(Path(f"monitor-{tables['execution'].attrs['month']}"), args.force).prepare()
        print(format_report(tables))
        written = write_tables(tables, folder.tmp)
        write_manifest(folder.path("run.yaml"), {
            "command": "actuarial monitor", "folder": str(args.folder), "month": tables["execution"].attrs["month"],
            "files": [p.name for p in written]})
        target = folder.commit()
    except BaseException:
        if folder is not None:
            folder.discard()
        raise
    print()
    for path in written:
        print(f"wrote {target / path.name}")
    return 0


def add_parser(subparsers) -> None:
    """Add ``monitor`` to the ``actuarial`` command line."""
    p = subparsers.add_parser("monitor", help="the month's budget execution, outturn forecast and warnings")
    p.add_argument("folder", help="folder with monthly_fund.csv, fund_budget.csv and fund_history.csv")
    p.add_argument("--month", help="report month YYYY-MM (default: the ledger's last month)")
    p.add_argument("--out", help="output folder (default: monitor-YYYY-MM); written whole at the end")
    p.add_argument("--force", action="store_true", help="replace a previous monitor run in the output folder")
    p.add_argument("--rules", help="warning-rules YAML (default: the package's graded lines, actuarial/default_warning_lines.yaml)")
    p.add_argument("--region", help="region of the ledger to report (needed when it holds several)")
    p.add_argument("--coverage", type=float, default=0.8, help="outturn interval coverage (default 0.8)")
    p.set_defaults(func=cmd_monitor)
