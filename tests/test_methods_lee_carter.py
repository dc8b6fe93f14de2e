"""Lee-Carter against the published results of the reference packages (R vital on Norway,
StMoMo on England & Wales males), plus the identities each estimation method must satisfy."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from actuarial import AssumptionError
from actuarial.mortality import LeeCarter
from conftest import REFERENCE, norway

VITAL = json.loads((REFERENCE / "published" / "vital_norway_lee_carter.json").read_text())


def signif(x, digits):
    """Round to ``digits`` significant digits, as R's pillar prints."""
    return np.array([float(f"{v:.{digits}g}") for v in np.atleast_1d(x)])


def _collapse(df, top=100):
    """Ages >= top summed into an open group (deaths and population summed, the rate recomputed)."""
    old = df[df.Age >= top].groupby("Year")[["Population", "Deaths"]].sum().reset_index()
    old["Age"], old["Mortality"] = top, old.Deaths / old.Population
    return pd.concat([df[df.Age < top], old]).sort_values(["Year", "Age"])


def _grids(df):
    def grid(col):
        return xr.DataArray.from_series(df.set_index(["Age", "Year"])[col]).rename(Age="age", Year="year")
    return grid("Mortality"), grid("Deaths"), grid("Population")


@pytest.fixture(scope="module")
def female():
    df = norway()
    return df[df.Sex == "Female"]


@pytest.fixture(scope="module")
def readme_fit(female):
    m, d, p = _grids(_collapse(female))
    return LeeCarter(adjust="dt", jump_off="fit", zeros="log_zero_as_zero").fit(m, deaths=d, exposure=p)


def test_vital_readme_parameters(readme_fit):
    pub = VITAL["A_readme_female_collapsed100_1900_2023_adjust_dt_jump_fit"]
    lc = readme_fit
    np.testing.assert_array_equal(signif(lc.ax.values[:10], 3), pub["ax_age0_9"])
    np.testing.assert_array_equal(signif(lc.bx.values[:10], 3), pub["bx_age0_9"])
    np.testing.assert_array_equal(signif(lc.kt.values[:10], 3), pub["kt_adjusted_1900_1909"])
    assert round(lc.explained_variance * 100, 2) == pub["variance_explained_pct"]


def test_vital_readme_forecast_of_age_0(readme_fit):
    pub = VITAL["A_readme_female_collapsed100_1900_2023_adjust_dt_jump_fit"]["forecast_age0_2024_2033"]
    fc = readme_fit.forecast(10, point="mean").sel(age=0)
    assert fc["year"].values.tolist() == list(range(2024, 2034))
    np.testing.assert_array_equal(signif(fc["log_mx"].values, 2), pub["log_mean_printed"])
    np.testing.assert_array_equal(signif(fc["log_mx_var"].values, 2), signif(pub["log_variance_printed"], 2))
    np.testing.assert_array_equal(signif(fc["mx"].values, 3), pub["mean_rate_printed"])
    # the median is exp(mu), below the mean by the factor (1 + v/2)
    med = readme_fit.forecast(10).sel(age=0)
    np.testing.assert_allclose(fc["mx"] / med["mx"], 1 + fc["log_mx_var"] / 2, rtol=1e-12)


def test_vital_reference_page_full_ages(female):
    pub = VITAL["B_refman_female_full_ages0_110_adjust_dt"]
    m, d, p = _grids(female)
    lc = LeeCarter(adjust="dt", zeros="log_zero_as_zero").fit(m, deaths=d, exposure=p)
    np.testing.assert_array_equal(signif(lc.ax.values[:5], 3), pub["ax_age0_4"])
    np.testing.assert_array_equal(signif(lc.bx.values[:5], 3), pub["bx_age0_4"])
    np.testing.assert_array_equal(signif(lc.kt.values[:5], 3), pub["kt_adjusted_1900_1904"])
    assert round(lc.explained_variance * 100, 2) == pub["variance_explained_pct"]


