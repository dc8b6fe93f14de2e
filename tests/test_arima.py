"""Cost-trend ARIMA: the published Stata result on the wholesale price index, order selection,
shock dummies, the near-unit-root warning, the deviation simulator, and the engine wiring."""

import warnings

import numpy as np
import pandas as pd
import pytest

import actuarial
from actuarial import AssumptionError
from actuarial.uncertainty import AR1Params, fit
from actuarial.uncertainty.arima import ArimaFit, NearUnitRootWarning, fit_arima, simulate_deviation
from conftest import REFERENCE, edit_yaml


@pytest.fixture(scope="module")
def wpi():
    return pd.read_csv(REFERENCE / "wpi1.csv")["wpi"].to_numpy()


def test_wpi_arima_111_matches_stata(wpi):
    # Stata Time-Series Reference Manual, [TS] arima, example 1: arima wpi, arima(1,1,1)
    # (US wholesale price index 1960q1-1990q4; the data and Stata's numbers as kept in
    # statsmodels' test results, results_sarimax.wpi1_stationary)
    f = fit_arima(wpi, order=(1, 1, 1))
    assert f.order == (1, 1, 1) and f.trend == "t"
    assert f.ar[0] == pytest.approx(0.8742288, abs=5e-5)
    assert f.ma[0] == pytest.approx(-0.4120458, abs=5e-5)
    assert f.mean == pytest.approx(0.7498197, abs=5e-5)       # _cons: the drift of D.wpi
    assert f.sigma == pytest.approx(0.7250436, abs=5e-5)
    assert f.loglik == pytest.approx(-135.35131, abs=1e-4)
    assert f.aic == pytest.approx(278.7026, abs=1e-3)
    assert f.bic == pytest.approx(289.9514, abs=1e-3)
    assert f.nobs == 124


def test_selection_takes_the_smallest_aic(wpi):
    f = fit_arima(wpi)
    assert f.order[1] == 1                                   # the level is not stationary (KPSS)
    assert len(f.candidates) == 9
    assert f.aic == min(f.candidates.values())
    assert f.order == (1, 1, 1)


def test_shock_dummies_are_estimated_not_read_as_noise():
    rng = np.random.default_rng(7)
    n, phi, theta = 300, 0.5, 0.4
    e = rng.normal(0, 0.01, n + 1)
    y = np.empty(n)
    prev = 0.0
    for t in range(n):
        prev = phi * prev + e[t + 1] + theta * e[t]
        y[t] = 0.05 + prev
    shock = np.zeros(n, dtype=int)
    shock[[50, 200]] = 1
    y[[50, 200]] += [-0.1, 0.08]
    f = fit_arima(y, order=(1, 0, 1), shock=shock)
    assert f.shock_effects[50] == pytest.approx(-0.1, abs=0.02)
    assert f.shock_effects[200] == pytest.approx(0.08, abs=0.02)
    assert f.ar[0] == pytest.approx(phi, abs=0.15) and f.ma[0] == pytest.approx(theta, abs=0.15)
    assert f.mean == pytest.approx(0.05, abs=0.005)


def test_near_unit_root_warns_and_does_not_clip():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(0, 1, 400))
    with pytest.warns(NearUnitRootWarning, match="root near the unit circle"):
        f = fit_arima(y, order=(1, 0, 0))
    assert f.max_root > 0.98 and f.ar[0] == f.max_root


def test_bad_order_and_short_history():
    with pytest.raises(AssumptionError, match="order"):
        fit_arima(np.arange(20.0), order=(1, 3, 0))
    with pytest.raises(AssumptionError, match="history too short"):
        fit_arima(np.arange(6.0), order=(1, 0, 0))


def test_ar1_deviation_is_the_engine_recurrence():
    z = np.random.default_rng(1).standard_normal((5, 8))
    p = AR1Params(phi=0.6, sigma=0.02)
    expected = np.zeros_like(z)
    for t in range(1, 8):
        expected[:, t] = 0.6 * expected[:, t - 1] + 0.02 * z[:, t]
    np.testing.assert_array_equal(simulate_deviation(z, p), expected)
    as_arima = ArimaFit(order=(1, 0, 0), ar=(0.6,), sigma=0.02)
    np.testing.assert_allclose(simulate_deviation(z, as_arima), expected, rtol=1e-14)


@pytest.mark.parametrize("d", [0, 1])
def test_arma_deviation_variance(d):
    phi, theta, sigma, draws, years = 0.5, 0.4, 0.01, 40_000, 6
    p = ArimaFit(order=(1, d, 1), ar=(phi,), ma=(theta,), sigma=sigma)
    dev = simulate_deviation(np.random.default_rng(5).standard_normal((draws, years)), p)
    assert np.all(dev[:, 0] == 0)
    psi = np.r_[1.0, (phi + theta) * phi ** np.arange(years)]          # MA(infinity) weights
    if d == 1:
        psi = np.cumsum(psi)                                           # weights of the running sum
    for t in range(1, years):
        var = sigma ** 2 * np.sum(psi[:t] ** 2)
        sd_of_var = var * np.sqrt(2 / draws)
        assert dev[:, t].var() == pytest.approx(var, abs=5 * sd_of_var)


def test_engine_fits_a_chosen_order(copy):
    edit_yaml(copy, lambda d: d["uncertainty"]["medical_inflation"].update(order=[0, 1, 1]))
    a = actuarial.load_assumptions(copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NearUnitRootWarning)
        model = fit(a)
    assert model.ar1["medical_inflation"].order == (0, 1, 1)
    ds = actuarial.project(a, years=4, draws=30, seed=2, sources=("medical_inflation",))
    assert float(ds["trend_index"].isel(year=-1).std("draw")) > 0


def test_order_needs_a_fit_to_history(copy):
    def change(d):
        d["uncertainty"]["wage_growth"].update(fit_to_history=False, order=[1, 0, 0])
    edit_yaml(copy, change)
    with pytest.raises(AssumptionError, match="fit_to_history"):
        actuarial.load_assumptions(copy)
