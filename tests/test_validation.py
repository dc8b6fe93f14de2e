"""Bad assumption files give a clear AssumptionError naming file, field, value and expectation."""

import pandas as pd
import pytest

import actuarial
from actuarial import AssumptionError
from conftest import edit_yaml


def raises(folder, *fragments):
    with pytest.raises(AssumptionError) as info:
        actuarial.load_assumptions(folder)
    msg = str(info.value)
    for f in fragments:
        assert f in msg, msg
    assert "Traceback" not in msg
    return info.value


def test_the_example_is_valid(example):
    assert example.base_year == 2024


def test_percent_where_fraction_is_meant(copy):
    edit_yaml(copy, lambda d: d["employee"]["employer_rate"]["values"].update({2024: 8}))
    err = raises(copy, "assumptions.yaml", "employee.employer_rate.values.2024", "8",
                 "fractions, not percents", "0.08")
    assert err.field == "employee.employer_rate.values.2024"


def test_wrong_unit_label(copy):
    edit_yaml(copy, lambda d: d["resident"]["premium"].update(unit="yuan"))
    raises(copy, "resident.premium.unit", "'yuan'", "CNY per enrolled person per year")


def test_missing_field(copy):
    edit_yaml(copy, lambda d: d["economy"].pop("interest_rate"))
    raises(copy, "economy.interest_rate", "missing")


def test_unknown_key(copy):
    edit_yaml(copy, lambda d: d["costs"].update(medical_inflaton={"unit": "x"}))
    raises(copy, "costs.medical_inflaton", "unknown key")


def test_misplaced_key(copy):
    def move(d):
        d["economy"]["premium"] = d["resident"].pop("premium")
    edit_yaml(copy, move)
    raises(copy, "premium")


def test_not_a_number(copy):
    edit_yaml(copy, lambda d: d["economy"]["wage_growth"]["values"].update({2024: "high"}))
    raises(copy, "economy.wage_growth.values.2024", "high")


def test_first_value_after_base_year(copy):
    edit_yaml(copy, lambda d: d["economy"]["wage_growth"].update(values={2030: 0.04}))
    raises(copy, "economy.wage_growth.values", "2030", "2024")


def test_retirement_shares_must_sum_to_one(copy):
    edit_yaml(copy, lambda d: d["demography"]["retirement"]["groups"]["women_cadres"].update(share_of_sex=0.7))
    raises(copy, "retirement.groups", "female", "summing to 1")


def test_negative_population(copy):
    path = copy / "population.csv"
    df = pd.read_csv(path)
    df.loc[10, "persons"] = -5
    df.to_csv(path, index=False)
    raises(copy, "population.csv", "persons", "row 12", "-5", "non-negative")


def test_ages_must_run_0_to_100(copy):
    path = copy / "population.csv"
    df = pd.read_csv(path)
    df = df[df.age <= 90]
    df.to_csv(path, index=False)
    raises(copy, "population.csv", "missing", "0..100")


def test_age_beyond_100(copy):
    path = copy / "claim_costs.csv"
    df = pd.read_csv(path)
    extra = df.iloc[[100]].copy()
    extra["age"] = 101
    pd.concat([df, extra]).to_csv(path, index=False)
    raises(copy, "claim_costs.csv", "unexpected row", "101")


def test_unknown_status_label(copy):
    path = copy / "claim_costs.csv"
    df = pd.read_csv(path)
    df.loc[0, "status"] = "pensioner"
    df.to_csv(path, index=False)
    raises(copy, "claim_costs.csv", "status", "pensioner", "active")


def test_text_in_numeric_column(copy):
    path = copy / "transitions.csv"
    text = path.read_text().splitlines()
    text[5] = "female,4,abc,0.0"
    path.write_text("\n".join(text) + "\n")
    raises(copy, "transitions.csv", "employment_entry_rate", "row 6", "abc")


def test_missing_table(copy):
    (copy / "migration.csv").unlink()
    raises(copy, "migration.csv", "not found")


def test_missing_column(copy):
    path = copy / "fertility_pattern.csv"
    pd.read_csv(path).rename(columns={"share_of_tfr": "asfr"}).to_csv(path, index=False)
    raises(copy, "fertility_pattern.csv", "share_of_tfr")


def test_fertility_shares_must_sum_to_one(copy):
    path = copy / "fertility_pattern.csv"
    df = pd.read_csv(path)
    df["share_of_tfr"] *= 2
    df.to_csv(path, index=False)
    raises(copy, "fertility_pattern.csv", "sum")


def test_not_yaml(copy):
    (copy / "assumptions.yaml").write_text("name: [unclosed\n")
    raises(copy, "not valid YAML")


def test_missing_folder(tmp_path):
    raises(tmp_path / "nowhere", "not found")
