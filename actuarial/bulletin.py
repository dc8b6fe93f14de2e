"""Fund histories as statistical bulletins publish them, brought to the calibration's shape.

A history table (see :func:`actuarial.calibration.load_history`) may be written the way the
NHSA and provincial bulletins (医疗保障事业发展统计公报, 统计快报) print their figures:

* **units declared in the file**: comment lines at the top, ``# money_unit: 亿元`` (元 / CNY,
  万元 = 1e4, 亿元 = 1e8) and ``# members_unit: 万人`` (人 / persons, 万人 = 1e4); every money
  column is converted to CNY and every head count to persons;
* **blank cells** where a bulletin gives no figure (read as missing, never as zero);
* **year-end insured counts** (``insured_year_end``, 年末参保人数) instead of member-years:
  member-years are then the mean of the year's and the previous year's year-end counts
  (blank when the previous count is not in the file); ``member_years_basis`` says which;
* **preliminary and final rows for one year** (``status``: ``preliminary`` for a 快报 figure,
  ``final`` or blank for the 公报): the final row's figures are used, its blank cells filled
  from the preliminary row; two rows of one status for one year and scheme are an error;
* **totals including personal accounts** (``scope``: ``pooled`` or blank for the pooled fund,
  ``total`` for 职工医保基金 including personal accounts): when every ``total`` row of a
  scheme also gives ``personal_account_income`` and ``personal_account_spending``, they are
  subtracted to give the pooled fund; otherwise the scheme's series stays in totals (said in
  ``attrs['scope']``), and mixing pooled and total rows in one scheme is an error;
* ``source`` (free text): the bulletin a row comes from.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AssumptionError

MONEY_UNITS = {"元": 1.0, "cny": 1.0, "yuan": 1.0, "万元": 1e4, "亿元": 1e8}
MEMBER_UNITS = {"人": 1.0, "persons": 1.0, "万人": 1e4}
BULLETIN_COLUMNS = {"status": "str", "scope": "str", "insured_year_end": "float", "personal_account_income": "float",
                    "personal_account_spending": "float", "source": "str"}
MONEY_COLUMNS = ("income", "spending", "balance", "personal_account_income", "personal_account_spending",
                 "income_employer", "income_employee", "personal_account_credits", "income_premium", "income_subsidy",
                 "spending_inpatient", "spending_outpatient", "spending_critical_illness", "interest")
MEMBER_COLUMNS = ("member_years", "insured_year_end", "active_years", "retired_years", "enrolled_years")
STATUS_ORDER = {"final": 0, "": 0, "preliminary": 1}


def declared_units(path: Path) -> dict[str, float]:
    """The unit factors declared in the file's leading comment lines (1 when not declared)."""
    factors = {"money": 1.0, "members": 1.0}
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            if not line.startswith("#"):
                break
            m = re.match(r"#\s*(money_unit|members_unit)\s*:\s*(\S+)", line)
            if not m:
                continue
            key, unit = m.group(1), m.group(2)
            table = MONEY_UNITS if key == "money_unit" else MEMBER_UNITS
            if unit.lower() not in table:
                raise AssumptionError(f"unknown {key} {unit!r}", file=path, field=key, expected=f"one of {list(table)}")
            factors["money" if key == "money_unit" else "members"] = table[unit.lower()]
    return factors


