"""Flexible workers, the contribution-years rule at retirement and the spending side of the
personal-account reform, on small hand-checkable sets."""

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actuarial
from actuarial.testing import money_residual, population_residual, simple_config, write_assumption_set


def _d(unit, value):
    return {"unit": unit, "source": "test", "values": {2024: value}}


def _s(unit, value):
    return {"unit": unit, "source": "test", "value": value}


FLEXIBLE = {
    "average_wage": _s("CNY per year", 10000),
    "base_share": _d("fraction", 0.5),              # below the floor: the floor applies
    "base_floor": _s("fraction", 0.6),
    "base_ceiling": _s("fraction", 3.0),
    "account_share_before_reform": _d("fraction", 0.25),
    "account_share_after_reform": _d("fraction", 0.0),
}
RULE = {
    "minimum_years_male": _d("years", 25), "minimum_years_female": _d("years", 20),
    "spread": _s("years", 5), "pay_up_share": _d("fraction", 0.0),
    "start_age": _s("years", 20), "density": _s("fraction", 0.8),
}


def _config(flexible=True, rule=None, reform_year=2023, pooling=None):
    cfg = copy.deepcopy(simple_config())
    if flexible:
        cfg["employee"]["flexible"] = copy.deepcopy(FLEXIBLE)
    if rule is not None:
        ret = cfg["demography"]["retirement"]
        del ret["share_meeting_minimum_contribution_years"]
        ret["contribution_years"] = rule
    cfg["employee"]["personal_accounts"]["reform_year"] = _s("year", reform_year)
    if pooling is not None:
        cfg["employee"]["personal_accounts"]["outpatient_pooling"] = pooling
    return cfg


POP = {**{(s, x, a): 1000.0 for s in ("active", "flexible", "resident") for x in ("female", "male")
          for a in range(20, 60)},
       **{("retired", x, a): 800.0 for x in ("female", "male") for a in range(60, 90)}}


def _project(tmp_path, cfg, population=POP, years=5, **kw):
    folder = write_assumption_set(tmp_path, config=cfg, population=population, **kw)
    return actuarial.project(actuarial.load_assumptions(folder), years=years)


def test_flexible_contributions_on_the_floor_base_and_their_account_credit(tmp_path):
    ds = _project(tmp_path, _config(reform_year=2026))
    my = ds["member_years"].sel(status="flexible")
    income = ds["income_by_source"].sel(scheme="employee", source="flexible")
    # base: share 0.5 is below the floor, so 0.6 x 10,000 = 6,000; rate 0.06 + 0.02; collection 1
    np.testing.assert_allclose(ds["flexible_contribution_base"].values, 6000.0)
    np.testing.assert_allclose(income.values, my.values * 6000.0 * 0.08, rtol=1e-12)
    credit = ds["personal_account_credit"].sel(account_holder="flexible")
    before = ds["year"] < 2026
    np.testing.assert_allclose(credit.where(before, drop=True), 0.25 * income.where(before, drop=True), rtol=1e-12)
    assert float(abs(credit.where(~before, drop=True)).max()) == 0.0      # none from the reform year
    # the flexible workers pay into the pooled fund and are insured members who claim
    assert float(my.isel(year=0)) > 0
    assert float(ds["insured"].sel(scheme="employee").isel(year=0)) == pytest.approx(
        sum(v for (s, _, _), v in POP.items() if s != "resident"))
    for resid in money_residual(ds).values():
        assert float(np.abs(resid).max()) < 1e-12


def test_dependency_ratio_counts_flexible_workers_as_contributors(tmp_path):
    ds = _project(tmp_path, _config(), years=1)
    first = ds["population_total"].isel(year=0).sum("sex")
    expected = (first.sel(status="active") + first.sel(status="flexible")) / first.sel(status="retired")
    assert float(ds["dependency_ratio"].isel(year=0)) == pytest.approx(float(expected), rel=1e-12)


