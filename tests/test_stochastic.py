"""The Monte Carlo engine: fitted components, reproducibility, zero-shock equality, summaries."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import actuarial
from actuarial import AssumptionError, ProjectionError
from actuarial import uncertainty
from actuarial.mortality import LeeCarter
from actuarial.uncertainty import AR1Params, StochasticModel, draw_deviations, fit_ar1
from actuarial.uncertainty.models import _factor
from conftest import REFERENCE, edit_yaml

# -------------------------------------------------------------------------------- Lee-Carter


@pytest.fixture(scope="module")
def ew_male():
    d = pd.read_csv(REFERENCE / "EWMale_Dxt.csv", index_col="age")
    e = pd.read_csv(REFERENCE / "EWMale_Ext_central.csv", index_col="age")
    mx = (d / e).loc[0:89]
    return xr.DataArray(mx.to_numpy(), coords={"age": mx.index.to_numpy(), "year": mx.columns.astype(int).to_numpy()},
                        dims=("age", "year"))


def test_lee_carter_identification_and_fit(ew_male):
    lc = LeeCarter().fit(ew_male)
    assert float(lc.bx.sum()) == pytest.approx(1.0, abs=1e-12)
    assert float(lc.kt.sum()) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(lc.ax, np.log(ew_male).mean("year"), rtol=1e-12)
    # England & Wales men 1961-2011, ages 0-89: the first component explains most variance
    assert lc.explained_variance > 0.85
    assert lc.drift < 0                                # mortality fell
    fitted = lc.fitted_rates()
    ratio = fitted / ew_male
    assert float(np.abs(np.log(ratio)).median()) < 0.05   # median error under 5%
    sim = lc.simulate(10, 200, seed=3)
    assert float(sim["mx"].min()) > 0 and float(sim["mx"].max()) < 1


def test_simulated_kt_percentiles_match_the_random_walk(ew_male):
    lc = LeeCarter(include_drift_uncertainty=True).fit(ew_male)
    h, draws = 10, 40_000
    sim = lc.simulate(h, draws, seed=11)["kt"]
    central = lc.forecast(h)["kt"].values
    sd = np.sqrt(lc.kt_variance(np.arange(1, h + 1)))
    for q in (0.05, 0.5, 0.95):
        expected = central + stats.norm.ppf(q) * sd
        got = sim.quantile(q, dim="draw").values
        # Monte Carlo error of a quantile is about 1.6 * sd / sqrt(draws) at P5
        np.testing.assert_allclose(got, expected, atol=float(4 * sd.max() / np.sqrt(draws) * 1.7))


def test_lee_carter_needs_enough_years():
    mx = xr.DataArray(np.full((3, 2), 0.01), coords={"age": [0, 1, 2], "year": [2000, 2001]}, dims=("age", "year"))
    with pytest.raises(AssumptionError, match="at least 3 years"):
        LeeCarter().fit(mx)


# ------------------------------------------------------------------------------------- AR(1)


def test_fit_ar1_recovers_parameters_and_ignores_shocks():
    rng = np.random.default_rng(5)
    n, phi, sigma, mean = 400, 0.6, 0.01, 0.03
    y = np.empty(n)
    y[0] = mean
    for t in range(1, n):
        y[t] = mean + phi * (y[t - 1] - mean) + rng.normal(0, sigma)
    shock = np.zeros(n, dtype=int)
    shock[[100, 250]] = 1
    y[[100, 250]] += [-0.2, 0.3]
    p = fit_ar1(y, shock, name="test")
    assert p.phi == pytest.approx(phi, abs=0.1)
    assert p.sigma == pytest.approx(sigma, rel=0.1)
    assert p.mean == pytest.approx(mean, abs=0.005)
    assert p.shock_effects[250] == pytest.approx(0.3, abs=0.03)


def test_history_too_short():
    with pytest.raises(AssumptionError, match="history too short"):
        fit_ar1(np.full(6, 0.03), np.zeros(6, dtype=int), name="medical_inflation")


def _model(phi=0.0, sigma=0.01, corr=None):
    corr = np.eye(4) if corr is None else corr
    ar = {k: AR1Params(phi=phi, sigma=sigma) for k in
          ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate", "enrolment", "employment")}
    lc = LeeCarter(include_drift_uncertainty=False)
    lc.sigma, lc.n_years, lc.step = 0.5, 10, 1.0
    return StochasticModel(ar1=ar, correlation=corr, factor=_factor(corr),
                           lee_carter={"female": lc, "male": lc}, bx_single=np.full((2, 101), 0.01))


def test_ar1_percentiles_match_the_normal_distribution():
    phi, sigma, draws = 0.5, 0.01, 50_000
    dev = draw_deviations(_model(phi, sigma), draws, 6, seed=1)["wage_growth"]
    assert np.all(dev[:, 0] == 0)
    for t in range(1, 6):
        sd = sigma * np.sqrt((1 - phi ** (2 * t)) / (1 - phi ** 2))
        for q in uncertainty.DEFAULT_QUANTILES:
            assert np.quantile(dev[:, t], q) == pytest.approx(stats.norm.ppf(q) * sd, abs=4 * 1.7 * sd / np.sqrt(draws))


def test_correlated_innovations():
    corr = np.array([[1, 0.6, 0.3, 0], [0.6, 1, 0, 0], [0.3, 0, 1, 0.5], [0, 0, 0.5, 1.0]])
    dev = draw_deviations(_model(0.0, 1.0, corr), 20_000, 2, seed=2)
    sample = np.corrcoef([dev[k][:, 1] for k in ("medical_inflation", "utilisation_growth", "wage_growth", "interest_rate")])
    np.testing.assert_allclose(sample, corr, atol=0.03)


def test_streams_are_independent_of_other_sources():
    m = _model(0.3, 0.02)
    every = draw_deviations(m, 50, 5, seed=9)
    some = draw_deviations(m, 50, 5, seed=9, sources=("wage_growth", "enrolment"))
    np.testing.assert_array_equal(every["wage_growth"], some["wage_growth"])
    np.testing.assert_array_equal(every["enrolment"], some["enrolment"])
    assert not some["mortality"].any() and not some["medical_inflation"].any()


def test_first_draws_do_not_depend_on_the_number_of_draws():
    m = _model(0.3, 0.02)
    big = draw_deviations(m, 200, 5, seed=4)
    small = draw_deviations(m, 50, 5, seed=4)
    for k in small:
        np.testing.assert_array_equal(big[k][:50], small[k])


def test_stream_states_found_in_any_order_give_the_chunks_their_numbers():
    """The states at each chunk start, asked for out of order from two threads at once,
    equal the ones found in one pass, and a chunk started there draws exactly the rows of
    the single array of every draw; a start that is not a chunk's gets the default."""
    from concurrent.futures import ThreadPoolExecutor

    from actuarial.uncertainty.sources import StreamStates, stream_states
    m, starts = _model(0.3, 0.02), [0, 7, 30, 31, 64]
    whole = draw_deviations(m, 90, 5, seed=11)
    once = stream_states(11, starts, 5)
    lazy = StreamStates(11, starts, 5)
    with ThreadPoolExecutor(2) as pool:
        found = dict(zip(starts[::-1], pool.map(lazy.get, starts[::-1])))
    assert lazy.get(8) is None and lazy.get(8, "none") == "none"
    for lo, hi in zip(starts, starts[1:] + [90]):
        assert repr(found[lo]) == repr(once[lo])
        part = draw_deviations(m, hi - lo, 5, seed=11, start=lo, states=lazy.get(lo))
        for k in part:
            np.testing.assert_array_equal(part[k], whole[k][lo:hi])


