"""Policy levers, scenario comparison with common random numbers, sensitivity and solvers."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actuarial
from actuarial import policy as S
from actuarial.policy import solvers
from actuarial.policy import ScenarioError, apply_lever, apply_scenario, compare


def data(ds):
    return ds.drop_attrs()


def test_a_lever_with_no_change_equals_the_baseline_draw_by_draw(example):
    cmp = compare(example, {
        "nothing": [{"lever": "contribution_rate", "employer_change": 0.0, "from_year": 2026}],
        "same-premium": [{"lever": "shift_parameter", "parameter": "resident.premium", "factor": 1.0, "from_year": 2025}],
    }, years=6, draws=25, seed=4)
    base = cmp.sel(scenario="baseline")
    for name in ("nothing", "same-premium"):
        xr.testing.assert_equal(data(cmp.sel(scenario=name, drop=True)), data(base.drop_vars("scenario")))


def test_raising_the_employer_rate_by_hand(example):
    base = actuarial.project(example, years=8)
    up = actuarial.project(apply_lever(example, {"lever": "contribution_rate", "employer_change": 0.01,
                                                 "from_year": 2024}, 8), years=8)
    y = base.sel(year=2024)
    collection = example.series("employee.collection_rate", [2024]).item()
    expected = float(y["member_years"].sel(status="active")) * float(y["contribution_base"]) * 0.01 * collection
    # flexible workers pay both shares (their rate defaults to the employer + employee rate) on their own base
    expected += float(y["member_years"].sel(status="flexible")) * float(y["flexible_contribution_base"]) * 0.01 * collection
    # after the 2023 reform all employer money stays in the pooled fund (flexible workers credit none)
    assert float(up["income"].sel(scheme="employee", year=2024) - y["income"].sel(scheme="employee")) == pytest.approx(expected, rel=1e-12)
    assert (up["balance"].sel(scheme="employee") >= base["balance"].sel(scheme="employee")).all()
    xr.testing.assert_equal(up["balance"].sel(scheme="resident"), base["balance"].sel(scheme="resident"))


def test_levers_compose(example):
    a_spec = {"lever": "contribution_rate", "employer_change": -0.005, "from_year": 2026}
    b_spec = {"lever": "fund_share", "scheme": "resident", "category": "inpatient", "share": 0.75, "from_year": 2027}
    ab = apply_lever(apply_lever(example, a_spec, 10), b_spec, 10)
    ba = apply_lever(apply_lever(example, b_spec, 10), a_spec, 10)
    both = apply_scenario(example, {"levers": [a_spec, b_spec]}, 10)
    r = [data(actuarial.project(x, years=10)) for x in (ab, ba, both)]
    xr.testing.assert_equal(r[0], r[1])
    xr.testing.assert_equal(r[0], r[2])


def test_common_random_numbers(example):
    cmp = compare(example, {"cut": [{"lever": "contribution_rate", "employer_change": -0.005, "from_year": 2026}]},
                  years=6, draws=30, seed=8)
    diff = S.differences(cmp).sel(scenario="cut")
    # the resident fund is untouched by the employer rate: its difference is exactly zero in every draw
    assert float(np.abs(diff["balance"].sel(scheme="resident")).max()) == 0
    assert (diff["balance"].sel(scheme="employee", year=2030) < 0).all()


@pytest.mark.parametrize("spec,fragment", [
    ({"lever": "set_parameter", "parameter": "employee.employer_ratee", "value": 0.07, "from_year": 2026}, "unknown assumption"),
    ({"lever": "contribution_rate", "employer": 0.07, "from_year": 2040}, "outside the projection horizon"),
    ({"lever": "contribution_rate", "employer": 0.07, "from_year": 2020}, "outside the projection horizon"),
    ({"lever": "contribution_rate", "employer": 7, "from_year": 2026}, "fractions, not percents"),
    ({"lever": "contribution_rate", "emploier": 0.07, "from_year": 2026}, "unknown argument"),
    ({"lever": "rain_dance", "from_year": 2026}, "unknown lever"),
    ({"lever": "retirement_age", "target_ages": {"pilots": 65}, "from_year": 2026}, "unknown group"),
])
def test_bad_levers_are_rejected(example, spec, fragment):
    with pytest.raises(ScenarioError, match=fragment):
        apply_lever(example, spec, 10)


def test_premium_rise_lowers_enrolment_through_the_elasticity(example):
    up = apply_lever(example, {"lever": "resident_funding", "premium_change": 100, "from_year": 2026}, 10)
    e = example.config.resident.enrolment_premium_elasticity.value
    ratio = up.series("resident.premium", [2026]).item() / example.series("resident.premium", [2026]).item()
    assert up.series("resident.enrolment_rate", [2026]).item() == pytest.approx(
        example.series("resident.enrolment_rate", [2026]).item() * ratio ** e)
    assert up.series("resident.enrolment_rate", [2025]).item() == example.series("resident.enrolment_rate", [2025]).item()


def test_one_off_levers_touch_one_year(example):
    ep = apply_lever(example, {"lever": "epidemic", "drop": 0.1, "rebound": 0.12, "from_year": 2027}, 10)
    base = example.series("costs.utilisation_growth", range(2026, 2030)).values
    np.testing.assert_allclose(ep.series("costs.utilisation_growth", range(2026, 2030)).values,
                               base + [0, -0.1, 0.12, 0])
    hol = apply_lever(example, {"lever": "contribution_holiday", "months": 5, "from_year": 2026}, 10)
    rate = example.series("employee.employer_rate", [2025]).item()
    np.testing.assert_allclose(hol.series("employee.employer_rate", [2025, 2026, 2027]).values,
                               [rate, rate * (1 - 0.5 * 5 / 12), rate])


def test_procurement_is_a_one_off_level_cut(example):
    cut = 0.3 * 0.5 * 0.4
    p = apply_lever(example, {"lever": "volume_procurement", "drug_share": 0.3, "price_cut": 0.5,
                              "coverage": 0.4, "from_year": 2027}, 10)
    b, q = actuarial.project(example, 10), actuarial.project(p, 10)
    ratio = (q["trend_index"] / b["trend_index"]).values
    np.testing.assert_allclose(ratio[:3], 1.0)
    np.testing.assert_allclose(ratio[3:], 1 - cut, rtol=1e-12)


def test_sensitivity_table(example):
    shifts = {k: S.DEFAULT_SHIFTS[k] for k in ("medical inflation +/-1 point", "employer rate +/-0.5 point")}
    t = S.sensitivity(example, shifts, years=6)
    assert list(t.index) == ["medical inflation +/-1 point", "employer rate +/-0.5 point"]  # tornado order
    assert t.loc["employer rate +/-0.5 point", ("employee", "balance", "high")] > \
        t.loc["employer rate +/-0.5 point", ("employee", "balance", "baseline")] > \
        t.loc["employer rate +/-0.5 point", ("employee", "balance", "low")]
    assert t.loc["medical inflation +/-1 point", ("resident", "balance", "high")] < \
        t.loc["medical inflation +/-1 point", ("resident", "balance", "low")]


def test_solved_rate_meets_its_condition_and_a_lower_one_does_not(example):
    kw = dict(line=6.0, probability=0.8, from_year=2026, years=8, draws=60, seed=2)
    sol = solvers.solve_rate(example, "employer_rate", bounds=(0.0, 0.12), tol=1e-5, **kw)
    assert sol.feasible and 0 < sol.value < 0.12
    assert sol.interval[0] <= sol.value <= sol.interval[1]

    def share(rate):
        a = apply_lever(example, {"lever": "contribution_rate", "employer": rate, "from_year": 2026}, 8)
        rm = actuarial.project(a, 8, draws=60, seed=2)["reserve_months"].sel(scheme="employee", year=slice(2026, None))
        return float((rm >= 6.0).all("year").mean())
    assert share(sol.value) >= 0.8
    assert share(sol.value - 1e-5) < 0.8     # one tolerance lower fails


def test_solved_premium_meets_its_condition_and_a_lower_one_does_not(example):
    """The premium lowers enrolment through an elasticity, so the margins are not linear in it:
    the regula falsi needs more than one round and must still land within one tolerance."""
    kw = dict(line=6.0, probability=0.7, from_year=2026, years=6, draws=40, seed=4)
    sol = solvers.solve_rate(example, "premium", bounds=(300.0, 2000.0), tol=0.01, **kw)
    assert sol.feasible and 300 < sol.value < 2000

    def share(premium):
        a = apply_lever(example, {"lever": "resident_funding", "premium": premium, "from_year": 2026}, 6)
        rm = actuarial.project(a, 6, draws=40, seed=4)["reserve_months"].sel(scheme="resident", year=slice(2026, None))
        return float((rm >= 6.0).all("year").mean())
    assert share(sol.value) >= 0.7
    assert share(sol.value - 0.01) < 0.7


def test_no_rate_in_range_is_reported(example):
    sol = solvers.solve_rate(example, "premium", line=9, probability=0.99, from_year=2025, years=8,
                             draws=20, seed=1, bounds=(300, 400))
    assert not sol.feasible and sol.value is None
    assert "no premium within 300..400" in sol.message


def test_break_even_rate_balances_the_year(example):
    rate = solvers.break_even(example, "employer_rate", year=2030)
    a = apply_lever(example, {"lever": "contribution_rate", "employer": rate, "from_year": 2025}, 6)
    y = actuarial.project(a, 6).sel(scheme="employee", year=2030)
    assert float(y["income"] - y["spending"]) == pytest.approx(0, abs=1e-3 * float(y["spending"]))
    with pytest.raises(solvers.SolverError, match="no break-even"):
        solvers.break_even(example, "employer_rate", year=2030, bounds=(0.2, 0.3))


def test_job_with_scenarios(tmp_path, capsys):
    from actuarial import cli
    from conftest import ROOT
    job = tmp_path / "policies.yaml"
    job.write_text(f"""name: policies
