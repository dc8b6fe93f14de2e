"""The monthly fund ledger: the example adds up to its annual history; bad input is named."""

import numpy as np
import pandas as pd
import pytest

from actuarial import AssumptionError
from actuarial.operations import LINES, check_against_annual, load_budget, load_ledger, monthly_series
from conftest import EXAMPLE, script

LEDGER = EXAMPLE / "monthly_fund.csv"
HISTORY = EXAMPLE / "fund_history.csv"


@pytest.fixture(scope="module")
def ledger():
    return load_ledger(LEDGER)


def test_every_year_adds_up_to_the_annual_history(ledger):
    table = check_against_annual(ledger, HISTORY)
    history = pd.read_csv(HISTORY)
    lines = sum(len(v) + 1 for v in LINES.values())
    assert len(table) == history["year"].nunique() * lines
    assert table["difference"].abs().max() <= 1.0          # rounded to the CNY
    # income and spending totals against the annual columns, independently of the checker
    totals = ledger.groupby(["fund_year", "scheme", "flow"])["amount"].sum().unstack("flow")
    h = history.set_index(["year", "scheme"])
    np.testing.assert_allclose(totals["income"].to_numpy(), h.loc[totals.index, "income"].to_numpy(), atol=2)
    np.testing.assert_allclose(totals["spending"].to_numpy(), h.loc[totals.index, "spending"].to_numpy(), atol=2)


def test_resident_premiums_arrive_in_the_collection_season(ledger):
    prem = ledger[ledger["line"] == "premium"]
    before = prem[prem["month"].dt.year < prem["fund_year"]].groupby("fund_year")["amount"].sum()
    share = before / prem.groupby("fund_year")["amount"].sum()
    assert (share > 0.8).all()
    months = prem.loc[prem["month"].dt.year < prem["fund_year"], "month"].dt.month
    assert set(months) <= {9, 10, 11, 12}


def test_monthly_series_puts_advance_receipts_in_month_one(ledger):
    s = monthly_series(ledger, "resident", "income", "premium")
    prem = ledger[(ledger["line"] == "premium") & (ledger["fund_year"] == 2020)]
    early = prem.loc[prem["month"] <= pd.Period("2020-01", "M"), "amount"].sum()
    assert s.loc[2020, 1] == pytest.approx(early)
    assert s.loc[2020].sum() == pytest.approx(prem["amount"].sum())


def test_the_committed_ledger_matches_its_generator(capsys):
    assert script(EXAMPLE / "build_monthly.py").main(["--check"]) == 0, capsys.readouterr().out


def _write(tmp_path, change):
    df = pd.read_csv(LEDGER, dtype=str)
    change(df)
    path = tmp_path / "monthly_fund.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("change, words", [
    (lambda df: df.__setitem__("amount", df["amount"].where(df.index != 5, "-3")), ["amount", "row 7", ">= 0"]),
    (lambda df: df.__setitem__("line", df["line"].where(df.index != 0, "drugs")), ["line", "drugs", "row 2"]),
    (lambda df: df.__setitem__("month", df["month"].where(df.index != 3, "2015/04")), ["month", "YYYY-MM"]),
    (lambda df: df.__setitem__("fund_year", df["fund_year"].where(df.index != 3, "2013")), ["fund_year", "row 5"]),
    (lambda df: df.pop("flow"), ["flow", "missing"]),
])
def test_bad_ledgers_give_one_line_naming_the_field(tmp_path, change, words):
    with pytest.raises(AssumptionError) as info:
        load_ledger(_write(tmp_path, change))
    text = str(info.value)
    assert "monthly_fund.csv" in text and "\n" not in text
    for w in words:
        assert w in text


def test_a_year_that_does_not_add_up_is_named(tmp_path, ledger):
    bad = ledger.copy()
    i = bad.index[(bad["fund_year"] == 2019) & (bad["line"] == "outpatient") & (bad["scheme"] == "resident")][0]
    bad.loc[i, "amount"] += 1000
    with pytest.raises(AssumptionError, match=r"2019.*resident spending 'outpatient'"):
        check_against_annual(bad, HISTORY)


def test_budget_loads_with_every_line():
    b = load_budget(EXAMPLE / "fund_budget.csv")
    for (scheme, flow), lines in LINES.items():
        got = set(b.loc[(b["scheme"] == scheme) & (b["flow"] == flow), "line"])
        assert got == set(lines)


def test_two_regions_must_be_told_apart(ledger):
    from actuarial.operations import execution, select_region

    other = ledger.assign(region="other-city")
    both = pd.concat([ledger, other], ignore_index=True)
    both.attrs = dict(ledger.attrs)
    with pytest.raises(AssumptionError, match="name one"):
        monthly_series(both, "employee", "income")
    one = select_region(both, "other-city")
    pd.testing.assert_frame_equal(monthly_series(one, "employee", "income"), monthly_series(ledger, "employee", "income"))
    with pytest.raises(AssumptionError, match="not in the table"):
        select_region(both, "nowhere")
    budget = load_budget(EXAMPLE / "fund_budget.csv")
    two_budgets = pd.concat([budget, budget.assign(region="other-city", budget=budget["budget"] * 2)])
    t = execution(one, two_budgets, "2024-06")
    assert t["budget"].iloc[0] == 2 * budget.loc[(budget.fund_year == 2024) & (budget.line == "employer"), "budget"].iloc[0]