# ------------------------------------------------------------------------------- the engine


@pytest.fixture(scope="module")
def run_small(example):
    return actuarial.project(example, years=6, draws=40, seed=123)


def test_draw_dimension_and_provenance(run_small):
    assert run_small["balance"].dims == ("draw", "year", "scheme")
    assert run_small.sizes["draw"] == 40
    assert run_small.attrs["seed"] == "123" and run_small.attrs["draws"] == 40
    # draws differ after the base year, not in it
    bal = run_small["balance"].sel(scheme="resident")
    assert float(bal.sel(year=2024).std("draw")) == 0
    assert float(bal.sel(year=2030).std("draw")) > 0


def test_same_seed_same_numbers_whatever_the_chunking(example, run_small):
    again = actuarial.project(example, years=6, draws=40, seed=123, chunk=7)
    xr.testing.assert_equal(again.drop_attrs(), run_small.drop_attrs())
    fewer = actuarial.project(example, years=6, draws=15, seed=123)
    xr.testing.assert_equal(fewer.drop_attrs(), run_small.isel(draw=slice(0, 15)).drop_attrs())
    other = actuarial.project(example, years=6, draws=40, seed=124)
    assert not np.allclose(other["balance"], run_small["balance"])


def test_deterministic_equals_zero_shock_stochastic(example):
    """Every number of a zero-shock run equals the deterministic run's to the bit; the population
    by age, kept in float32 for draws (engine.POPULATION_DTYPE), equals it rounded to float32."""
    det = actuarial.project(example, years=8)
    zero = actuarial.project(example, years=8, draws=3, seed=1, sources=())
    assert det["population"].dtype == np.float64 and zero["population"].dtype == np.float32
    for name, var in det.data_vars.items():
        want = var.values.astype(zero[name].dtype)
        for d in range(3):
            np.testing.assert_array_equal(zero[name].isel(draw=d).values, want, err_msg=name)


def test_identities_hold_in_every_draw(run_small):
    from actuarial.testing import money_residual, population_residual
    assert float(np.abs(population_residual(run_small)).max()) < 1e-9
    for resid in money_residual(run_small).values():
        assert float(np.abs(resid).max()) < 1e-9


