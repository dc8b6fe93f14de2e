"""Fund histories as bulletins publish them (units in the file, blanks, year-end counts,
preliminary and final rows, totals including personal accounts) and a back-test that scores
every method on the same forecasts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actuarial import AssumptionError, calibration as C

NATIONAL = Path(__file__).resolve().parents[1] / "assumptions" / "national-history" / "fund_history.csv"
HEADER = "# money_unit: 亿元\n# members_unit: 万人\n"


def write(tmp_path, rows, header=HEADER, columns="year,scheme,status,scope,insured_year_end,income,spending,"
          "personal_account_income,personal_account_spending,shock_year"):
    path = tmp_path / "h.csv"
    path.write_text(header + columns + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def simple_rows(years=range(2015, 2022), emp_scope="", pa=("", "")):
    rows = []
    for i, y in enumerate(years):
        rows.append(f"{y},employee,,{emp_scope},{100 + i},{50 * 1.08 ** i:.4f},{40 * 1.09 ** i:.4f},{pa[0]},{pa[1]},0")
        rows.append(f"{y},resident,,,{300 - i},{30 * 1.05 ** i:.4f},{28 * 1.06 ** i:.4f},,,0")
    return rows


def test_national_history_reads_as_published():
    h = C.load_history(NATIONAL)
    assert h["year"].tolist() == [y for y in range(2020, 2025) for _ in range(2)]     # 2019: counts only
    row = h[(h.year == 2021) & (h.scheme == "employee")].iloc[0]
    assert row["income"] == pytest.approx(19003.10e8)                                   # 亿元 -> CNY
    assert row["member_years"] == pytest.approx((34455 + 35431) / 2 * 1e4)              # 万人, mean of year-ends
    assert row["member_years_basis"] == "mean of year-end counts"
    e24 = h[(h.year == 2024) & (h.scheme == "employee")].iloc[0]
    assert e24["income"] == pytest.approx(23732.47e8) and e24["status"] == "final"      # final beats preliminary
    assert h.attrs["scope"]["employee"] == "total including personal accounts"
    assert h.attrs["scope"]["resident"] == "pooled fund"
    assert np.isnan(h.loc[(h.year == 2022) & (h.scheme == "employee"), "balance"]).all()  # blank stays blank


def test_preliminary_fills_the_final_rows_gaps(tmp_path):
    rows = simple_rows()
    assert rows[-2].startswith("2021,employee")
    rows[-2] = "2021,employee,final,,106,,47.0,,,0"               # the final bulletin without income
    rows.append("2021,employee,preliminary,,,61.5,46.0,,,0")       # the 快报 with both
    h = C.load_history(write(tmp_path, rows))
    e = h[(h.year == 2021) & (h.scheme == "employee")].iloc[0]
    assert e["income"] == pytest.approx(61.5e8) and e["spending"] == pytest.approx(47.0e8)
    assert e["status"] == "final, gaps from preliminary"


def test_duplicated_year_is_an_error(tmp_path):
    rows = simple_rows() + ["2021,resident,,,294,40,35,,,0"]
    with pytest.raises(AssumptionError, match="resident 2021 appears twice") as info:
        C.load_history(write(tmp_path, rows))
    assert "h.csv" in str(info.value)


def test_unknown_unit_is_an_error(tmp_path):
    with pytest.raises(AssumptionError, match="unknown money_unit '千元'"):
        C.load_history(write(tmp_path, simple_rows(), header="# money_unit: 千元\n"))


def test_totals_with_personal_accounts_become_the_pooled_fund(tmp_path):
    h = C.load_history(write(tmp_path, simple_rows(emp_scope="total", pa=("10", "8"))))
    e = h[h.scheme == "employee"]
    np.testing.assert_allclose(e["income"], (50 * 1.08 ** np.arange(7) - 10) * 1e8, rtol=1e-6)
    np.testing.assert_allclose(e["spending"], (40 * 1.09 ** np.arange(7) - 8) * 1e8, rtol=1e-6)
    assert h.attrs["scope"]["employee"].startswith("pooled fund")


def test_mixed_scopes_without_personal_accounts_are_an_error(tmp_path):
    rows = simple_rows()
    rows[0] = rows[0].replace("employee,,,", "employee,,total,")
    with pytest.raises(AssumptionError, match="mixed with totals"):
        C.load_history(write(tmp_path, rows))


def test_member_years_need_counts_or_member_years(tmp_path):
    rows = [r.split(",") for r in simple_rows()]
    text = ["year,scheme,income,spending,shock_year"] + [",".join([r[0], r[1], r[5], r[6], r[9]]) for r in rows]
    path = tmp_path / "h.csv"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(AssumptionError, match="neither member-years nor year-end insured counts"):
        C.load_history(path)


def _history(blank=None):
    rng = np.random.default_rng(4)
    rows = []
    for s, drift in (("employee", 0.06), ("resident", 0.05)):
        level = np.log(1000.0) + np.cumsum(drift + rng.normal(0, 0.02, 20))
        for i, y in enumerate(range(2000, 2020)):
            members = 1e5 * 1.01 ** i
            rows.append((y, s, members, np.exp(level[i]) * members * 1.1, np.exp(level[i]) * members, 0.0, 0))
    df = pd.DataFrame(rows, columns=list(C.HISTORY_COLUMNS))
    if blank is not None:
        df.loc[(df.year == blank) & (df.scheme == "resident"), "spending"] = np.nan
    return df


def test_backtest_counts_and_averages_the_same_forecasts():
    full = C.backtest(_history(), horizon=3, min_train=6)
    holed = C.backtest(_history(blank=2012), horizon=3, min_train=6)
    for bt in (full, holed):
        counts = bt.groupby(["variable", "scheme", "horizon"])["forecasts"].nunique()
        assert (counts == 1).all()                       # every method scored on the same targets
        assert np.isfinite(bt["mape"]).all() and np.isfinite(bt["bias"]).all()
    res = lambda bt: bt[(bt.variable == "spending") & (bt.scheme == "resident") & (bt.method == "model")]  # noqa: E731
    # the blank year is no target (one fewer forecast at each horizon), and the forecasts from
    # the origins that would start from it are dropped too, for every method
    assert (res(holed)["forecasts"].to_numpy() < res(full)["forecasts"].to_numpy()).all()
    emp = lambda bt: bt[(bt.variable == "income") & (bt.scheme == "employee")]  # noqa: E731
    pd.testing.assert_frame_equal(emp(full).reset_index(drop=True), emp(holed).reset_index(drop=True))


def test_national_backtest_runs_on_every_method_alike():
    bt = C.backtest(C.load_history(NATIONAL), horizon=3, min_train=2)
    assert set(bt["method"]) == {"model", "last value", "last growth", "average growth"}
    assert (bt.groupby(["variable", "scheme", "horizon"])["forecasts"].nunique() == 1).all()