def test_vital_unit_test_dxt_actual_jump_off(female):
    pub = VITAL["C_unit_test_female_2001_2023_full_ages_adjust_dxt_jump_actual"]
    m, d, p = _grids(female[female.Year > 2000])
    lc = LeeCarter(adjust="dxt", jump_off="actual", zeros="log_zero_as_zero").fit(m, deaths=d, exposure=p)
    got = float(lc.forecast(1, point="mean")["mx"].sel(age=0, year=2024))
    assert got == pytest.approx(pub["expected_mean_female_age0_2024"], rel=1e-5)
    # an intermediate (not printed by vital; its GLM stops at a looser tolerance)
    assert lc.drift == pytest.approx(pub["intermediates_reproduced_here"]["drift"], abs=1e-4)
    # jump-off from the actual rates: the first forecast step moves the last observed log rate
    # by b_x times the drift
    log0 = np.log(float(m.sel(age=0, year=2023)))
    step = float(lc.forecast(1)["log_mx"].sel(age=0, year=2024))
    assert step == pytest.approx(log0 + float(lc.bx.sel(age=0)) * lc.drift, rel=1e-12)


def test_adjust_dt_matches_total_deaths_each_year(female):
    m, d, p = _grids(_collapse(female[female.Year >= 1990]))
    lc = LeeCarter(adjust="dt", zeros="geometric_mean").fit(m, deaths=d, exposure=p)
    fitted = (lc.fitted_rates() * p).sum("age")
    np.testing.assert_allclose(fitted.values, d.sum("age").values, rtol=1e-10)


def test_adjust_e0_matches_life_expectancy_each_year(female):
    from actuarial.lifetable import life_table
    m, d, p = _grids(_collapse(female[female.Year >= 1990]))
    lc = LeeCarter(adjust="e0", zeros="geometric_mean", sex="female").fit(m)
    e0_fit = life_table(lc.fitted_rates().transpose("year", "age"), sex="female")["ex"].sel(age=0)
    rates = m.where(m > 0, np.exp(np.log(m.where(m > 0)).mean("year")))
    e0_obs = life_table(rates.transpose("year", "age"), sex="female")["ex"].sel(age=0)
    np.testing.assert_allclose(e0_fit.values, e0_obs.values, atol=1e-8)


def test_zero_rates_need_a_rule(female):
    m, _, _ = _grids(female[female.Year > 2000])
    with pytest.raises(AssumptionError, match="zero"):
        LeeCarter().fit(m)
    with pytest.raises(AssumptionError, match="unknown"):
        LeeCarter(zeros="drop")


def test_defaults_are_the_plain_svd(female):
    m, _, _ = _grids(_collapse(female[(female.Year >= 1950) & (female.Year < 1984)]))
    m = m.sel(age=slice(0, 90))   # positive rates only
    lc = LeeCarter().fit(m)
    log_m = np.log(m.values)
    centred = log_m - log_m.mean(axis=1, keepdims=True)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(lc.bx.values, u[:, 0] / u[:, 0].sum(), rtol=1e-10)
    np.testing.assert_allclose(lc.kt.values, s[0] * vt[0] * u[:, 0].sum(), rtol=1e-8, atol=1e-9)
    assert lc.loglik is None


# ------------------------------------------------------------------ maximum likelihood (StMoMo)


@pytest.fixture(scope="module")
def ew():
    def grid(name):
        x = pd.read_csv(REFERENCE / name, index_col="age").loc[55:89]
        return xr.DataArray(x.to_numpy(), dims=("age", "year"),
                            coords={"age": x.index.to_numpy(), "year": x.columns.astype(int).to_numpy()})
    d, e = grid("EWMale_Dxt.csv"), grid("EWMale_Ext_central.csv")
    cohort = d.year - d.age
    first, last = int(cohort.min()), int(cohort.max())
    clipped = (cohort < first + 3) | (cohort > last - 3)          # StMoMo genWeightMat(clip = 3)
    return d, e, xr.where(clipped, 0.0, 1.0).transpose("age", "year")


