"""Next year's fund budget in the layout bureaus use, from a projection.

For each scheme: income by source (employer, employee and flexible workers' contributions,
resident premiums, subsidies, interest, other) and spending by category (inpatient,
outpatient, personal accounts, critical-illness transfer, other), with the current (base)
year, next year's best estimate or its P10/P50/P90 over draws, and the change on the current
year. Every row, totals included, is computed per draw first and summarised after, so a total
is the percentile of the total (not the sum of percentiles) and equals the projection's own
income and spending for that year exactly.

A scheme's budget covers all its ledgers (for the employee scheme the pooled fund and the
personal accounts: contributions before the personal-account split, personal-account
spending, interest on both). The lines come from the scheme declarations
(:mod:`actuarial.schemes`). "Other" lines hold the province pass's transfers (adjustment fund,
fiscal top-ups: ``transfer_income``; contributions to the adjustment fund: ``transfer_spending``)
when a projection has them, else zero (they stand so that a bureau can fill them in).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .. import schemes
from .export import atomic_path

UNIT = 1e6
UNIT_NAME = "CNY million"


def _lines(ds: xr.Dataset, scheme: str, flexible_share: float) -> dict[tuple[str, str], xr.DataArray]:
    """The budget lines of one declared scheme: its income sources (the ``flexible`` ones split
    into the part flexible workers pay when ``flexible_share`` is given), interest on every
    ledger, its spending categories, what its other ledgers (personal accounts) spend, and the
    closing balance of all its ledgers."""
    sch = schemes.scheme(scheme)
    src = ds["income_by_source"].sel(scheme=scheme)
    cat = ds["spending_by_category"].sel(scheme=scheme)
    own = ds["ledger_scheme"] == scheme
    ledgers = ds["ledger"].values[own.values]
    zero = xr.zeros_like(ds["income"].sel(scheme=scheme))
    income = {}
    for line in sch.sources:
        income[line.label] = src.sel(source=line.name) * ((1 - flexible_share) if line.flexible else 1)
    flexible = [line.name for line in sch.sources if line.flexible]
    if flexible and flexible_share:
        income["flexible workers' contributions"] = src.sel(source=flexible).sum("source") * flexible_share
    income["interest"] = ds["ledger_interest"].sel(ledger=ledgers).sum("ledger")
    income["other income"] = ds["transfer_income"].sel(scheme=scheme) if "transfer_income" in ds else zero
    spending = {line.label: cat.sel(category=line.name) for line in sch.categories}
    for ledger in sch.ledgers[1:]:
        spending[ledger.name.replace("_", " ")] = ds["ledger_spending"].sel(ledger=ledger.name)
    spending["other spending"] = ds["transfer_spending"].sel(scheme=scheme) if "transfer_spending" in ds else zero
    out = {("income", k): v for k, v in income.items()}
    out[("income", "total income")] = sum(income.values())
    out.update({("spending", k): v for k, v in spending.items()})
    out[("spending", "total spending")] = sum(spending.values())
    out[("result", "current-year balance (income - spending)")] = out[("income", "total income")] - out[("spending", "total spending")]
    out[("result", "closing balance 31 December")] = ds["ledger_balance"].sel(ledger=ledgers).sum("ledger")
    return out


def _over_draws(da: xr.DataArray, q: float | None = None) -> float:
    """``float(da.median("draw"))`` (``q`` None) or ``float(da.quantile(q, "draw"))`` for a
    line's draws of one year, on the values: the function xarray applies (the NaN-skipping one
    for floats: a missing draw is skipped), without its labelled machinery, which took most of a
    budget table's time (five reductions a line)."""
    if da.dims != ("draw",):
        raise ValueError(f"expected one value per draw, got dims {da.dims}")
    v = np.asarray(da.values)
    skip_nan = v.dtype.kind in "fcO"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice encountered")
        if q is None:
            return float(np.nanmedian(v) if skip_nan else np.median(v))
        return float(np.nanquantile(v, q) if skip_nan else np.quantile(v, q))


def budget_tables(ds: xr.Dataset, *, year: int | None = None, flexible_share: float = 0.0,
                  quantiles=(0.1, 0.5, 0.9)) -> dict[str, pd.DataFrame]:
    """The budget of ``year`` (default: the year after the first) for each scheme.

    Columns: the year before (``current``), then the best estimate (deterministic ``ds``) or the
    ``quantiles`` over draws, and the change of the median (or best estimate) on the year
    before. Money in CNY million."""
    years = ds["year"].values
    year = int(years[1]) if year is None else year
    if year not in years or year == years[0]:
        raise ValueError(f"budget year {year} must be a projected year after {years[0]} (have {years.tolist()})")
    previous = year - 1
    tables = {}
    for scheme in ds["scheme"].values:
        lines = _lines(ds, str(scheme), flexible_share)
        rows = {}
        for key, da in lines.items():
            now = da.sel(year=previous)
            nxt = da.sel(year=year)
            row = {f"{previous} ({UNIT_NAME})": (_over_draws(now) if "draw" in now.dims else float(now)) / UNIT}
            if "draw" in nxt.dims:
                for q in quantiles:
                    row[f"{year} P{int(round(q * 100))} ({UNIT_NAME})"] = _over_draws(nxt, q) / UNIT
                centre = _over_draws(nxt)
            else:
                centre = float(nxt)
                row[f"{year} best estimate ({UNIT_NAME})"] = centre / UNIT
            base = row[f"{previous} ({UNIT_NAME})"] * UNIT
            row[f"change on {previous} (fraction)"] = centre / base - 1 if base else np.nan
            rows[key] = row
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index = pd.MultiIndex.from_tuples(table.index, names=["section", "item"])
        table.attrs.update(scheme=str(scheme), year=year, units=UNIT_NAME,
                           assumption_hash=ds.attrs.get("assumption_hash", ""), draws=int(ds.sizes.get("draw", 1)))
        tables[str(scheme)] = table
    return tables


def format_budget(tables: dict[str, pd.DataFrame]) -> str:
    """The budget tables as text for a terminal (CNY million without decimals, changes in %)."""
    parts = []
    for scheme, table in tables.items():
        shown = table.copy()
        for col in shown.columns:
            pct = col.endswith("(fraction)")
            shown[col] = shown[col].map(lambda v, p=pct: "" if v != v else (f"{100 * v:+.1f}%" if p else f"{v:,.0f}"))
        parts.append(f"{scheme} scheme, budget {table.attrs['year']} ({UNIT_NAME})\n{shown.to_string()}")
    return "\n\n".join(parts)


def write_budget(tables: dict[str, pd.DataFrame], folder, stem: str = "budget") -> list[Path]:
    """Write the budget tables: one Excel workbook with a sheet per scheme (numbers as numbers,
    units in the headers, provenance in a last sheet) and one CSV per scheme, atomically."""
    folder = Path(folder)
    written = []
    xlsx = folder / f"{stem}.xlsx"
    with atomic_path(xlsx) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for scheme, table in tables.items():
                table.to_excel(writer, sheet_name=f"{scheme} scheme")
            first = next(iter(tables.values()))
            pd.DataFrame({"field": ["budget year", "units", "draws", "assumption hash"],
                          "value": [first.attrs["year"], first.attrs["units"], first.attrs["draws"],
                                    first.attrs["assumption_hash"]]}).to_excel(writer, sheet_name="provenance", index=False)
    written.append(xlsx)
    for scheme, table in tables.items():
        path = folder / f"{stem}-{scheme}.csv"
        with atomic_path(path) as tmp:
            table.to_csv(tmp)
        written.append(path)
    return written
