"""The abridged (5-year) projection against Preston, Heuveline & Guillot (2001), Boxes 6.1 and
6.2 (Sweden 1993), and the identities of the Leslie matrix."""

import json

import numpy as np
import pandas as pd
import pytest

from actuarial import AssumptionError
from actuarial.abridged import growth_rate, leslie_matrix, nLx_from_mx, project_abridged, survival
from conftest import REFERENCE

PUB = json.loads((REFERENCE / "published" / "preston2001_sweden1993_projection.json").read_text())


@pytest.fixture(scope="module")
def box61():
    return pd.read_csv(REFERENCE / "sweden1993_box61_input.csv")


@pytest.fixture(scope="module")
def box62():
    return pd.read_csv(REFERENCE / "sweden1993_box62_input.csv")


def test_box_6_1_leslie_projection_and_growth_rate(box61):
    pub = PUB["box61_leslie_no_migration"]
    M = leslie_matrix(box61["nLx_radix1e5"], box61["asfr"], radix=1e5, srb=1.05)
    p93 = box61["pop_f_1993"].to_numpy(dtype=float)
    p98 = M @ p93
    p03 = M @ p98
    assert p93.sum() == pub["expected_totals"]["1993"]
    assert p98.sum() == pytest.approx(pub["expected_totals"]["1998"], abs=0.01)
    assert p03.sum() == pytest.approx(pub["expected_totals"]["2003"], abs=0.01)
    g = growth_rate(M)
    assert g["lambda"] == pytest.approx(pub["expected_lambda_5yr"], abs=1e-8)
    assert g["r"] == pytest.approx(pub["expected_r_annual"], abs=1e-9)
    # the stable distribution is a fixed point: M v = lambda v
    np.testing.assert_allclose(M @ g["stable"], g["lambda"] * g["stable"], rtol=1e-10)
    assert g["stable"].sum() == pytest.approx(1.0)
    # the cohort-component step without migration is the Leslie product
    ds = project_abridged(p93, box61["nLx_radix1e5"], box61["asfr"], steps=2, start=1993)
    np.testing.assert_allclose(ds["population"].sel(sex="female", time=1998), p98, rtol=1e-12)
    np.testing.assert_allclose(ds["population"].sel(sex="female", time=2003), p03, rtol=1e-12)


def test_box_6_2_two_sexes_with_migration(box62):
    expected = pd.read_csv(REFERENCE / "sweden1993_box62_expected.csv")
    ds = project_abridged(box62["pop_f_1993"], box62["nLx_f"], box62["asfr"], pop_m=box62["pop_m_1993"],
                          nLx_m=box62["nLx_m"], migrants_f=box62["net_migrants_f"],
                          migrants_m=box62["net_migrants_m"], timing="even", start=1993)
    y = ds.sel(time=1998)
    np.testing.assert_array_equal(np.round(y["population"].sel(sex="female")), expected["pop_f_1998"])
    np.testing.assert_array_equal(np.round(y["population"].sel(sex="male")), expected["pop_m_1998"])
    np.testing.assert_allclose(y["births_by_age"], expected["births_1993_1998"], atol=0.5)
    assert float(y["births_by_age"].sum()) == pytest.approx(615988.06, abs=0.005)
    np.testing.assert_allclose(survival(box62["nLx_f"]), box62["Sx_f"], rtol=1e-12)


@pytest.mark.parametrize("timing", ["start", "even", "end"])
def test_migrants_are_counted_once(box61, timing):
    """With survival 1 (the open group's T_w huge) and no births, the projected total is the
    start total plus every group's migrants, whatever the timing."""
    n = len(box61)
    L = np.full(n, 5e5)
    L[-1] = 1e15
    mig = np.linspace(-100, 500, n)
    ds = project_abridged(box61["pop_f_1993"], L, np.zeros(n), migrants_f=mig, timing=timing)
    total = float(ds["population"].isel(time=1).sum())
    assert total == pytest.approx(box61["pop_f_1993"].sum() + mig.sum(), abs=0.01)


def test_nLx_from_constant_rates():
    m = np.full(18, 0.01)
    L = nLx_from_mx(m)
    l5 = 1e5 * np.exp(-0.05)
    assert L[0] == pytest.approx(1e5 * (1 - np.exp(-0.05)) / 0.01)
    assert L[1] / L[0] == pytest.approx(l5 / 1e5)
    assert L[-1] == pytest.approx(1e5 * np.exp(-0.05 * 17) / 0.01)


def test_bad_inputs(box61):
    with pytest.raises(AssumptionError, match="timing"):
        project_abridged(box61["pop_f_1993"], box61["nLx_radix1e5"], box61["asfr"], timing="middle")
    with pytest.raises(AssumptionError, match="age groups"):
        leslie_matrix(box61["nLx_radix1e5"], box61["asfr"][:-1])
