"""``actuarial init FOLDER``: a new city's assumption set to edit, which runs as it is.

Copies the example city's assumption set (``assumptions/example-city`` of the package's
checkout) into FOLDER: ``assumptions.yaml`` with a comment above every parameter (its meaning,
unit, valid and plausible range, from the schema), the tables it names, the fund history and
monthly files, a column dictionary (``COLUMNS.md``, from :data:`COLUMNS`), the parameter
reference (``PARAMETERS.md``) and a job (``job.yaml``), so that

    actuarial init my-city && actuarial run my-city/job.yaml

projects the example's numbers until the files are edited. FOLDER must be new or empty
(``--force`` writes over the files it would write, and only those). docs/new-city.md walks
through the rest.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import UsageError

EXAMPLE = Path(__file__).resolve().parents[1] / "assumptions" / "example-city"

#: table -> (what one row is, [(column, unit, meaning)])
COLUMNS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "population.csv": ("persons by status, sex and age at 1 January of the base year", [
        ("status", "label", "active (employee scheme, working), flexible (flexible workers in the employee scheme; optional), "
                            "retired (employee scheme), resident (everyone else)"),
        ("sex", "label", "female or male"),
        ("age", "years", "0..100, 100 = 100 and over; or 5-year groups 0-4, 5-9, ..., 95-99, 100+ (graduated to single "
                         "ages keeping each group's total: monotone PCHIP of cumulative counts)"),
        ("persons", "persons", "head count, not thousands")]),
    "mortality.csv": ("central death rates by period, sex and age", [
        ("time", "year", "calendar year (or mid-year of a period) the rates apply to"),
        ("sex", "label", "female or male"),
        ("age", "years", "single ages 0..100 or abridged 0, 1, 5, 10, ..., last open"),
        ("mx", "deaths per person-year", "central death rate (not a probability)")]),
    "fertility_pattern.csv": ("share of the total fertility rate by age of mother", [
        ("age", "years", "10..55"), ("share_of_tfr", "fraction", "shares summing to 1")]),
    "transitions.csv": ("yearly moves between the resident group and the employee scheme", [
        ("sex", "label", "female or male"), ("age", "years", "0..100 or 5-year groups (each single age takes its group's rate)"),
        ("employment_entry_rate", "fraction per year", "share of the resident group entering the employee scheme"),
        ("employment_exit_rate", "fraction per year", "share of active members leaving for the resident group"),
        ("flexible_entry_rate", "fraction per year", "optional: share of the resident group becoming flexible workers "
                                                     "(灵活就业人员; needs the employee.flexible section)"),
        ("flexible_exit_rate", "fraction per year", "optional: share of flexible workers leaving for the resident group")]),
    "migration.csv": ("net migrants a year by status, sex and age", [
        ("status", "label", "active, flexible, retired or resident"), ("sex", "label", "female or male"),
        ("age", "years", "0..100 or 5-year groups (graduated keeping group totals)"),
        ("net_migrants", "persons per year", "in minus out; may be negative")]),
    "ltc_disability.csv": ("share of persons severely disabled (long-term care) by sex and age", [
        ("sex", "label", "female or male"), ("age", "years", "0..100, 100 = 100 and over"),
        ("prevalence", "fraction", "share of persons needing long-term care (severe ADL dependence)")]),
    "claim_costs.csv": ("base-year claim cost per member by status, sex and age", [
        ("status", "label", "active, flexible, retired or resident"), ("sex", "label", "female or male"),
        ("age", "years", "0..100 or 5-year groups (each single age takes its group's cost)"),
        ("inpatient", "CNY per person-year", "policy-range inpatient cost before the fund's share"),
        ("outpatient", "CNY per person-year", "policy-range outpatient cost before the fund's share")]),
    "cost_history.csv": ("history of cost growth (fits the stochastic model)", [
        ("year", "year", "consecutive years"), ("medical_inflation", "fraction per year", "0.03 for 3%"),
        ("utilisation_growth", "fraction per year", "growth of use per member"),
        ("shock_year", "0 or 1", "1 for a year the fit must not take as trend (2020, 2023)")]),
    "fund_history.csv": ("the funds' annual accounts (calibration, back-test, monthly check)", [
        ("year, scheme, income, spending, balance, member_years, ...", "see the header",
         "one row per year and scheme; money in CNY; columns as in the example file and docs/new-city.md")]),
}
NOTE = ("Every table may be CSV (UTF-8, UTF-8 with a byte-order mark, or GBK as Chinese Excel and WPS save it) "
        "or an Excel workbook (.xlsx, first sheet, same columns): name the file in assumptions.yaml under `tables:`. "
        "Lines starting with # are comments.")


def column_dictionary() -> str:
    """The column dictionary as Markdown."""
    out = ["# Column dictionary", "", NOTE, ""]
    for table, (what, cols) in COLUMNS.items():
        out += [f"## {table}", "", f"One row: {what}.", "", "| column | unit | meaning |", "|---|---|---|"]
        out += [f"| `{c}` | {u} | {m} |" for c, u, m in cols] + [""]
    return "\n".join(out)


def annotate(yaml_text: str) -> str:
    """``yaml_text`` with a comment above every parameter the schema defines: its meaning,
    unit, valid range and plausible range."""
    from .params.validation import spec_paths

    specs = spec_paths()
    out, stack = [], []
    for line in yaml_text.splitlines():
        m = re.match(r"^( *)([A-Za-z_][A-Za-z0-9_]*):", line)
        if m and not line.lstrip().startswith("#"):
            depth = len(m.group(1))
            stack = [(d, k) for d, k in stack if d < depth] + [(depth, m.group(2))]
            path = ".".join(k for _, k in stack)
            s = specs.get(path)
            if s is not None:
                rng = f"valid {s.lo:g} to {s.hi:g}" + (f", usual {s.plausible[0]:g} to {s.plausible[1]:g}" if s.plausible else "")
                out.append(f"{m.group(1)}# {s.description} [{s.unit}; {rng}]")
        out.append(line)
    return "\n".join(out) + "\n"


def init(folder, force: bool = False, example: Path = EXAMPLE) -> list[Path]:
    """Write the new assumption set into ``folder`` (see the module); returns the files."""
    import yaml

    from .params import load_assumptions, parameter_reference
    from .report.export import atomic_path

    folder = Path(folder)
    if not (example / "assumptions.yaml").is_file():
        raise UsageError(f"{example}: the example assumption set is not there (an installed package without its "
                         f"checkout?); expected a checkout of the project with assumptions/example-city")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; expected a new folder for the assumption set")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UsageError(f"{folder}: folder is not empty; expected a new or empty folder (--force writes over "
                         f"the files init writes)")
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", folder.resolve().name).lstrip(".-") or "my-city"
    text = (example / "assumptions.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    text = "\n".join(ln for ln in text.splitlines()
                     if not (ln.startswith("#") and ("build.py" in ln or "GENERATED" in ln)))
    text = re.sub(r"(?m)^name: .*$", f"name: {name}", text, count=1)
    header = (f"# Assumption set of {name}: start from the example city's numbers and replace them with your own.\n"
              f"# Each parameter has a comment above it (meaning [unit; valid and usual range]); write the source\n"
              f"# of every number you change in its `source:` field. Tables: see COLUMNS.md. Check with\n"
              f"#   actuarial validate {folder}\n# and project with\n#   actuarial run {folder}/job.yaml\n")
    tables = list(raw["tables"].values()) + [v for k, v in (raw.get("uncertainty") or {}).items()
                                             if k.endswith("history") and isinstance(v, str)]
    from .params.layers import OPTIONAL_TABLES
    from .params.schema import AssumptionFile
    cfg = AssumptionFile.model_validate(raw)
    tables += [t for name_of, _ in OPTIONAL_TABLES.values() if (t := name_of(cfg)) is not None]   # e.g. ltc
    extra = [f for f in ("fund_history.csv", "fund_budget.csv", "monthly_fund.csv", "monthly_operations.csv")
             if (example / f).is_file()]
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for f in dict.fromkeys(tables + extra):
        shutil.copyfile(example / f, folder / f)
        written.append(folder / f)
    pages = {"assumptions.yaml": header + annotate(text), "COLUMNS.md": column_dictionary(),
             "PARAMETERS.md": parameter_reference(),
             "job.yaml": (f"# Projection job for {name}: actuarial run {folder}/job.yaml (outputs in {folder}/{name}/)\n"
                          f"name: {name}\ndescription: Baseline projection of {name}\nassumptions: .\nyears: 10\n"
                          f"outputs: [netcdf, csv]\n"),
             "README.md": (f"# {name}\n\nAssumption set made by `actuarial init` from the example city. Replace the "
                           f"numbers with the city's own and list the source of each here (see COLUMNS.md and "
                           f"docs/new-city.md).\n")}
    for fname, body in pages.items():
        with atomic_path(folder / fname) as tmp:
            tmp.write_text(body, encoding="utf-8")
        written.append(folder / fname)
    load_assumptions(folder)       # what init writes must load
    return written


def cmd_init(args) -> int:
    written = init(args.folder, force=args.force)
    for p in written:
        print(f"wrote {p}")
    print(f"next: edit {args.folder}/assumptions.yaml and the tables (COLUMNS.md), then "
          f"'actuarial run {args.folder}/job.yaml'")
    return 0


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser("init", help="start a new city's assumption set (commented template, column dictionary, job)",
                       description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  actuarial init my-city\n  actuarial run my-city/job.yaml\n"
                              "  actuarial report my-city/job.yaml")
    p.add_argument("folder", help="new (or empty) folder for the assumption set")
    p.add_argument("--force", action="store_true", help="write over the files init writes in a non-empty folder")
    p.set_defaults(func=cmd_init)
