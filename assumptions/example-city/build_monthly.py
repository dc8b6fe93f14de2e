"""Build the example city's monthly fund ledger and annual budgets from its annual history.

    python assumptions/example-city/build_monthly.py           write monthly_fund.csv, fund_budget.csv
    python assumptions/example-city/build_monthly.py --check   fail if the committed files differ

Synthetic (README.md, "Monthly fund ledger"): each line of ``fund_history.csv`` is spread over
the months of its fund year by a seasonal profile with seeded noise, and rounded to the CNY so
that the months add up exactly to the year. The budgets are what a bureau would have set before
each year: the year before's actual grown by the mean growth of the three years before it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20241123
REGION = "example-city"
COLUMNS = {  # (scheme, flow, line) -> fund_history column (a leading minus: booked negative)
    ("employee", "income", "employer"): "income_employer",
    ("employee", "income", "employee"): "income_employee",
    ("employee", "income", "flexible"): "income_flexible",
    ("employee", "income", "to_personal_accounts"): "-personal_account_credits",
    ("employee", "spending", "inpatient"): "spending_inpatient",
    ("employee", "spending", "outpatient"): "spending_outpatient",
    ("resident", "income", "premium"): "income_premium",
    ("resident", "income", "subsidy"): "income_subsidy",
    ("resident", "spending", "inpatient"): "spending_inpatient",
    ("resident", "spending", "outpatient"): "spending_outpatient",
    ("resident", "spending", "critical_illness"): "spending_critical_illness",
    ("employee", "income", "large_amount_premium"): "income_large_amount_premium",
    ("employee", "spending", "maternity"): "spending_maternity",
    ("employee", "spending", "large_amount_claims"): "spending_large_amount_claims",
    ("employee", "spending", "ltc_transfer"): "spending_ltc_transfer",
    ("resident", "income", "assistance_premiums"): "income_assistance_premiums",
}
# seasonal shape of care (Jan..Dec): Spring Festival dip in February, National Day dip in
# October, hospitals' year-end settlement (年底清算) in December
CARE = np.array([1.00, 0.80, 1.00, 0.97, 0.97, 0.98, 1.00, 1.00, 0.99, 0.93, 1.02, 1.25])
# subsidies arrive in tranches as the fiscal transfers are paid (illustrative): Mar, Jun, Sep, Dec
SUBSIDY = np.array([0, 0, 0.15, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.35])
# critical-illness premiums paid to the insurer quarterly
CRITICAL = np.array([0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.25, 0, 0, 0.25])
# resident premiums for fund year Y: Sep-Dec of Y-1 (collection season), then late enrolment
# Jan-Jun of Y (15 months: index 0 = September of Y-1)
PREMIUM = np.array([0.03, 0.17, 0.35, 0.33, 0.05, 0.03, 0.02, 0.01, 0.007, 0.003, 0, 0, 0, 0, 0])


def _profile(scheme: str, flow: str, line: str, year: int, rng: np.random.Generator) -> tuple[list, np.ndarray]:
    """The months of a fund year and the share of the year's amount in each (sums to 1)."""
    months = [pd.Period(f"{year}-{m:02d}", "M") for m in range(1, 13)]
    growth = (1.06 if flow == "spending" else 1.055) ** (np.arange(12) / 12)
    if line in ("premium", "assistance_premiums"):
        months = [pd.Period(f"{year - 1}-09", "M") + k for k in range(15)]
        w = PREMIUM * np.exp(rng.normal(0, 0.10, 15))
    elif line == "subsidy":
        w = SUBSIDY * np.exp(rng.normal(0, 0.15, 12))
    elif line == "critical_illness":
        w = CRITICAL * np.exp(rng.normal(0, 0.05, 12))
    elif flow == "spending":
        w = CARE * growth * np.exp(rng.normal(0, 0.03, 12))
        if year == 2020:   # the epidemic: care deferred in February-April
            w[1:4] *= [0.55, 0.75, 0.90]
        if year == 2023:   # demand released after the epidemic, early in the year
            w[0:3] *= [1.15, 1.10, 1.05]
    else:                  # contributions: monthly, growing with wages
        w = growth * np.exp(rng.normal(0, 0.02, 12))
        if year == 2020 and line == "employer":   # employer contributions halved for five months
            w[1:6] *= 0.5
    return months, w / w.sum()


def _split(total: float, shares: np.ndarray) -> np.ndarray:
    """Amounts rounded to the CNY that add up exactly to ``total`` (rounded)."""
    amounts = np.round(total * shares)
    amounts[np.argmax(np.abs(amounts))] += np.round(total) - amounts.sum()
    return amounts


def ledger(history: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for year in sorted(history["year"].unique()):
        for (scheme, flow, line), column in COLUMNS.items():
            h = history[(history["year"] == year) & (history["scheme"] == scheme)]
            total = float(h[column.lstrip("-")].iloc[0]) * (-1 if column.startswith("-") else 1)
            months, shares = _profile(scheme, flow, line, int(year), rng)
            for month, amount in zip(months, _split(total, shares)):
                if month.year <= year:     # the ledger ends with December of the last year
                    rows.append((REGION, scheme, int(year), str(month), flow, line, amount))
    df = pd.DataFrame(rows, columns=["region", "scheme", "fund_year", "month", "flow", "line", "amount"])
    df["amount"] = df["amount"].astype("int64")
    return df.sort_values(["scheme", "flow", "line", "fund_year", "month"]).reset_index(drop=True)


def budget(history: pd.DataFrame) -> pd.DataFrame:
    """Each year's budget: last year's actual x (1 + mean growth of the three years before),
    rounded to the CNY million (from 2019: the first year with three growth rates)."""
    rows = []
    years = sorted(history["year"].unique())
    for (scheme, flow, line), column in COLUMNS.items():
        sign = -1 if column.startswith("-") else 1
        s = history[history["scheme"] == scheme].set_index("year")[column.lstrip("-")] * sign
        for year in years[4:]:
            g = (s.loc[year - 1] / s.loc[year - 4]) ** (1 / 3)
            rows.append((REGION, scheme, int(year), flow, line, int(round(s.loc[year - 1] * g, -6))))
    return pd.DataFrame(rows, columns=["region", "scheme", "fund_year", "flow", "line", "budget"])


def build(folder: Path) -> None:
    history = pd.read_csv(HERE / "fund_history.csv")
    ledger(history).to_csv(folder / "monthly_fund.csv", index=False)
    budget(history).to_csv(folder / "fund_budget.csv", index=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args(argv)
    files = ["monthly_fund.csv", "fund_budget.csv"]
    if not args.check:
        build(HERE)
        print(f"wrote {', '.join(files)} in {HERE}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        differ = [f for f in files if (Path(tmp) / f).read_bytes() != (HERE / f).read_bytes()]
    if differ:
        print(f"out of date: {', '.join(differ)}; run python assumptions/example-city/build_monthly.py")
        return 1
    print("example-city monthly ledger is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
