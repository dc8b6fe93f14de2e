"""Budget execution and the outturn nowcast, on hand-made ledgers and on the example city."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from actuarial import AssumptionError
from actuarial.operations import (LINES, backtest, backtest_summary, execution, forecast_series, load_ledger,
                                  outturn)
from conftest import EXAMPLE


def small_ledger(last="2023-03", special=None):
    """Every line moves a flat amount each month (120 CNY; -12 for personal accounts) from 2019
    to ``last``; ``special(line, month) -> amount`` overrides."""
    rows = []
    for (scheme, flow), lines in LINES.items():
        for line in lines:
            for month in pd.period_range("2019-01", last, freq="M"):
                amount = -12.0 if line == "to_personal_accounts" else 120.0
                if special is not None:
                    amount = special(scheme, line, month, amount)
                rows.append(("city", scheme, month.year, month, flow, line, amount))
    return pd.DataFrame(rows, columns=["region", "scheme", "fund_year", "month", "flow", "line", "amount"])


def small_budget(year=2023, amount=1200.0):
    rows = [("city", s, year, f, line, -amount / 10 if line == "to_personal_accounts" else amount)
            for (s, f), lines in LINES.items() for line in lines]
    return pd.DataFrame(rows, columns=["region", "scheme", "fund_year", "flow", "line", "budget"])


def test_execution_by_hand():
    t = execution(small_ledger(), small_budget(), "2023-03").set_index(["scheme", "flow", "line"])
    r = t.loc[("employee", "income", "employer")]
    assert r["ytd"] == 360 and r["budget"] == 1200
    assert r["execution"] == pytest.approx(0.30)
    assert r["time_progress"] == pytest.approx(0.25)
    assert r["gap_points"] == pytest.approx(5.0)
    assert r["gap_cny"] == pytest.approx(60.0)
    assert r["seasonal_progress"] == pytest.approx(0.25)     # flat past years
    tot = t.loc[("resident", "spending", "total")]            # three lines
    assert tot["ytd"] == 3 * 360 and tot["budget"] == 3 * 1200
    pa = t.loc[("employee", "income", "to_personal_accounts")]
    assert pa["ytd"] == -36 and pa["execution"] == pytest.approx(0.30)


def test_execution_against_a_month_without_budget_is_an_error():
    with pytest.raises(AssumptionError, match="no budget"):
        execution(small_ledger(), small_budget(year=2022), "2023-03")
    with pytest.raises(AssumptionError, match="outside the ledger"):
        execution(small_ledger(), small_budget(), "2023-07")


def test_nowcast_is_exact_when_every_year_has_the_same_profile():
    out = outturn(small_ledger(), "2023-03").set_index(["scheme", "flow", "line"])
    r = out.loc[("employee", "income", "employer")]
    assert r["outturn"] == pytest.approx(1440) and r["naive"] == pytest.approx(1440)
    assert r["lower"] == pytest.approx(1440) and r["upper"] == pytest.approx(1440)
    assert out.loc[("resident", "spending", "total"), "outturn"] == pytest.approx(3 * 1440)


def test_nowcast_mean_and_interval_by_hand():
    rng = np.random.default_rng(3)
    years = range(2015, 2024)
    values = np.exp(rng.normal(0, 0.1, (len(years), 12))) * 100
    series = pd.DataFrame(values, index=list(years), columns=range(1, 13))
    f = forecast_series(series, 2023, 4, shock_years=(2018,))
    past = series.loc[[y for y in range(2015, 2023) if y != 2018]]
    r = np.log(past.sum(axis=1) / past.loc[:, 1:4].sum(axis=1))
    n = r.size
    assert f["years_fitted"] == n and f["method"] == "share"
    assert f["mu"] == pytest.approx(r.mean())
    assert f["se"] == pytest.approx(r.std(ddof=1) * np.sqrt(1 + 1 / n))
    ytd = series.loc[2023, 1:4].sum()
    assert f["naive"] == pytest.approx(ytd * past.loc[2022].sum() / past.loc[2022, 1:4].sum())
    t = stats.t.ppf(0.95, n - 1)
    assert f["base"] * np.exp(f["mu"] + t * f["se"]) > ytd * np.exp(r.mean())
    for month in (0, 13):                       # one check, shared by the forecast of a series and of a ledger
        with pytest.raises(AssumptionError, match=f"month of forecast {month} is not 1..12"):
            forecast_series(series, 2023, month)


def test_a_line_that_has_not_started_is_forecast_from_growth():
    led = small_ledger(special=lambda s, line, m, a: (a * 4 if m.month == 6 else 0.0) if line == "subsidy" else a)
    r = outturn(led, "2023-03").set_index(["scheme", "flow", "line"]).loc[("resident", "income", "subsidy")]
    assert r["method"] == "growth" and r["ytd"] == 0
    assert r["outturn"] == pytest.approx(480)                # no growth in the past years


@pytest.fixture(scope="module")
def example_backtest():
    return backtest(load_ledger(EXAMPLE / "monthly_fund.csv"), range(2019, 2025), shock_years=(2020, 2023))


@pytest.mark.xdist_group("backtest")   # shares a module fixture: one worker builds it
def test_nowcast_beats_the_naive_rule_on_average(example_backtest):
    summary = backtest_summary(example_backtest)
    assert summary.loc["all", "mape_model"] < summary.loc["all", "mape_naive"]
    assert summary.loc["all", "model_closer"] > 0.5
    assert len(example_backtest) == 6 * 11 * 4               # years x months x (scheme, flow)
    # the interval's coverage is reported as measured, near its nominal 80% in ordinary years
    ordinary = backtest_summary(example_backtest[~example_backtest["fund_year"].isin([2020, 2023])])
    assert 0.6 <= ordinary.loc["all", "interval_coverage"] <= 1.0


@pytest.mark.xdist_group("backtest")   # shares a module fixture: one worker builds it
def test_late_months_are_forecast_better_than_early_ones(example_backtest):
    s = backtest_summary(example_backtest)
    assert s.loc[11, "mape_model"] < s.loc[1, "mape_model"]


def test_monthly_indicators_by_hand():
    from actuarial.operations.monthly_indicators import monthly_indicators

    led = small_ledger()
    history = pd.DataFrame({"year": [2022, 2022], "scheme": ["employee", "resident"],
                            "member_years": [100.0, 200.0], "balance": [5000.0, 9000.0]})
    ind = monthly_indicators(led, history, small_budget(), ["2023-02", "2023-03"]).sel(period="2023-03")
    emp = ind.sel(scheme="employee")
    # employee income per month: 120 per source (employer, employee, flexible, large-amount premium) - 12
    # = 468; spending 120 a line
    n_in = sum(1 for line in LINES[("employee", "income")] if line != "to_personal_accounts")
    n_out = len(LINES[("employee", "spending")])
    assert n_in == 4
    inc, out = 120 * n_in - 12, 120 * n_out
    assert float(emp["ytd_income"]) == 3 * inc and float(emp["ytd_spending"]) == 3 * out
    assert float(emp["balance"]) == 5000 + 3 * (inc - out)
    assert float(emp["reserve_months"]) == pytest.approx((5000 + 3 * (inc - out)) / out)
    assert float(emp["surplus_rate"]) == pytest.approx((12 * inc - 12 * out) / (12 * inc))
    assert float(emp["growth_gap"]) == pytest.approx(0.0)
    assert float(emp["spending_progress_gap"]) == pytest.approx(3 * out / (1200 * n_out) - 0.25)
    budget_income = 1200 * n_in - 120
    assert float(emp["collection_pace"]) == pytest.approx(3 * inc / (budget_income * 0.25))


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), month=st.integers(1, 12))
def test_execution_identities_on_random_ledgers(seed, month):
    rng = np.random.default_rng(seed)
    led = small_ledger(last="2023-12", special=lambda s, line, m, a: a * float(rng.uniform(0.2, 3.0)))
    budget = small_budget(amount=float(rng.uniform(500, 5000)))
    t = execution(led, budget, f"2023-{month:02d}")
    np.testing.assert_allclose(t["execution"] * t["budget"], t["ytd"], rtol=1e-12)
    np.testing.assert_allclose(t["gap_cny"], t["ytd"] - t["budget"] * month / 12, rtol=1e-12, atol=1e-9)
    for (scheme, flow), part in t.groupby(["scheme", "flow"]):
        lines = part[part["line"] != "total"]
        total = part[part["line"] == "total"].iloc[0]
        assert total["ytd"] == pytest.approx(lines["ytd"].sum())
        assert total["budget"] == pytest.approx(lines["budget"].sum())
        sel = led[(led.scheme == scheme) & (led.flow == flow) & (led.fund_year == 2023)
                  & (led.month <= pd.Period(f"2023-{month:02d}", "M"))]
        assert total["ytd"] == pytest.approx(sel["amount"].sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 12), trend=st.booleans())
def test_the_closed_form_ols_is_statsmodels_ols(seed, n, trend):
    """The nowcast's regression (mean and standard error of a new observation) against
    statsmodels' OLS and get_prediction on random histories."""
    import statsmodels.api as sm

    from actuarial.operations.nowcast import _predict

    if trend and n < 4:
        n = 4
    rng = np.random.default_rng(seed)
    years = np.sort(rng.choice(np.arange(2000, 2024), size=n, replace=False))
    y = pd.Series(rng.normal(0.3, 0.05, n) + (0.01 * (years - 2000) if trend else 0.0), index=years)
    X = np.column_stack([np.ones(n), years - 2024.0]) if trend else np.ones((n, 1))
    fit = sm.OLS(y.to_numpy(), X).fit()
    pred = fit.get_prediction(np.array([[1.0, 0.0]]) if trend else np.array([[1.0]]))
    mean, se, df = _predict(y, trend, 2024)
    assert mean == pytest.approx(float(pred.predicted_mean[0]), rel=1e-10, abs=1e-12)
    assert se == pytest.approx(float(np.sqrt(pred.se_mean[0] ** 2 + fit.scale)), rel=1e-9)
    assert df == int(fit.df_resid)
