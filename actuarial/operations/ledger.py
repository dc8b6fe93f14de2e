"""The monthly fund ledger (基金月度收支台账) and the annual budget it is judged against.

A ledger is a long table, one row per region, scheme, fund year, month and line::

    region, scheme, fund_year, month, flow, line, amount

* ``flow`` is ``income`` or ``spending``; ``line`` a source of income or a category of spending
  (:data:`LINES`); ``amount`` in CNY (nominal), the money that moved in ``month`` (YYYY-MM).
* ``fund_year`` is the year the money counts in. It equals the calendar year of ``month``
  except for resident premiums collected in the collection season (Sep-Dec) *before* the year
  they pay for: those rows carry the next year's ``fund_year`` (advance receipts, 预收, counted
  in the year of cover). So the months of a fund year add up to that year's annual accounts.
* ``to_personal_accounts`` is the share of employee contributions credited to personal
  accounts, booked as a negative income line of the pooled fund, so the pooled fund's income
  is ``employer + employee + to_personal_accounts``.

The budget is a second long table ``region, scheme, fund_year, flow, line, budget`` (CNY).

    >>> ledger = load_ledger("assumptions/example-city/monthly_fund.csv")
    >>> check_against_annual(ledger, "assumptions/example-city/fund_history.csv")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AssumptionError
from ..schemes import MEMBER_SCHEMES

def _lines() -> dict[tuple[str, str], dict[str, str]]:
    """Lines of each scheme and flow, from the scheme declarations, and the column of
    ``fund_history.csv`` each adds up to (a leading minus: the line is booked negative): income
    by declared source, less what the fund credits to the scheme's other ledgers
    (``to_<ledger>``), and spending by declared category."""
    out = {}
    for sch in MEMBER_SCHEMES:
        out[(sch.name, "income")] = {**{src: f"income_{src}" for src in sch.source_names},
                                     **{f"to_{lg.name}": f"-{lg.history_column}" for lg in sch.ledgers[1:]
                                        if lg.history_column}}
        out[(sch.name, "spending")] = {cat: f"spending_{cat}" for cat in sch.category_names}
    return out


#: {(scheme, flow): {line: fund_history column}}, e.g. ``("employee", "income")``:
#: ``employer``, ``employee``, ``to_personal_accounts`` (-personal_account_credits)
LINES: dict[tuple[str, str], dict[str, str]] = _lines()
NEGATIVE_LINES = {line for lines in LINES.values() for line, col in lines.items() if col.startswith("-")}
LEDGER_COLUMNS = ["region", "scheme", "fund_year", "month", "flow", "line", "amount"]
BUDGET_COLUMNS = ["region", "scheme", "fund_year", "flow", "line", "budget"]
#: amounts are rounded to the CNY; a fund year may differ from the annual accounts by this much
TOLERANCE_CNY = 1.0


def _read(path, what: str, columns: list[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise AssumptionError(f"{what} not found", file=path)
    import io

    from ..errors import one_line, read_text
    text = read_text(path, AssumptionError, what)          # UTF-8, UTF-8 with BOM or GBK
    try:
        df = pd.read_csv(io.StringIO(text), comment="#",
                         dtype={"region": str, "scheme": str, "flow": str, "line": str, "month": str})
    except Exception as exc:  # pandas raises many types for a malformed file
        raise AssumptionError(f"cannot be read as CSV: {one_line(exc)}", file=path) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AssumptionError(f"missing column(s) {missing}", file=path, expected=f"columns {columns}")
    extra = [c for c in df.columns if c not in columns]
    if extra:
        raise AssumptionError(f"unknown column(s) {extra}", file=path, expected=f"only {columns}")
    for i, row in enumerate(df[["scheme", "flow", "line"]].itertuples(index=False)):
        known = LINES.get((row.scheme, row.flow))
        if known is None:
            raise AssumptionError(f"row {i + 2}: unknown scheme/flow '{row.scheme}'/'{row.flow}'", file=path,
                                  field="scheme, flow",
                                  expected=f"a scheme in {sorted({k[0] for k in LINES})}, income or spending")
        if row.line not in known:
            raise AssumptionError(f"row {i + 2}: unknown {row.scheme} {row.flow} line '{row.line}'", file=path,
                                  field="line", expected=f"one of {list(known)}")
    years = pd.to_numeric(df["fund_year"], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        i = int(np.flatnonzero((years.isna() | (years % 1 != 0)).to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: fund year {df['fund_year'].iloc[i]!r} is not a whole year",
                              file=path, field="fund_year")
    df["fund_year"] = years.astype(int)
    return df


def _amounts(df: pd.DataFrame, col: str, path) -> None:
    values = pd.to_numeric(df[col], errors="coerce")
    negative = df["line"].isin(NEGATIVE_LINES)
    bad = ~np.isfinite(values) | (negative & (values > 0)) | (~negative & (values < 0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        sign = "<= 0" if negative.iloc[i] else ">= 0"
        raise AssumptionError(f"row {i + 2}: {col} {df[col].iloc[i]!r} of line '{df['line'].iloc[i]}' "
                              f"is not a number {sign}", file=path, field=col, expected=f"CNY {sign}")
    df[col] = values.astype(float)


def load_ledger(path) -> pd.DataFrame:
    """Read and check a monthly fund ledger (columns :data:`LEDGER_COLUMNS`).

    ``month`` becomes a monthly :class:`pandas.Period`; every amount must be a number in CNY
    (negative only on :data:`NEGATIVE_LINES`); a fund year's months may start at most four
    months before the year (the premium collection season) and must not run after it; a
    (region, scheme, month, line, fund_year) appears once.
    """
    df = _read(path, "monthly fund ledger", LEDGER_COLUMNS)
    bad = ~df["month"].astype(str).str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: month {df['month'].iloc[i]!r} is not YYYY-MM", file=path, field="month")
    try:
        df["month"] = pd.PeriodIndex(df["month"], freq="M")
    except (ValueError, TypeError) as exc:
        raise AssumptionError(f"a month is not YYYY-MM ({exc})", file=path, field="month") from None
    _amounts(df, "amount", path)
    lead = (df["fund_year"] - df["month"].dt.year) * 12 - (df["month"].dt.month - 1)
    bad = (df["month"].dt.year > df["fund_year"]) | ((df["fund_year"] > df["month"].dt.year) & (lead > 4))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: month {df['month'].iloc[i]} cannot count in fund year "
                              f"{df['fund_year'].iloc[i]}", file=path, field="fund_year",
                              expected="the month's own year, or the next year for the Sep-Dec collection season")
    key = ["region", "scheme", "fund_year", "month", "line"]
    dup = df.duplicated(key)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: {dict(df.loc[df.index[i], key])} appears twice", file=path,
                              field="month")
    df.attrs.update(source=str(path), units="CNY")
    return df.sort_values(["region", "scheme", "flow", "line", "month"]).reset_index(drop=True)


def load_budget(path) -> pd.DataFrame:
    """Read and check an annual budget table (columns :data:`BUDGET_COLUMNS`, CNY)."""
    df = _read(path, "fund budget", BUDGET_COLUMNS)
    _amounts(df, "budget", path)
    dup = df.duplicated(["region", "scheme", "fund_year", "flow", "line"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AssumptionError(f"row {i + 2}: line '{df['line'].iloc[i]}' of {df['fund_year'].iloc[i]} "
                              "appears twice", file=path, field="line")
    df.attrs.update(source=str(path), units="CNY")
    return df


def annual_totals(ledger: pd.DataFrame) -> pd.DataFrame:
    """Fund-year totals by region, scheme, flow and line (CNY)."""
    return ledger.groupby(["region", "scheme", "fund_year", "flow", "line"], as_index=False)["amount"].sum()


def check_against_annual(ledger: pd.DataFrame, history, region: str | None = None,
                         tolerance: float = TOLERANCE_CNY) -> pd.DataFrame:
    """Check that the months of every complete fund year add up to the annual accounts.

    ``history`` is a ``fund_history.csv`` table or its path (columns named in :data:`LINES`
    and the totals ``income``, ``spending``). Returns the comparison (one row per year, scheme
    and column); raises :class:`AssumptionError` naming the year, scheme and line when a sum
    misses by more than ``tolerance`` CNY.
    """
    source = ledger.attrs.get("source", "monthly fund ledger")
    if not isinstance(history, pd.DataFrame):
        history = pd.read_csv(history)
    regions = ledger["region"].unique()
    if region is None and len(regions) > 1:
        raise AssumptionError(f"the ledger holds regions {list(regions)}; name one", file=source, field="region")
    part = ledger[ledger["region"] == (region or regions[0])]
    totals = annual_totals(part)
    # the selections below compare the label columns as arrays (pandas' string columns compare
    # element by element in Python); the same rows in the same order, summed as a Series sums
    h_year, h_scheme = history["year"].to_numpy(), history["scheme"].to_numpy(dtype=object)
    t_year, t_scheme = totals["fund_year"].to_numpy(), totals["scheme"].to_numpy(dtype=object)
    t_flow, t_line = totals["flow"].to_numpy(dtype=object), totals["line"].to_numpy(dtype=object)
    t_amount = totals["amount"].to_numpy(dtype=float)
    rows = []
    for (scheme, flow), lines in LINES.items():
        for year in sorted(set(totals["fund_year"]) & set(history["year"])):
            h = np.flatnonzero((h_year == year) & (h_scheme == scheme))
            t = (t_year == year) & (t_scheme == scheme) & (t_flow == flow)
            if h.size == 0 or not t.any():
                continue
            for line, column in list(lines.items()) + [("total", flow)]:
                sign = -1.0 if column.startswith("-") else 1.0
                annual = sign * float(history[column.lstrip("-")].to_numpy()[h[0]])
                monthly = series_sum(t_amount[t if line == "total" else t & (t_line == line)])
                rows.append({"fund_year": year, "scheme": scheme, "flow": flow, "line": line,
                             "annual": annual, "months": monthly, "difference": monthly - annual})
    out = pd.DataFrame(rows)
    bad = out[out["difference"].abs() > tolerance]
    if len(bad):
        r = bad.iloc[0]
        raise AssumptionError(f"the months of {r.fund_year} add up to {r.months:,.0f} CNY for {r.scheme} {r.flow} "
                              f"'{r.line}', the annual accounts say {r.annual:,.0f}", file=source, field="amount",
                              expected=f"a difference of at most {tolerance:g} CNY")
    return out


def series_sum(values: np.ndarray) -> float:
    """``float(pd.Series(values).sum())``: missing values count as zero."""
    nan = np.isnan(values)
    return float(np.where(nan, 0.0, values).sum() if nan.any() else values.sum())


def select_region(table: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """The rows of one region of a ledger or budget (``region`` may be left out when the table
    holds one); the monthly functions work on one region at a time."""
    regions = list(dict.fromkeys(table["region"]))
    source = table.attrs.get("source")
    if region is None:
        if len(regions) > 1:
            raise AssumptionError(f"the table holds regions {regions}; name one", file=source, field="region")
        return table
    if region not in regions:
        raise AssumptionError(f"region '{region}' is not in the table", file=source, field="region",
                              expected=f"one of {regions}")
    out = table[table["region"] == region].reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


def cached_series(ledger: pd.DataFrame, scheme: str, flow: str, line: str | None, cache: dict | None) -> pd.DataFrame:
    """:func:`monthly_series`, kept in ``cache`` (a dict for one ledger, shared by the functions
    of one month's report) under ``(scheme, flow, line)``."""
    if cache is None:
        return monthly_series(ledger, scheme, flow, line)
    if (scheme, flow, line) not in cache:
        cache[(scheme, flow, line)] = monthly_series(ledger, scheme, flow, line)
    return cache[(scheme, flow, line)]


def monthly_series(ledger: pd.DataFrame, scheme: str, flow: str, line: str | None = None) -> pd.DataFrame:
    """A fund-year by fund-month table of one line (or the flow's total when ``line`` is None).

    Rows are fund years; columns 1..12 hold the amount counted by the *end* of each calendar
    month of the fund year (money received before the year, in the collection season, is in
    month 1's amount); CNY. Missing months are NaN (an incomplete year)."""
    if ledger["region"].nunique() > 1:
        select_region(ledger)          # raises: one region at a time
    # the rows' labels compared as arrays (pandas' string columns compare element by element in
    # Python: most of this function's time); the same rows, in the same order
    rows = (ledger["scheme"].to_numpy(dtype=object) == scheme) & (ledger["flow"].to_numpy(dtype=object) == flow)
    if line is not None:
        rows &= ledger["line"].to_numpy(dtype=object) == line
    part = ledger[rows]
    month = np.where(part["month"].dt.year < part["fund_year"], 1, part["month"].dt.month)
    wide = part["amount"].groupby([part["fund_year"], pd.Series(month, index=part.index, name="fund_month")]).sum()
    wide = wide.unstack()
    wide = wide.reindex(columns=range(1, 13)).fillna(0.0)   # a month with no row moved no money
    last = ledger["month"].max()        # months after the ledger's last month are unknown, not zero
    if last.year in wide.index:
        wide.loc[last.year, [c for c in wide.columns if c > last.month]] = np.nan
    wide.loc[wide.index > last.year] = np.nan
    return wide
