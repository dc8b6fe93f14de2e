"""The CSV tables of an assumption set: readers that check columns, labels, ranges and the full
(status, sex, age) grid, and one loader per table. Every problem is an :class:`AssumptionError`
naming the file, the row, the column and what was expected.

A table may be a CSV file (UTF-8, UTF-8 with BOM or GBK) or an Excel workbook (``.xlsx``, its
first sheet). Tables by age may give single ages 0..100 or age groups (``0-4``, ``5-9``, ...,
``100+``; also ``0~4``, ``85岁以上``): counts (population, migrants) are graduated to single
ages keeping every group's total (:func:`actuarial.demography.graduate_counts`: monotone PCHIP
of the cumulative count; a signed count is split into its positive and negative parts);
rates and costs take their group's value at each age of the group."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..dims import AGES, CLAIM_CATEGORIES, OPTIONAL_STATUSES, SEXES, STATUSES
from ..errors import AssumptionError, one_line, read_text

AGE_GROUP = re.compile(r"^(\d+)\s*(?:[-–~至]\s*(\d+)\s*岁?|(\+|岁以上|岁及以上|及以上))$")


def _read_frame(path: Path) -> pd.DataFrame:
    """The table's cells as strings: the first sheet of an Excel workbook, else CSV text."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl").fillna("")
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise AssumptionError(f"cannot be read as an Excel workbook: {one_line(exc)}", file=path,
                                  expected="an .xlsx file whose first sheet holds the table") from None
        first = df.columns[0] if len(df.columns) else None
        return df[~df[first].str.startswith("#")] if first is not None else df
    text = read_text(path, AssumptionError, "table file")     # UTF-8, UTF-8 with BOM or GBK
    try:
        return pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for a malformed file
        raise AssumptionError(f"cannot be read as CSV: {one_line(exc)}", file=path) from None


def _age_groups(raw: pd.Series, path: Path):
    """Lower and upper (inclusive) ages of each row's age group, or None for single ages."""
    if raw.str.fullmatch(r"\d+").all():
        return None
    lo, hi = [], []
    for i, v in enumerate(raw):
        m = AGE_GROUP.match(v) if not v.isdigit() else None
        if v.isdigit():
            lo.append(int(v)), hi.append(int(v))
            continue
        if m is None:
            raise AssumptionError(f"row {i + 2}: age {v!r} is neither a single age nor an age group", file=path,
                                  field="age", expected="single ages 0..100 or groups 0-4, 5-9, ..., 95-99, 100+")
        lo.append(int(m.group(1)))
        hi.append(int(m.group(2)) if m.group(2) else int(AGES[-1]))
    return np.array(lo), np.array(hi)


def _expand_ages(out: pd.DataFrame, lo, hi, mode: str, path: Path, values: list[str]) -> pd.DataFrame:
    """Single ages 0..100 from age groups: counts graduated keeping group totals, rates repeated."""
    from ..demography import graduate_counts

    keys = [c for c in out.columns if c not in values and c != "age"]
    parts = []
    for key, part in out.assign(_lo=lo, _hi=hi).groupby(keys, sort=False) if keys else [((), out.assign(_lo=lo, _hi=hi))]:
        part = part.sort_values("_lo")
        l, h = part["_lo"].to_numpy(), part["_hi"].to_numpy()
        if l[0] != 0 or np.any(l[1:] != h[:-1] + 1) or h[-1] != AGES[-1] or np.any(h < l):
            raise AssumptionError(f"age groups {[f'{a}-{b}' for a, b in zip(l, h)][:4]}... of {dict(zip(keys, np.atleast_1d(key)))} "
                                  f"do not run from 0 to 100+ without gaps or overlaps", file=path, field="age",
                                  expected="groups such as 0-4, 5-9, ..., 95-99, 100+")
        block = pd.DataFrame({"age": AGES})
        for k, v in zip(keys, np.atleast_1d(key)):
            block[k] = v
        for c in values:
            v = part[c].to_numpy(dtype=float)
            if mode == "rates":
                block[c] = np.repeat(v, h - l + 1)
            elif l[-1] != AGES[-1]:
                raise AssumptionError(f"the last age group starts at {l[-1]}", file=path, field="age",
                                      expected="counts in groups ending with an open group 100+")
            else:
                block[c] = (graduate_counts(np.clip(v, 0, None), l, top=int(AGES[-1]))
                            - graduate_counts(np.clip(-v, 0, None), l, top=int(AGES[-1])))
        parts.append(block)
    return pd.concat(parts, ignore_index=True)[list(out.columns)]


