"""A one-year case small enough to compute by hand matches the engine exactly."""

import numpy as np
import pytest

import actuarial
from actuarial.testing import write_assumption_set

POP = {("active", "male", 30): 1000.0, ("retired", "male", 70): 500.0,
       ("resident", "female", 30): 2000.0, ("resident", "male", 5): 300.0}


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = write_assumption_set(tmp_path_factory.mktemp("hand"), population=POP)
    return actuarial.project(actuarial.load_assumptions(folder), years=1)


def test_population_after_one_year_by_hand(hand):
    m = 0.01
    q = m / (1 + 0.5 * m)
    p = 1 - q
    a0 = {"female": 0.14903 - 2.05527 * m, "male": 0.14929 - 1.99545 * m}   # Andreev-Kingkade
    q0 = {s: m / (1 + (1 - a0[s]) * m) for s in a0}
    bs = {s: 1 - q0[s] + a0[s] * q0[s] for s in a0}                         # L0 / l0
    end = hand["population"].sel(year=2025)
    assert end.sel(status="active", sex="male", age=31) == pytest.approx(1000 * p, rel=1e-12)
    assert end.sel(status="retired", sex="male", age=71) == pytest.approx(500 * p, rel=1e-12)
    assert end.sel(status="resident", sex="female", age=31) == pytest.approx(2000 * p, rel=1e-12)
    assert end.sel(status="resident", sex="male", age=6) == pytest.approx(300 * p, rel=1e-12)
    # births: f_30 = 1, women-years at 30 = (2000 + 0) / 2; sex ratio 1
    births = hand["births"].sel(year=2024)
    np.testing.assert_allclose(births.values, [500.0, 500.0], rtol=1e-12)
    for sex in ("female", "male"):
        assert end.sel(status="resident", sex=sex, age=0) == pytest.approx(500 * bs[sex], rel=1e-12)
    assert float(end.sum()) == pytest.approx(3800 * p + 500 * (bs["female"] + bs["male"]), rel=1e-12)
    deaths = hand["deaths"].sel(year=2024)
    assert deaths.sel(sex="female") == pytest.approx(2500 - 2000 * p - 500 * bs["female"], rel=1e-10)
    assert deaths.sel(sex="male") == pytest.approx(2300 - 1800 * p - 500 * bs["male"], rel=1e-10)


def test_money_of_the_first_year_by_hand(hand):
    m = 0.01
    p = 1 - m / (1 + 0.5 * m)
    a0 = {"female": 0.14903 - 2.05527 * m, "male": 0.14929 - 1.99545 * m}
    bs = {s: 1 - (1 - a0[s]) * m / (1 + (1 - a0[s]) * m) for s in a0}
    active = (1000 + 1000 * p) / 2
    retired = (500 + 500 * p) / 2
    enrolled = 1000 + 1000 * p + 150 + 150 * p + 250 * (bs["female"] + bs["male"])
    employer, employee = active * 10000 * 0.06, active * 10000 * 0.02
    credits = employee + retired * 500                        # after the 2023 reform
    pooled_income = employer + employee - credits
    pooled_spending = (active + retired) * (1000 * 0.8 + 500 * 0.5)
    res_income = enrolled * 900
    res_spending = enrolled * (1000 * 0.7 + 500 * 0.5 + 50)
    y = hand.sel(year=2024, scheme=["employee", "resident"])
    np.testing.assert_allclose(y["income"].values, [pooled_income, res_income], rtol=1e-12)
    np.testing.assert_allclose(y["spending"].values, [pooled_spending, res_spending], rtol=1e-12)
    np.testing.assert_allclose(y["balance"].values,
                               [1e6 * 1.02 + pooled_income - pooled_spending,
                                5e5 * 1.02 + res_income - res_spending], rtol=1e-12)
    pa_spend = 0.5 * (200_000 + credits)
    assert float(y["ledger_spending"].sel(ledger="personal_accounts")) == pytest.approx(pa_spend, rel=1e-12)
    assert float(y["ledger_balance"].sel(ledger="personal_accounts")) == pytest.approx(
        200_000 * 1.02 + credits - pa_spend, rel=1e-12)
    assert float(y["dependency_ratio"]) == pytest.approx(2.0)
    bal = 1e6 * 1.02 + pooled_income - pooled_spending
    assert float(y["reserve_months"].sel(scheme="employee")) == pytest.approx(bal / (pooled_spending / 12))
    assert float(y["surplus_rate"].sel(scheme="resident")) == pytest.approx((900 - 1000) / 900)
