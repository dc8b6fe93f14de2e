"""Life tables: hand-computed values, invariants, real data (Norway, UN WPP China), R vital's
published tables, conventions by name."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from actuarial.demography import single_year_mx
from actuarial import AssumptionError
from actuarial.lifetable import a0_andreev_kingkade, a0_coale_demeny, life_table, survival_ratios
from conftest import EXAMPLE, REFERENCE, norway


def test_three_age_table_by_hand():
    # ages 0, 1, 2+ ; a0 given as 0.1
    m = np.array([0.02, 0.01, 0.5])
    lt = life_table(m, [0, 1, 2], a0=0.1, radix=1000)
    q0 = 0.02 / (1 + 0.9 * 0.02)
    q1 = 0.01 / (1 + 0.5 * 0.01)
    l1 = 1000 * (1 - q0)
    l2 = l1 * (1 - q1)
    L0 = l1 + 0.1 * 1000 * q0
    L1 = l2 + 0.5 * l1 * q1
    L2 = l2 / 0.5
    np.testing.assert_allclose(lt["qx"], [q0, q1, 1.0], rtol=1e-14)
    np.testing.assert_allclose(lt["lx"], [1000, l1, l2], rtol=1e-14)
    np.testing.assert_allclose(lt["Lx"], [L0, L1, L2], rtol=1e-14)
    np.testing.assert_allclose(lt["Tx"], [L0 + L1 + L2, L1 + L2, L2], rtol=1e-14)
    assert float(lt["ex"][0]) == pytest.approx((L0 + L1 + L2) / 1000, rel=1e-14)


def test_andreev_kingkade_segments():
    assert a0_andreev_kingkade(0.01, "male") == pytest.approx(0.14929 - 1.99545 * 0.01)
    assert a0_andreev_kingkade(0.05, "female") == pytest.approx(0.04667 + 3.88089 * 0.05)
    assert a0_andreev_kingkade(0.2, "male") == pytest.approx(0.29915)


def test_constant_rate_single_year_survival():
    # with m constant and a = 1/2, one-year survival ratios equal 1 - q at every closed age
    m = xr.DataArray(np.full((2, 101), 0.02), coords={"sex": ["female", "male"], "age": np.arange(101)},
                     dims=("sex", "age"))
    lt = life_table(m)
    sr = survival_ratios(m)
    q = 0.02 / 1.01
    np.testing.assert_allclose(sr["sx"].values[:, 1:99], 1 - q, rtol=1e-13)
    np.testing.assert_allclose(sr["sx"].sel(age=99), lt["Tx"].sel(age=100) / lt["Tx"].sel(age=99), rtol=1e-13)


@settings(max_examples=30, deadline=None)
@given(arrays(float, (2, 101), elements=st.floats(1e-5, 1.5)))
def test_fast_survival_equals_life_table_ratios(m):
    mx = xr.DataArray(np.sort(m, axis=-1), coords={"sex": ["female", "male"], "age": np.arange(101)},
                      dims=("sex", "age"))
    lt = life_table(mx)
    sr = survival_ratios(mx)
    L, T = lt["Lx"].values, lt["Tx"].values
    np.testing.assert_allclose(sr["sx"].values[:, :99], L[:, 1:100] / L[:, :99], rtol=1e-12)
    np.testing.assert_allclose(sr["sx"].values[:, 99], T[:, 100] / T[:, 99], rtol=1e-12)
    np.testing.assert_allclose(sr["birth_survival"].values, L[:, 0] / lt["lx"].values[:, 0], rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(arrays(float, 22, elements=st.floats(1e-5, 0.8)))
def test_invariants_on_random_abridged_rates(m):
    ages = np.r_[0, 1, np.arange(5, 101, 5)]
    lt = life_table(np.sort(m), ages, radix=1.0)
    assert np.all(np.diff(lt["lx"].values) <= 1e-15)
    assert float(lt["dx"].sum()) == pytest.approx(1.0, rel=1e-12)
    assert float(lt["Tx"][0]) == pytest.approx(float(lt["Lx"].sum()), rel=1e-12)
    assert np.all((lt["qx"] >= 0) & (lt["qx"] <= 1))
    # Lx lies between n * l_{x+n} and n * l_x in closed intervals
    n = lt["n"].values[:-1]
    L = lt["Lx"].values[:-1]
    assert np.all(L <= n * lt["lx"].values[:-1] + 1e-12)
    assert np.all(L >= n * lt["lx"].values[1:] - 1e-12)


def _norway_mx(year, sex):
    df = norway()
    d = df[(df.Year == year) & (df.Sex == sex)].sort_values("Age")
    m = d["Mortality"].to_numpy()[:101].copy()
    old = d[d.Age >= 100]
    ok = old.Mortality > 0
    m[100] = old.Deaths.sum() / (old.Deaths[ok] / old.Mortality[ok]).sum()  # 100+ open group
    return m


@pytest.mark.parametrize("year,sex,published", [
    # Statistics Norway, life expectancy at birth 2019 (table 05375): women 84.5, men 81.2
    (2019, "Female", 84.5),
    (2019, "Male", 81.2),
])
def test_norway_life_expectancy_close_to_published(year, sex, published):
    lt = life_table(_norway_mx(year, sex), np.arange(101), sex=sex.lower())
    assert float(lt["ex"][0]) == pytest.approx(published, abs=0.3)


def test_un_china_life_expectancy_2020_2025():
    mx = pd.read_csv(EXAMPLE / "mortality.csv")
    da = xr.DataArray.from_series(mx.set_index(["time", "sex", "age"])["mx"]).sel(time=2022.5)
    e0 = life_table(da)["ex"].sel(age=0)
    e0_single = life_table(single_year_mx(da))["ex"].sel(age=0)
    # UN WPP 2024 gives China's life expectancy at birth in the early 2020s as about 78 years
    # (both sexes), women about 81 and men about 75.5
    assert 80 < float(e0.sel(sex="female")) < 82
    assert 74.5 < float(e0.sel(sex="male")) < 76.5
    # graduation to single years keeps survival at the abridged ages, so e0 moves only through
    # the within-interval a_x (constant force vs one half): well under half a year
    assert np.all(np.abs(e0_single - e0) < 0.3)


def test_single_year_graduation_keeps_abridged_survival():
    mx = pd.read_csv(EXAMPLE / "mortality.csv")
    da = xr.DataArray.from_series(mx.set_index(["time", "sex", "age"])["mx"])
    abridged = life_table(da)["lx"]
    single = life_table(single_year_mx(da))["lx"]
    np.testing.assert_allclose(single.sel(age=abridged.age.values).values, abridged.values, rtol=1e-10)
    # the open group keeps its rate
    np.testing.assert_allclose(single_year_mx(da).sel(age=100), da.sel(age=100))


# ------------------------------------------------- conventions by name; R vital's published tables

VITAL_LT = json.loads((REFERENCE / "published" / "vital_norway_life_tables.json").read_text())


def _vital_rates(year, sex, top=None):
    """vital's 'Mortality' column for one year and sex; with ``top``, ages >= top collapsed into
    an open group (deaths and population summed, the open rate recomputed)."""
    df = norway()
    d = df[(df.Year == year) & (df.Sex == sex)].sort_values("Age")
    if top is None:
        return d["Mortality"].to_numpy(), d["Age"].to_numpy()
    old = d[d.Age >= top]
    m = np.r_[d.loc[d.Age < top, "Mortality"].to_numpy(), old.Deaths.sum() / old.Population.sum()]
    return m, np.arange(top + 1)


def _signif(x, digits=3):
    return np.array([float(f"{v:.{digits}g}") for v in np.atleast_1d(x)])


def test_vital_unit_test_male_1950():
    # vital's data labels sexes 'Male'/'Female', which its a0 rule does not recognise: the
    # unisex Coale-Demeny rule applies, and the open group (no one observed, m = 0) lives no years
    m, ages = _vital_rates(1950, "Male")
    assert m[-1] == 0
    lt = life_table(m, ages, a0_rule="coale-demeny")
    pub = VITAL_LT["A_unit_test_male_1950_ages0_110"]
    assert float(lt["ex"][9]) == pytest.approx(pub["expected"]["ex_age9"], abs=1e-3)


def test_vital_readme_male_2000_collapsed():
    m, ages = _vital_rates(2000, "Male", top=100)
    lt = life_table(m, ages, a0_rule="coale-demeny")
    pub = VITAL_LT["B_readme_male_2000_collapsed100"]["age0_9"]
    for col in ("qx", "lx", "dx", "Lx", "Tx", "ex", "ax"):
        np.testing.assert_array_equal(_signif(lt[col].values[:10]), _signif(pub[col]), err_msg=col)


def test_vital_reference_page_female_2003():
    m, ages = _vital_rates(2003, "Female")
    lt = life_table(m, ages, a0_rule="coale-demeny")
    pub = VITAL_LT["C_refman_female_2003_ages0_110"]["age0_9"]
    np.testing.assert_array_equal(_signif(lt["qx"].values[:10]), _signif(pub["qx"]))
    np.testing.assert_array_equal(_signif(lt["ex"].values[:10]), _signif(pub["ex"]))
    assert float(f"{float(lt['Lx'][0]):.3g}") == pub["Lx0"]


def test_a0_rules_by_name():
    m0 = np.array([0.004, 0.05, 0.2])
    assert life_table(np.r_[m0[0], 0.01, 0.5], [0, 1, 2], a0_rule="half")["ax"].values[0] == 0.5
    np.testing.assert_allclose(a0_coale_demeny(m0, "male"), [0.045 + 2.684 * 0.004, 0.045 + 2.684 * 0.05, 0.330])
    np.testing.assert_allclose(a0_coale_demeny(m0, "female"), [0.053 + 2.8 * 0.004, 0.053 + 2.8 * 0.05, 0.350])
    np.testing.assert_allclose(a0_coale_demeny(m0), [0.049 + 2.742 * 0.004, 0.049 + 2.742 * 0.05, 0.340])
    # user values override the rule
    assert float(life_table([0.01, 0.5], [0, 1], a0=0.2, a0_rule="coale-demeny")["ax"][0]) == 0.2
    with pytest.raises(AssumptionError, match="unknown a0 rule"):
        life_table([0.01, 0.5], [0, 1], a0_rule="Keyfitz")


def test_unknown_sex_label_is_an_error():
    with pytest.raises(AssumptionError, match="unknown sex label 'Female'"):
        life_table([0.01, 0.5], [0, 1], sex="Female")
    m = xr.DataArray(np.full((2, 3), 0.02), coords={"sex": ["F", "M"], "age": [0, 1, 2]}, dims=("sex", "age"))
    with pytest.raises(AssumptionError, match="unknown sex label"):
        life_table(m)


def test_open_group_with_no_survivors():
    # a closed age where everyone dies (q = 1) leaves no survivors for the open group
    lt = life_table([0.01, 100.0, 0.0], [0, 1, 2], a0=0.1)
    assert float(lt["lx"][2]) == pytest.approx(0.0, abs=1e-3)
    assert float(lt["Lx"][2]) == 0.0 and float(lt["ex"][2]) == 0.0
    assert np.isfinite(lt["ex"]).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.1, 40.0))
@example(140, 34.3125)     # rates past 2 a year in the open group (found in a clean run)
def test_compiled_shocked_survival_equals_the_numpy_ratios(seed, size):
    """engine.survival computes mx * exp(bx * k) and the ratios in one compiled pass: the same
    numbers as lifetable.survival_from_mx on the shocked rates, to round-off, for shocks large
    enough to push infant rates across the a0 rule's breakpoints. Its exp (engine.fastmath)
    may differ from numpy's by one unit in the last place, which 1 - m/2 turns into 1e-16
    absolute where a shocked rate nears 2 and the ratio 0: hence 1e-15 absolute beside the
    relative 1e-13. Shocks of 100 or more push some rates past 2 a year, where 1 - m/2 < 0
    and the open group's ratio (a difference of such terms) is no survival ratio and loses a
    few more digits to cancellation (2e-13 found): there 1e-11."""
    from actuarial.engine.survival import shocked_survival
    from actuarial.lifetable import a0_by_sex, survival_from_mx
    rng = np.random.default_rng(seed)
    T, A = 4, 101
    mx = np.exp(np.linspace(-7.5, 0.2, A))[None, None] * rng.uniform(0.5, 1.5, (T, 2, 1))
    bx = rng.uniform(0.0, 0.03, (2, A))
    k = rng.normal(0.0, size, (3, T, 2))
    sx, f0 = shocked_survival(mx, bx, k, lambda m0: a0_by_sex(m0, "andreev-kingkade"))
    m = mx[None] * np.exp(bx[None, None] * k[..., None])
    ref_sx, ref_f0 = survival_from_mx(m, a0_by_sex(m[..., 0], "andreev-kingkade"))
    ratio = (ref_sx >= 0) & (ref_sx <= 1)
    np.testing.assert_allclose(sx[ratio], ref_sx[ratio], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(sx[~ratio], ref_sx[~ratio], rtol=1e-11)
    np.testing.assert_allclose(f0, ref_f0, rtol=1e-13)


def test_a_kept_mortality_path_equals_a_fresh_one_and_is_handed_out_as_a_copy():
    """demography.mortality_path keeps each path by a digest of the table, the years and the
    improvement: a second call equals a fresh computation, a caller changing its copy changes
    neither the kept path nor the next one, and a changed table or improvement is computed anew."""
    from actuarial import demography, load_assumptions

    a = load_assumptions(EXAMPLE)
    years = np.arange(a.base_year, a.base_year + 6)
    table, improvement = a.tables["mortality"], a.series("demography.mortality_improvement", years)
    first = demography.mortality_path(table, years, improvement)
    first[:] = -1.0
    again = demography.mortality_path(table, years, improvement)
    xr.testing.assert_identical(again, demography._mortality_path(table, years, improvement))
    assert float(again.min()) > 0
    faster = improvement + 0.01
    xr.testing.assert_identical(demography.mortality_path(table, years, faster),
                                demography._mortality_path(table, years, faster))
    assert float(demography.mortality_path(table, years, faster).isel(year=-1).sum()) < float(again.isel(year=-1).sum())
    higher = table * 1.1
    xr.testing.assert_identical(demography.mortality_path(higher, years, improvement),
                                demography._mortality_path(higher, years, improvement))
    assert not demography.mortality_path(higher, years, improvement).equals(again)