def read_csv(path: Path, columns: dict[str, str], optional: dict[str, str] | None = None,
             age_groups: str | None = None) -> pd.DataFrame:
    """Read a CSV and check it has the named columns and no others; ``columns`` maps name ->
    kind ('str', 'int', 'float'). ``optional`` columns may be absent, and their cells blank
    (read as NaN). The file may be UTF-8, UTF-8 with a byte-order mark or GBK (detected), or
    an Excel workbook; anything else is refused with a message saying how to save it.
    ``age_groups`` ("counts" or "rates") allows age groups in the ``age`` column (see the
    module)."""
    optional = optional or {}
    if not path.is_file():
        raise AssumptionError("table file not found", file=path)
    df = _read_frame(path)
    df.columns = [str(c).strip() for c in df.columns]
    dup = [c for c in df.columns if c.endswith((".1", ".2")) and c.rsplit(".", 1)[0] in df.columns]
    if dup:
        raise AssumptionError(f"column {dup[0].rsplit('.', 1)[0]!r} appears more than once", file=path,
                              expected=f"columns {list(columns)}, each once")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AssumptionError(f"missing column(s) {missing}", file=path,
                              expected=f"columns {list(columns)}")
    extra = [c for c in df.columns if c not in columns and c not in optional]
    if extra:
        raise AssumptionError(f"unknown column(s) {extra}", file=path,
                              expected=f"columns {list(columns)}" + (f", optionally {list(optional)}" if optional else ""))
    if df.empty:
        raise AssumptionError("the table has no data rows", file=path, expected=f"rows of {', '.join(columns)}")
    out = pd.DataFrame(index=df.index)
    present = {**columns, **{c: k for c, k in optional.items() if c in df.columns}}
    groups = _age_groups(df["age"].str.strip(), path) if age_groups and "age" in df.columns else None
    for col, kind in present.items():
        raw = df[col].str.strip()
        if col == "age" and groups is not None:
            out[col] = groups[0]
            continue
        if kind == "str":
            out[col] = raw
            continue
        num = pd.to_numeric(raw, errors="coerce")
        blank = raw == ""
        bad = (num.isna() | ~np.isfinite(num.astype(float))) & ~(blank & (col in optional))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AssumptionError(f"row {i + 2}: value {raw.iloc[i]!r} is not a finite number",
                                  file=path, field=col)
        if kind == "int":
            if (num.abs() > 1e9).any():
                i = int(np.flatnonzero((num.abs() > 1e9).to_numpy())[0])
                raise AssumptionError(f"row {i + 2}: value {raw.iloc[i]!r} is too large", file=path, field=col,
                                      expected="a whole number such as an age or a year")
            if (num != np.round(num)).any():
                i = int(np.flatnonzero((num != np.round(num)).to_numpy())[0])
                raise AssumptionError(f"row {i + 2}: value {raw.iloc[i]!r} is not a whole number",
                                      file=path, field=col)
            num = num.astype(int)
        out[col] = num
    return out if groups is None else _expand_ages(out, *groups, age_groups, path,
                                                       [c for c, k in present.items() if k == "float"])


def check_labels(df: pd.DataFrame, col: str, allowed, path: Path) -> None:
    bad = ~df[col].isin(list(allowed))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: value {df[col].iloc[i]!r} is not allowed",
                              file=path, field=col, expected=f"one of {list(allowed)}")


def check_range(df: pd.DataFrame, col: str, lo: float, hi: float, path: Path, what: str) -> None:
    bad = (df[col] < lo) | (df[col] > hi)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: value {float(df[col].iloc[i])!r} is outside {lo:g} to {hi:g}",
                              file=path, field=col, expected=what)


def to_grid(df: pd.DataFrame, keys: dict[str, Any], value: str, path: Path) -> xr.DataArray:
    """Turn a long table into a DataArray over the full grid ``keys`` (dim -> labels),
    requiring every combination exactly once."""
    dup = df.duplicated(subset=list(keys))
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        row = {k: df[k].iloc[i] for k in keys}
        raise AssumptionError(f"row {i + 2}: the combination {row} appears more than once", file=path)
    full = pd.MultiIndex.from_product([list(v) for v in keys.values()], names=list(keys))
    series = df.set_index(list(keys))[value]
    missing = full.difference(series.index)
    if len(missing):
        raise AssumptionError(
            f"{len(missing)} combination(s) missing, first {dict(zip(keys, missing[0]))}",
            file=path, expected=f"one row for every combination of {', '.join(keys)}"
            + (" with ages running 0..100 (100 = 100+)" if "age" in keys else ""))
    extra = series.index.difference(full)
    if len(extra):
        raise AssumptionError(f"unexpected row {dict(zip(keys, extra[0]))}", file=path,
                              expected="ages 0..100 (100 = 100+)" if "age" in keys else None)
    series = series.reindex(full)
    return xr.DataArray(series.to_numpy().reshape([len(v) for v in keys.values()]),
                        coords={k: list(v) for k, v in keys.items()}, dims=list(keys))