def test_stmomo_vignette_table_2_logit_lee_carter(ew):
    d, e, w = ew
    lc = LeeCarter(method="logit").fit(deaths=d, exposure=e + 0.5 * d, weights=w)   # central2initial
    # StMoMo vignette Table 2, LC column: 119 parameters, AIC 29866, BIC 30518 (integers)
    assert lc.npar == 119
    assert round(lc.aic) == 29866
    assert round(lc.bic) == 30518
    assert lc.nobs == 35 * 51 - 12
    assert lc.aic == pytest.approx(2 * lc.npar - 2 * lc.loglik)


def test_poisson_lee_carter_solves_its_score_equations(ew):
    d, e, w = ew
    lc = LeeCarter(method="poisson").fit(deaths=d, exposure=e, weights=w)
    fitted = lc.fitted_rates() * e
    resid = (d - fitted) * w
    # the likelihood equations of a_x, k_t and b_x (Brouhns et al. 2002)
    assert float(np.abs(resid.sum("year")).max()) < 1e-3
    assert float(np.abs((resid * lc.bx).sum("age")).max()) < 1e-3
    assert float(np.abs((resid * lc.kt).sum("year")).max()) < 1e-2
    assert float(lc.bx.sum()) == pytest.approx(1.0) and float(lc.kt.sum()) == pytest.approx(0.0, abs=1e-8)
    # the maximum beats the SVD estimates in the same likelihood
    from actuarial import lee_carter_fit as est
    svd = LeeCarter().fit(d / e)
    assert lc.loglik > est.loglik("poisson", d.values, e.values, svd.ax.values, svd.bx.values,
                                  svd.kt.values, w.values)


def test_likelihood_fit_drives_the_random_walk(ew):
    d, e, w = ew
    lc = LeeCarter(method="poisson").fit(deaths=d, exposure=e, weights=w)
    dk = np.diff(lc.kt.values)
    assert lc.drift == pytest.approx(dk.mean()) and lc.sigma == pytest.approx(dk.std(ddof=1))
    assert lc.kt_deviation(np.ones((2, 3)), np.zeros(2)).shape == (2, 3)


# --------------------------------------------------------------------------- engine wiring


@pytest.mark.parametrize("settings", [{"method": "poisson"}, {"adjust": "dt"}])
def test_engine_fits_the_chosen_lee_carter(copy, settings):
    import actuarial
    from actuarial.uncertainty import fit
    from conftest import edit_yaml
    hist = pd.read_csv(copy / "mortality_history.csv")
    hist["exposure"] = 1e5 * np.exp(-hist["age"] / 40.0)           # person-years (synthetic)
    hist["deaths"] = (hist["mx"] * hist["exposure"]).round()
    hist[["time", "sex", "age", "deaths", "exposure"]].to_csv(copy / "deaths_history.csv", index=False)
    edit_yaml(copy, lambda d: d["uncertainty"]["mortality"].update(deaths_history="deaths_history.csv", **settings))
    a = actuarial.load_assumptions(copy)
    lc = fit(a).lee_carter["female"]
    assert lc.method == settings.get("method", "svd") and lc.adjust == settings.get("adjust")
    if lc.method == "poisson":
        assert lc.aic == pytest.approx(2 * lc.npar - 2 * lc.loglik)
    ds = actuarial.project(a, years=3, draws=10, seed=1, sources=("mortality",))
    assert float(ds["deaths"].sum("sex").isel(year=-1).std("draw")) > 0


def test_likelihood_method_without_deaths_is_refused(copy):
    import actuarial
    from conftest import edit_yaml
    edit_yaml(copy, lambda d: d["uncertainty"]["mortality"].update(method="poisson"))
    with pytest.raises(AssumptionError, match="deaths_history"):
        actuarial.load_assumptions(copy)