def test_flexible_workers_in_a_table_without_their_section_is_a_clear_error(tmp_path):
    folder = write_assumption_set(tmp_path, config=_config(flexible=False), population=POP)
    with pytest.raises(actuarial.AssumptionError, match=r"population.csv.*no employee.flexible section") as info:
        actuarial.load_assumptions(folder)
    assert "\n" not in str(info.value)


def test_flexible_share_and_section_together_are_refused(tmp_path):
    cfg = _config()
    cfg["employee"]["flexible_worker_share"] = _s("fraction", 0.2)
    folder = write_assumption_set(tmp_path, config=cfg, population=POP)
    with pytest.raises(actuarial.AssumptionError, match="flexible_worker_share"):
        actuarial.load_assumptions(folder)


def test_flexible_entry_grows_the_group_and_persons_are_conserved(tmp_path):
    pop = {k: v for k, v in POP.items() if k[0] != "flexible"}
    folder = write_assumption_set(tmp_path, config=_config(), population=pop, flexible_entry=0.05, flexible_exit=0.1)
    ds = actuarial.project(actuarial.load_assumptions(folder), years=4)
    flex = ds["population_total"].sel(status="flexible").sum("sex")
    assert float(flex.isel(year=0)) == 0 and float(flex.isel(year=1)) > 0
    assert bool((flex.diff("year") > 0).all())       # entries exceed exits while the group is small
    assert float(np.abs(population_residual(ds)).max()) < 1e-12


def test_a_minimum_no_one_misses_equals_keeping_everyone(tmp_path):
    kept_all = _project(tmp_path / "a", _config())          # constant share 1.0
    rule = {**RULE, "minimum_years_male": _d("years", 0), "minimum_years_female": _d("years", 0),
            "spread": _s("years", 0)}
    by_rule = _project(tmp_path / "b", _config(rule=rule))
    np.testing.assert_allclose(by_rule["population"].values, kept_all["population"].values, rtol=1e-12)


def test_a_minimum_no_one_meets_sends_every_retiree_to_the_resident_group(tmp_path):
    rule = {**RULE, "minimum_years_male": _d("years", 45), "minimum_years_female": _d("years", 45),
            "spread": _s("years", 0)}
    ds = _project(tmp_path, _config(rule=rule))
    retired = ds["population_total"].sel(status="retired").sum("sex")
    assert bool((retired.diff("year") < 0).all())       # no one joins; the retirees die
    # paying up the missing years keeps them all
    rule["pay_up_share"] = _d("fraction", 1.0)
    kept = _project(tmp_path / "pay", _config(rule=rule))
    np.testing.assert_allclose(kept["population"].values, _project(tmp_path / "c", _config())["population"].values,
                               rtol=1e-12)


def test_the_kept_share_follows_the_cohorts_mean_years(tmp_path):
    """Men aged 59 at the start, all active, 0.8 x (59 - 20) = 31.2 years; a year later they are
    60 with 32.2 years and retire: P(N(32.2, 5) >= 25) = Phi(1.44) of the survivors are kept."""
    from scipy.stats import norm
    pop = {("active", "male", 59): 1000.0}
    ds = _project(tmp_path, _config(rule=RULE), population=pop, years=1)
    survivors = ds["population"].sel(sex="male", age=60).isel(year=1).sum("status")
    retired = ds["population"].sel(sex="male", age=60, status="retired").isel(year=1)
    assert float(retired / survivors) == pytest.approx(norm.cdf((32.2 - 25) / 5), rel=1e-12)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f_entry=st.floats(0, 0.3), f_exit=st.floats(0, 0.5), entry=st.floats(0, 0.5), minimum=st.floats(0, 40),
       out=st.floats(0, 3000))