def test_one_source_at_a_time_moves_its_own_variable(example):
    ds = actuarial.project(example, years=5, draws=20, seed=3, sources=("wage_growth",))
    assert float(ds["contribution_base"].isel(year=-1).std("draw")) > 0
    spread = lambda x: float((x.max("draw") - x.min("draw")).max())  # noqa: E731
    assert spread(ds["trend_index"]) == 0
    assert spread(ds["deaths"]) == 0
    ds = actuarial.project(example, years=5, draws=20, seed=3, sources=("mortality",))
    assert float(ds["deaths"].sum("sex").isel(year=-1).std("draw")) > 0
    assert spread(ds["contribution_base"]) == 0


def test_bad_draws_and_sources(example):
    with pytest.raises(ProjectionError, match="draws"):
        actuarial.project(example, years=3, draws=0, seed=1)
    with pytest.raises(ProjectionError, match="unknown source"):
        actuarial.project(example, years=3, draws=2, seed=1, sources=("weather",))


# ------------------------------------------------------------------------- bad settings


def test_negative_variance_is_rejected(copy):
    edit_yaml(copy, lambda d: d["uncertainty"]["wage_growth"].update(sigma=-0.01))
    with pytest.raises(AssumptionError, match="negative standard deviation"):
        actuarial.load_assumptions(copy)


def test_correlation_not_positive_semidefinite(copy):
    bad = [[1, 0.9, 0.9, 0], [0.9, 1, -0.9, 0], [0.9, -0.9, 1, 0], [0, 0, 0, 1]]
    edit_yaml(copy, lambda d: d["uncertainty"]["correlation"].update(matrix=bad))
    with pytest.raises(AssumptionError, match="not positive semi-definite") as info:
        actuarial.load_assumptions(copy)
    assert "uncertainty.correlation.matrix" in str(info.value)


def test_short_cost_history(copy):
    path = copy / "cost_history.csv"
    pd.read_csv(path).tail(6).to_csv(path, index=False)
    a = actuarial.load_assumptions(copy)
    with pytest.raises(AssumptionError, match="history too short") as info:
        actuarial.project(a, years=3, draws=2, seed=1)
    assert "cost_history.csv" in str(info.value)


def test_no_uncertainty_section(tmp_path):
    from actuarial.testing import write_assumption_set
    a = actuarial.load_assumptions(write_assumption_set(tmp_path, population={("active", "male", 30): 10.0}))
    with pytest.raises(AssumptionError, match="no 'uncertainty' section"):
        actuarial.project(a, years=2, draws=3, seed=1)


# ------------------------------------------------------------------------------- summaries


def test_quantiles_and_probabilities_match_direct_counts(run_small):
    rm = run_small["reserve_months"]
    q = uncertainty.quantiles(rm)
    assert q["quantile"].values.tolist() == list(uncertainty.DEFAULT_QUANTILES)
    np.testing.assert_allclose(q.sel(quantile=0.5), rm.median("draw"))
    p = uncertainty.probability(rm, below=6)
    direct = (rm.values < 6).sum(axis=0) / rm.sizes["draw"]
    np.testing.assert_array_equal(p.values, direct)
    assert "below 6" in p.attrs["long_name"]


def test_probability_without_draws_is_the_indicator(example_projection):
    # replaces a check that the values lie in {0, 1}, which held whatever was computed
    rm = example_projection["reserve_months"]
    p = uncertainty.probability(rm, below=6)
    np.testing.assert_array_equal(p.values, (rm.values < 6).astype(float))
    line = float(rm.isel(year=3, scheme=0))                   # a value exactly on the line is not below it
    assert float(uncertainty.probability(rm, below=line).isel(year=3, scheme=0)) == 0.0
    assert float(uncertainty.probability(rm, above=line - 1e-9).isel(year=3, scheme=0)) == 1.0


def test_depletion_distribution_adds_up(run_small):
    dist = uncertainty.depletion_distribution(run_small)
    total = dist["probability"].sum("year") + dist["never"]
    np.testing.assert_allclose(total, 1.0)
    dy = run_small["depletion_year"].sel(scheme="resident")
    assert float(dist["never"].sel(scheme="resident")) == pytest.approx(float(dy.isnull().mean()))


def test_totals_only_run_matches_the_full_run(example, run_small):
    light = actuarial.project(example, years=6, draws=40, seed=123, keep_population=False)
    assert "population" not in light and "age" not in light.dims
    for name in light.data_vars:
        xr.testing.assert_equal(light[name].drop_attrs(), run_small[name].drop_attrs())
    # the population by age of draws is float32 (engine.POPULATION_DTYPE): its sums hold to 1e-6
    assert run_small["population"].dtype == np.float32
    np.testing.assert_allclose(run_small["population"].sum("age"), light["population_total"], rtol=1e-6)