assumptions: {ROOT / 'assumptions' / 'example-city'}
years: 4
draws: 12
seed: 3
scenarios:
  cut:
    description: employer rate down half a point
    levers:
      - {{lever: contribution_rate, employer_change: -0.005, from_year: 2026}}
""")
    assert cli.main(["run", str(job), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "cut" in out
    ds = xr.load_dataset(tmp_path / "out" / "policies.nc")
    assert ds["scenario"].values.tolist() == ["baseline", "cut"] and ds.sizes["draw"] == 12
    job.write_text(job.read_text().replace("employer_change", "employer_chnage"))
    assert cli.main(["run", str(job), "--out", str(tmp_path / "out")]) == cli.EXIT_INPUT_ERROR
    assert "employer_chnage" in capsys.readouterr().err


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=st.floats(0.0, 0.03), start=st.integers(2024, 2030))
def test_a_higher_employer_rate_never_lowers_a_balance(example, change, start):
    base = actuarial.project(example, years=6)
    up = actuarial.project(apply_lever(example, {"lever": "contribution_rate", "employer_change": change,
                                                 "from_year": start}, 6), years=6)
    emp = lambda ds: ds["balance"].sel(scheme="employee")  # noqa: E731
    assert bool((emp(up) >= emp(base)).all())
    assert bool((emp(up).sel(year=slice(None, start - 1)) == emp(base).sel(year=slice(None, start - 1))).all())


@pytest.mark.parametrize("floor, ceiling, dispersion", [(0.6, 3.0, 0.5), (0.0, 2.0, 0.8), (0.3, 0.9, 1.2)])
def test_base_limits_factor_is_the_mean_of_the_clipped_lognormal_wage(example, floor, ceiling, dispersion):
    """contribution_base_limits scales the average base by E[min(max(W, floor), ceiling)] for W
    lognormal with mean 1 and sd of log ``dispersion``; checked against a quadrature of the
    density on a fine grid of log wages (a floor of 0: no floor at all)."""
    from scipy import integrate

    spec = {"lever": "contribution_base_limits", "floor": floor, "ceiling": ceiling, "dispersion": dispersion,
            "from_year": 2026}
    before = example.series("employee.contribution_base_factor", [2026]).values[0] \
        if example.config.employee.contribution_base_factor is not None else 1.0
    after = apply_lever(example, spec, 10).series("employee.contribution_base_factor", [2026]).values[0]
    mu = -dispersion ** 2 / 2
    density = lambda y: np.exp(-((y - mu) / dispersion) ** 2 / 2) / (dispersion * np.sqrt(2 * np.pi))  # noqa: E731
    want, _ = integrate.quad(lambda y: min(max(np.exp(y), floor), ceiling) * density(y), mu - 12 * dispersion,
                             mu + 12 * dispersion, limit=200, points=[np.log(c) for c in (floor, ceiling) if c > 0])
    assert after / before == pytest.approx(want, rel=1e-9)