def test_population_identity_holds_with_flexible_moves(tmp_path_factory, f_entry, f_exit, entry, minimum, out):
    rule = {**RULE, "minimum_years_male": _d("years", minimum)}
    folder = write_assumption_set(tmp_path_factory.mktemp("f"), config=_config(rule=rule), population=POP,
                                  entry=entry, exit_=0.05, flexible_entry=f_entry, flexible_exit=f_exit,
                                  migrants={("flexible", "male", 30): -out, ("resident", "female", 25): out})
    ds = actuarial.project(actuarial.load_assumptions(folder), years=5)
    assert float(np.abs(population_residual(ds)).max()) < 1e-9
    for resid in money_residual(ds).values():
        assert float(np.abs(resid).max()) < 1e-9
    assert float(ds["population"].min()) >= 0


def test_the_reform_year_moves_both_sides_of_the_pooled_fund(tmp_path):
    """Reform in 2026, inside the horizon: that year the pooled fund stops crediting the
    employer share to accounts (its income rises) and pays a larger share of more outpatient
    claims (its spending rises), in the same year."""
    pooling = {"fund_share_increase": _d("fraction", 0.15), "released_demand": _d("1", 1.1)}
    with_pooling = _project(tmp_path / "p", _config(reform_year=2026, pooling=pooling), years=5)
    without = _project(tmp_path / "n", _config(reform_year=2026), years=5)
    pooled = dict(ledger="pooled_fund")
    for ds in (with_pooling, without):
        income = ds["ledger_income"].sel(pooled)
        credits = ds["personal_account_credit"].sum("account_holder")
        assert float(income.sel(year=2026) - income.sel(year=2025)) > 0      # the employer share stays in the pool
        assert float(credits.sel(year=2026) - credits.sel(year=2025)) < 0
    out_with = with_pooling["spending_by_category"].sel(scheme="employee", category="outpatient")
    out_without = without["spending_by_category"].sel(scheme="employee", category="outpatient")
    ratio = out_with / out_without
    np.testing.assert_allclose(ratio.sel(year=slice(2024, 2025)).values, 1.0, rtol=1e-12)
    np.testing.assert_allclose(ratio.sel(year=slice(2026, None)).values, (0.5 + 0.15) * 1.1 / 0.5, rtol=1e-12)
    inpatient = [ds["spending_by_category"].sel(scheme="employee", category="inpatient") for ds in (with_pooling, without)]
    np.testing.assert_allclose(inpatient[0].values, inpatient[1].values, rtol=1e-12)
    step = lambda ds: float(ds["ledger_spending"].sel(pooled).sel(year=2026) / ds["ledger_spending"].sel(pooled).sel(year=2025))  # noqa: E731
    assert step(with_pooling) > step(without) + 0.05
    for resid in money_residual(with_pooling).values():
        assert float(np.abs(resid).max()) < 1e-12


def test_budget_table_splits_flexible_income_from_the_status(tmp_path):
    from actuarial.report import budget
    ds = _project(tmp_path, _config(), years=3)
    table = budget.budget_tables(ds)["employee"]
    line = table.loc[("income", "flexible workers' contributions")].iloc[1]
    expected = float(ds["income_by_source"].sel(scheme="employee", source="flexible", year=2025)) / budget.UNIT
    assert line == pytest.approx(expected, rel=1e-12)


def test_entry_rates_from_one_group_above_one_are_a_clear_error(tmp_path):
    folder = write_assumption_set(tmp_path, config=_config(), population=POP, entry=0.7, flexible_entry=0.4)
    with pytest.raises(actuarial.AssumptionError, match=r"transitions.csv.*flexible_entry_rate.*entry rates sum to 1.1"):
        actuarial.load_assumptions(folder)


def test_a_transitions_table_without_flexible_columns_means_no_flexible_moves(tmp_path):
    pop = {k: v for k, v in POP.items() if k[0] != "flexible"}
    folder = write_assumption_set(tmp_path, config=_config(flexible=False), population=pop, entry=0.05)
    a = actuarial.load_assumptions(folder)
    assert float(a.tables["transitions"]["flexible_entry"].sum()) == 0
    ds = actuarial.project(a, years=3)
    assert float(ds["population_total"].sel(status="flexible").sum()) == 0
    assert float(ds["income_by_source"].sel(scheme="employee", source="flexible").sum()) == 0
