"""The example city's base year reproduces the figures its README says it was set from."""

import numpy as np
import pytest

from actuarial import AssumptionError
from actuarial.dims import STATUSES
from actuarial.engine.inputs import resolve_inputs
from actuarial.engine.kernel import realise_population, run_population
from actuarial.schemes import member_years
from actuarial.uncertainty import zero_deviations

from conftest import EXAMPLE, script


@pytest.fixture(scope="module")
def base(example_projection):
    return example_projection.sel(year=2024)


NAT = {  # NHSA, 2024年全国医疗保障事业发展统计公报: 万人 and 亿元
    "insured": 132662.08, "employee": 37948.34, "in_service": 27491.84, "retired": 10457.50, "flexible": 6615.91,
    "pooled_income": 17342.45, "pooled_spending": 13222.71, "pooled_closing": 30445.50,
}


def test_insured_and_coverage(base):
    pop0 = base["population"]
    insured = float(base["insured"].where(base["scheme_own_members"], 0).sum())   # ltc covers employee members
    assert insured == pytest.approx(6_000_000, rel=1e-6)
    assert float(base["coverage"]) == pytest.approx(0.95, abs=1e-6)                 # national 2024
    employee_share = float(base["insured"].sel(scheme="employee")) / insured
    assert employee_share == pytest.approx(NAT["employee"] / NAT["insured"], rel=1e-6)
    assert float(base["dependency_ratio"]) == pytest.approx(NAT["in_service"] / NAT["retired"], rel=1e-6)
    flexible = float(base["population_total"].sel(status="flexible").sum())
    assert flexible / float(base["insured"].sel(scheme="employee")) == pytest.approx(NAT["flexible"] / NAT["employee"], rel=1e-6)
    assert float(pop0.sum()) == pytest.approx(6_000_000 / 0.95, rel=1e-6)


def test_pooled_fund_is_the_national_one_scaled(base):
    members = float(member_years(base, "employee"))
    # the pooled fund as the bulletins count it (maternity included): without the large-amount
    # supplement and the transfer to long-term care, layers of their own
    cat = base["spending_by_category"].sel(scheme="employee", category=["large_amount_claims", "ltc_transfer"]).sum()
    spending = float(base["spending"].sel(scheme="employee") - cat)
    income = float(base["income"].sel(scheme="employee")
                   - base["income_by_source"].sel(scheme="employee", source="large_amount_premium"))
    assert spending / members == pytest.approx(NAT["pooled_spending"] / NAT["employee"] * 1e4, rel=1e-6)  # costs rounded
    assert 1 - spending / income == pytest.approx(1 - NAT["pooled_spending"] / NAT["pooled_income"], abs=2e-4)        # the base is rounded to the CNY
    opening = float(base["opening_balance"].sel(scheme="employee"))
    national_opening_months = (NAT["pooled_closing"] - NAT["pooled_income"] + NAT["pooled_spending"]) / (NAT["pooled_spending"] / 12)
    assert opening / (spending / 12) == pytest.approx(national_opening_months, abs=0.01)
    assert float(base["surplus_rate"].sel(scheme="resident")) == pytest.approx(519.42 / 11180.90, abs=1e-4)


def test_retiree_share_of_employee_costs(example, base):
    """Retirees' share of employee-scheme medical costs before fund share (national 2024: 49.8%)."""
    inp = resolve_inputs(example, np.array([2024]))
    pop = run_population(inp, realise_population(inp, zero_deviations(1, 1), None))["population"][0]
    member_years_ = 0.5 * (pop[0] + pop[1])                          # (status, sex, age)
    cost = example.tables["claim_costs"].sum("category").transpose("status", "sex", "age").values
    by_status = {s: (member_years_[i] * cost[i]).sum() for i, s in enumerate(STATUSES)}
    employee = by_status["active"] + by_status["flexible"] + by_status["retired"]
    assert by_status["retired"] / employee == pytest.approx(0.498, abs=1e-4)
    assert float(base["member_years"].sel(status="active")) == pytest.approx(member_years_[0].sum())


def test_policy_parameters_of_the_base_year(example):
    assert example.series("resident.premium", [2024]).item() == 400
    assert example.series("resident.subsidy", [2024]).item() == 670
    assert example.series("resident.subsidy", [2025]).item() == 700
    assert example.series("costs.fund_share.employee_inpatient", [2024]).item() == 0.85
    assert example.series("costs.fund_share.resident_inpatient", [2024]).item() == 0.70
    # the plain values the engine reads are the series' values, and a bad year names the field
    years = [2024, 2025, 2030]
    np.testing.assert_array_equal(example.values("resident.subsidy", years), example.series("resident.subsidy", years).values)
    with pytest.raises(AssumptionError, match="^[^:]*assumptions.yaml: field 'resident.subsidyy': no parameter"):
        example.values("resident.subsidyy", years)


def test_deaths_plausible_for_the_region(base):
    pop = float(base["population"].sum())
    # China 2024: crude death rate 7.76 per 1000 (NBS); Yunnan 2023: 8.61 (a younger population
    # at the national death rates of UN WPP gives fewer)
    assert 6.0 < float(base["deaths"].sum()) / pop * 1000 < 9


@pytest.fixture(scope="module")
def build():
    return script(EXAMPLE / "build.py")


def test_committed_files_match_the_builder(build, capsys):
    assert build.main(["--check"]) == 0, capsys.readouterr().out


def test_build_never_overwrites_edited_files_without_force(build, tmp_path, capsys):
    """build.py records what it wrote; a folder edited since (or never built) is refused."""
    out = tmp_path / "built"
    assert build.main(["--out", str(out)]) == 0
    assert (out / ".build-manifest.json").is_file()
    edited = out / "population.csv"
    edited.write_text(edited.read_text(encoding="utf-8").replace("active,female,20,", "active,female,20,1"),
                      encoding="utf-8")
    before = edited.read_bytes()
    capsys.readouterr()
    assert build.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "population.csv" in err and "--force" in err
    assert edited.read_bytes() == before
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "claim_costs.csv").write_text("my own numbers\n", encoding="utf-8")
    assert build.main(["--out", str(foreign), "--here"]) == 2
    assert (foreign / "claim_costs.csv").read_text(encoding="utf-8") == "my own numbers\n"
