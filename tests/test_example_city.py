"""The example city's base year reproduces the figures its README says it was set from."""

import subprocess
import sys

import numpy as np
import pytest

from actuarial.engine.inputs import resolve_inputs
from actuarial.engine.kernel import realise_population, run_population
from actuarial.uncertainty import zero_deviations

from conftest import EXAMPLE, ROOT


@pytest.fixture(scope="module")
def base(example_projection):
    return example_projection.sel(year=2024)


def test_insured_and_coverage(base):
    pop0 = base["population"]
    insured = float(base["insured"].sum())
    assert insured == pytest.approx(5_967_100, rel=1e-6)                   # Qujing 2020
    assert float(base["coverage"]) == pytest.approx(0.9543, abs=1e-6)       # Qujing 2020
    assert float(base["insured"].sel(scheme="employee")) / insured == pytest.approx(1.1797 / 7.2049, rel=1e-6)
    assert float(base["dependency_ratio"]) == pytest.approx(2.63, rel=1e-6)  # national 2024
    assert float(pop0.sum()) == pytest.approx(5_967_100 / 0.9543, rel=1e-6)


def test_income_and_spending_totals(base):
    income = float(base["income_by_source"].sum())                          # all contributions + resident
    spending = float(base["ledger_spending"].sum())                          # every ledger, accounts too
    assert income == pytest.approx(8.567e9, rel=1e-4)                        # Qujing 2020
    assert spending == pytest.approx(6.851e9, rel=1e-4)
    assert float(base["surplus_rate"].sel(scheme="resident")) == pytest.approx(0.10, abs=1e-4)


def test_retiree_share_of_employee_costs(example, base):
    """Retirees' share of employee-scheme medical costs before fund share (national 2024: 49.8%)."""
    inp = resolve_inputs(example, np.array([2024]))
    pop = run_population(inp, realise_population(inp, zero_deviations(1, 1), None))["population"][0]
    member_years = 0.5 * (pop[0] + pop[1])                          # (status, sex, age)
    cost = example.tables["claim_costs"].sum("category").transpose("status", "sex", "age").values
    active_cost, retired_cost = ((member_years[i] * cost[i]).sum() for i in (0, 1))
    assert retired_cost / (active_cost + retired_cost) == pytest.approx(0.498, abs=1e-4)
    assert float(base["member_years"].sel(status="active")) == pytest.approx(member_years[0].sum())


def test_policy_parameters_of_the_base_year(example):
    assert example.series("resident.premium", [2024]).item() == 400
    assert example.series("resident.subsidy", [2024]).item() == 670
    assert example.series("resident.subsidy", [2025]).item() == 700
    assert example.series("costs.fund_share.employee_inpatient", [2024]).item() == 0.85
    assert example.series("costs.fund_share.resident_inpatient", [2024]).item() == 0.70


def test_births_and_deaths_plausible_for_china(base):
    pop = float(base["population"].sum())
    # China 2024: crude birth rate 6.77 per 1000, crude death rate 7.76 per 1000 (NBS)
    assert 5.5 < float(base["births"].sum()) / pop * 1000 < 8
    assert 6.5 < float(base["deaths"].sum()) / pop * 1000 < 9


def test_committed_files_match_the_builder():
    result = subprocess.run([sys.executable, str(EXAMPLE / "build.py"), "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_never_overwrites_edited_files_without_force(tmp_path):
    """build.py records what it wrote; a folder edited since (or never built) is refused."""
    out = tmp_path / "built"
    run = lambda *a: subprocess.run([sys.executable, str(EXAMPLE / "build.py"), *a], cwd=ROOT,  # noqa: E731
                                    capture_output=True, text=True, timeout=600)
    assert run("--out", str(out)).returncode == 0
    assert (out / ".build-manifest.json").is_file()
    edited = out / "population.csv"
    edited.write_text(edited.read_text(encoding="utf-8").replace("active,female,20,", "active,female,20,1"),
                      encoding="utf-8")
    before = edited.read_bytes()
    r = run("--out", str(out))
    assert r.returncode == 2 and "population.csv" in r.stderr and "--force" in r.stderr
    assert edited.read_bytes() == before
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "claim_costs.csv").write_text("my own numbers\n", encoding="utf-8")
    r = run("--out", str(foreign), "--here")
    assert r.returncode == 2 and (foreign / "claim_costs.csv").read_text(encoding="utf-8") == "my own numbers\n"