def fill_optional_statuses(df: pd.DataFrame, values: dict[str, Any]) -> pd.DataFrame:
    """Rows for every optional status (:data:`~actuarial.dims.OPTIONAL_STATUSES`) the table
    leaves out entirely: each value column set from ``values`` (a number, or the name of a
    status whose rows to copy). A table that gives some of a status's rows must give all."""
    extra = []
    for status in OPTIONAL_STATUSES:
        if (df["status"] == status).any():
            continue
        like = values.get("like")
        rows = (df[df["status"] == like] if like else
                pd.DataFrame([(sex, int(a)) for sex in SEXES for a in AGES], columns=["sex", "age"])).copy()
        rows["status"] = status
        for col, v in values.items():
            if col != "like":
                rows[col] = v
        extra.append(rows[df.columns])
    return pd.concat([df, *extra], ignore_index=True) if extra else df


def _load_population(path: Path) -> xr.DataArray:
    df = read_csv(path, {"status": "str", "sex": "str", "age": "int", "persons": "float"}, age_groups="counts")
    check_labels(df, "status", STATUSES, path)
    check_labels(df, "sex", SEXES, path)
    df = fill_optional_statuses(df, {"persons": 0.0})     # absent flexible rows: nobody
    check_range(df, "persons", 0, 1e9, path, "a non-negative number of persons")
    da = to_grid(df, {"status": STATUSES, "sex": SEXES, "age": AGES}, "persons", path)
    da.attrs.update(units="persons", long_name="population at 1 January of the base year")
    return da


def load_mortality(path: Path) -> xr.DataArray:
    df = read_csv(path, {"time": "float", "sex": "str", "age": "int", "mx": "float"})
    check_labels(df, "sex", SEXES, path)
    check_range(df, "mx", 0, 5, path, "a central death rate in deaths per person-year (0 to 5)")
    ages = np.sort(df["age"].unique())
    if ages[0] != 0 or not (np.all(np.diff(ages) > 0)):
        raise AssumptionError(f"ages {ages.tolist()} do not start at 0", file=path, field="age",
                              expected="single ages 0..100 or abridged ages 0, 1, 5, 10, ..., with the last one open")
    if ages[-1] > 100:
        raise AssumptionError(f"last age {ages[-1]} is above 100", file=path, field="age",
                              expected="an open last age group of at most 100")
    times = np.sort(df["time"].unique())
    da = to_grid(df, {"time": times, "sex": SEXES, "age": ages}, "mx", path)
    if (da <= 0).any():
        raise AssumptionError("a death rate is zero", file=path, field="mx",
                              expected="positive death rates at every age")
    da.attrs.update(units="deaths per person-year", long_name="central death rate")
    return da


def _load_fertility_pattern(path: Path) -> xr.DataArray:
    df = read_csv(path, {"age": "int", "share_of_tfr": "float"})
    check_range(df, "age", 10, 55, path, "ages of mothers between 10 and 55")
    check_range(df, "share_of_tfr", 0, 1, path, "a share between 0 and 1")
    if df["age"].duplicated().any():
        raise AssumptionError("an age appears more than once", file=path, field="age")
    total = float(df["share_of_tfr"].sum())
    if abs(total - 1) > 1e-6:
        raise AssumptionError(f"shares sum to {total:.8f}", file=path, field="share_of_tfr",
                              expected="shares summing to 1")
    da = xr.DataArray(np.zeros(AGES.size), coords={"age": AGES}, dims="age")
    da.loc[dict(age=df["age"].to_numpy())] = df["share_of_tfr"].to_numpy()
    da.attrs.update(units="1", long_name="share of the total fertility rate by age of mother")
    return da


