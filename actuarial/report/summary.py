"""The summary table printed by ``actuarial run`` and written as ``summary.csv``."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from ..schemes import SCHEME_NAMES

MILLION = 1e6


def summary_table(ds: xr.Dataset) -> pd.DataFrame:
    """Years in rows; for each fund income, spending, closing balance (CNY million) and months
    of reserves; then the employee-scheme active:retired ratio. A stochastic projection is
    summarised by its median over draws (column names say so)."""
    if "region" in ds.dims:   # one block of rows per region
        return pd.concat({str(r): summary_table(ds.sel(region=r)) for r in ds["region"].values}, names=["region"])
    label = ""
    ds = ds[["income", "spending", "balance", "reserve_months", "dependency_ratio"]]
    if "draw" in ds.dims:
        ds = ds.median("draw")
        label = " (median)"
    cols = {}
    for scheme in ds["scheme"].values:
        s = ds.sel(scheme=scheme)
        cols[f"{scheme} income, CNY m{label}"] = s["income"] / MILLION
        cols[f"{scheme} spending, CNY m{label}"] = s["spending"] / MILLION
        cols[f"{scheme} balance, CNY m{label}"] = s["balance"] / MILLION
        cols[f"{scheme} reserve months{label}"] = s["reserve_months"]
    cols[f"active:retired{label}"] = ds["dependency_ratio"]
    table = pd.DataFrame({k: v.to_numpy() for k, v in cols.items()}, index=ds["year"].to_numpy())
    table.index.name = "year"
    return table


def format_summary(table: pd.DataFrame) -> str:
    """The summary as fixed-width text for a terminal: money in CNY million without decimals,
    months and ratios with two, funds grouped under two-level headers."""
    shown = pd.DataFrame(index=table.index)
    header = []
    for col in table.columns:
        digits = 0 if "CNY m" in col else 2
        shown[col] = table[col].map(lambda v, d=digits: f"{v:,.{d}f}")
        name = col.replace(", CNY m", "")
        group, _, metric = name.partition(" ")
        header.append((group, metric) if group in SCHEME_NAMES else ("", name))
    shown.columns = pd.MultiIndex.from_tuples(header)
    return "CNY million; reserve months = closing balance / (spending / 12)\n" + shown.to_string()