def normalise(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Apply the declared units, merge preliminary and final rows, derive member-years from
    year-end counts and pooled figures from totals (see the module docstring)."""
    units = declared_units(path)
    df = df.copy()
    for col in MONEY_COLUMNS:
        if col in df:
            df[col] = df[col] * units["money"]
    for col in MEMBER_COLUMNS:
        if col in df:
            df[col] = df[col] * units["members"]
    df = _merge_status(df, path)
    df = _member_years(df, path)
    df, scope = _pooled(df, path)
    df.attrs.update(units={"money": "CNY", "members": "persons"}, scope=scope,
                    declared_units={"money_factor": units["money"], "members_factor": units["members"]})
    return df


def _merge_status(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    status = df["status"].fillna("").str.lower() if "status" in df else pd.Series("", index=df.index)
    bad = ~status.isin(list(STATUS_ORDER))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: status {df['status'].iloc[i]!r}", file=path, field="status",
                              expected="final (or blank) or preliminary")
    df["status"] = status.replace("", "final")
    dup = df.duplicated(["year", "scheme", "status"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: {df['scheme'].iloc[i]} {int(df['year'].iloc[i])} appears twice as "
                              f"{df['status'].iloc[i]}", file=path, field="year",
                              expected="one row per year and scheme (or one preliminary and one final)")
    rows = []
    for _, group in df.sort_values("status", key=lambda s: s.map(STATUS_ORDER)).groupby(["year", "scheme"], sort=True):
        row = group.iloc[0].copy()
        if len(group) > 1:
            filled = row.isna() & group.iloc[1].notna()
            row[filled] = group.iloc[1][filled]
            row["status"] = "final, gaps from preliminary" if filled.any() else "final"
        rows.append(row)
    out = pd.DataFrame(rows).reset_index(drop=True).infer_objects()
    return out.astype({c: t for c, t in df.dtypes.items() if c != "status" and t.kind in "if"})


def _member_years(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    if "member_years" not in df:
        df["member_years"] = np.nan
    df["member_years_basis"] = np.where(df["member_years"].notna(), "given", "")
    if "insured_year_end" not in df:
        if df["member_years"].isna().all():
            raise AssumptionError("neither member-years nor year-end insured counts", file=path, field="member_years",
                                  expected="a member_years or an insured_year_end column")
        return df
    for scheme, part in df.groupby("scheme"):
        counts = part.set_index("year")["insured_year_end"]
        for i, row in part.iterrows():
            prev = counts.get(row["year"] - 1, np.nan)
            if np.isnan(row["member_years"]) and np.isfinite(prev) and np.isfinite(row["insured_year_end"]):
                df.loc[i, "member_years"] = (prev + row["insured_year_end"]) / 2
                df.loc[i, "member_years_basis"] = "mean of year-end counts"
    return df


def _pooled(df: pd.DataFrame, path: Path):
    scope = df["scope"].fillna("").str.lower().replace("", "pooled") if "scope" in df else pd.Series("pooled", index=df.index)
    bad = ~scope.isin(["pooled", "total"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: scope {df['scope'].iloc[i]!r}", file=path, field="scope",
                              expected="pooled (or blank) or total (including personal accounts)")
    df["scope"] = scope
    out = {}
    for scheme in sorted(df["scheme"].unique()):
        rows = df["scheme"] == scheme
        total = rows & (df["scope"] == "total")
        if not total.any():
            out[scheme] = "pooled fund"
            continue
        parts = [c for c in ("personal_account_income", "personal_account_spending") if c in df]
        convertible = len(parts) == 2 and df.loc[total, parts].notna().all(axis=None)
        if convertible:
            df.loc[total, "income"] -= df.loc[total, "personal_account_income"]
            df.loc[total, "spending"] -= df.loc[total, "personal_account_spending"]
            df.loc[total, "scope"] = "pooled"
            out[scheme] = "pooled fund (personal accounts subtracted where totals were given)"
        elif (rows & (df["scope"] == "pooled")).any():
            i = int(np.flatnonzero((rows & (df["scope"] == "pooled")).to_numpy())[0])
            raise AssumptionError(f"{scheme}: pooled-fund rows (year {int(df['year'].iloc[i])}) mixed with totals "
                                  "including personal accounts and no personal-account figures to subtract",
                                  file=path, field="scope",
                                  expected="one scope per scheme, or personal_account_income and "
                                           "personal_account_spending on every total row")
        else:
            out[scheme] = "total including personal accounts"
    return df, out