def _load_transitions(path: Path) -> xr.Dataset:
    flex = {"flexible_entry_rate": "float", "flexible_exit_rate": "float"}
    df = read_csv(path, {"sex": "str", "age": "int", "employment_entry_rate": "float",
                         "employment_exit_rate": "float"}, optional=flex, age_groups="rates")
    check_labels(df, "sex", SEXES, path)
    for col in flex:   # absent columns or blank cells: no flexible moves
        df[col] = df[col].fillna(0.0) if col in df.columns else 0.0
    for col in ("employment_entry_rate", "employment_exit_rate", *flex):
        check_range(df, col, 0, 1, path, "a yearly rate as a fraction between 0 and 1")
    both = df["employment_entry_rate"] + df["flexible_entry_rate"]
    if (both > 1).any():
        i = int(np.flatnonzero((both > 1).to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: entry rates sum to {float(both.iloc[i]):g}", file=path,
                              field="flexible_entry_rate", expected="employment_entry_rate + flexible_entry_rate <= 1 "
                              "(both move people out of the same resident group)")
    keys = {"sex": SEXES, "age": AGES}
    ds = xr.Dataset({
        "entry": to_grid(df, keys, "employment_entry_rate", path),
        "exit": to_grid(df, keys, "employment_exit_rate", path),
        "flexible_entry": to_grid(df, keys, "flexible_entry_rate", path),
        "flexible_exit": to_grid(df, keys, "flexible_exit_rate", path),
    })
    ds["flexible_entry"].attrs.update(units="fraction per year",
                                      long_name="share of the resident group joining the employee scheme as flexible workers")
    ds["flexible_exit"].attrs.update(units="fraction per year",
                                     long_name="share of flexible workers leaving the employee scheme for the resident group")
    ds["entry"].attrs.update(units="fraction per year",
                             long_name="share of the resident group entering the employee scheme as active members")
    ds["exit"].attrs.update(units="fraction per year",
                            long_name="share of active members leaving the employee scheme for the resident group")
    return ds


def _load_migration(path: Path) -> xr.DataArray:
    df = read_csv(path, {"status": "str", "sex": "str", "age": "int", "net_migrants": "float"}, age_groups="counts")
    check_labels(df, "status", STATUSES, path)
    check_labels(df, "sex", SEXES, path)
    df = fill_optional_statuses(df, {"net_migrants": 0.0})
    check_range(df, "net_migrants", -1e7, 1e7, path, "net migrants per year")
    da = to_grid(df, {"status": STATUSES, "sex": SEXES, "age": AGES}, "net_migrants", path)
    da.attrs.update(units="persons per year", long_name="net migrants (in minus out)")
    return da


def _load_claim_costs(path: Path) -> xr.DataArray:
    df = read_csv(path, {"status": "str", "sex": "str", "age": "int",
                          "inpatient": "float", "outpatient": "float"}, age_groups="rates")
    check_labels(df, "status", STATUSES, path)
    check_labels(df, "sex", SEXES, path)
    df = fill_optional_statuses(df, {"like": "active"})   # absent flexible rows: the active members' costs
    keys = {"status": STATUSES, "sex": SEXES, "age": AGES}
    parts = []
    for cat in CLAIM_CATEGORIES:
        check_range(df, cat, 0, 1e6, path, "a non-negative cost in CNY per person-year")
        parts.append(to_grid(df, keys, cat, path))
    da = xr.concat(parts, dim=pd.Index(list(CLAIM_CATEGORIES), name="category"))
    da = da.transpose("status", "sex", "age", "category")
    da.attrs.update(units="CNY per person-year",
                    long_name="base-year claim cost per member (policy-range medical spending before fund share)")
    return da


def load_cost_history(path: Path) -> xr.Dataset:
    df = read_csv(path, {"year": "int", "medical_inflation": "float", "utilisation_growth": "float",
                          "shock_year": "int"})
    for col in ("medical_inflation", "utilisation_growth"):
        check_range(df, col, -0.5, 0.5, path, "a yearly growth rate as a fraction (0.03 for 3%)")
    check_range(df, "shock_year", 0, 1, path, "1 for a shock year (e.g. 2020, 2023), else 0")
    years = df["year"].to_numpy()
    if np.any(np.diff(years) != 1):
        raise AssumptionError("years are not consecutive and increasing", file=path, field="year")
    ds = xr.Dataset({c: ("year", df[c].to_numpy()) for c in ("medical_inflation", "utilisation_growth", "shock_year")},
                    coords={"year": years})
    ds.attrs["path"] = str(path)
    return ds


TABLE_LOADERS = {
    "population": _load_population,
    "mortality": load_mortality,
    "fertility_pattern": _load_fertility_pattern,
    "transitions": _load_transitions,
    "migration": _load_migration,
    "claim_costs": _load_claim_costs,
}

