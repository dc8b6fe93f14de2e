"""Warning rules: when they fire, what they say, and what they reject."""

import numpy as np
import pytest
import xarray as xr
import yaml

import actuarial
from actuarial import alerts, cli
from actuarial.alerts import AlertError, evaluate, rules_from_dict
from conftest import ROOT

YEARS = np.arange(2024, 2031)


def fake_projection(reserve_months, draws=None):
    """A projection holding only what the reserve-months rules read."""
    rm = np.asarray(reserve_months, dtype=float)
    dims = ("draw", "year") if draws else ("year",)
    emp = xr.DataArray(rm, dims=dims)
    res = xr.full_like(emp, 10.0)
    da = xr.concat([emp, res], dim="scheme").transpose(*dims, "scheme")
    return xr.Dataset({"reserve_months": da}, coords={"year": YEARS, "scheme": ["employee", "resident"]})


def one_rule(threshold=5.0, comparison="below", probability=0.1, level="red"):
    return rules_from_dict({"levels": ["red", "yellow"], "rules": [{
        "id": "r", "indicator": "reserve_months", "scheme": "employee", "comparison": comparison,
        "threshold": threshold, "level": level, "probability": probability,
        "description": "pooled fund below {threshold:g} {units}"}]})


def test_fires_in_the_crossing_year_and_not_before():
    ds = fake_projection([12, 10, 8, 6, 4.9, 3, 2])
    report = evaluate(ds, one_rule(5))
    fired = report.dataset["fired"].sel(rule="r")
    assert fired.sel(year=2028) and not fired.sel(year=slice(2024, 2027)).any()
    assert float(report.dataset["first_year"].sel(rule="r")) == 2028
    assert report.table.loc[0, "fired"] and report.table.loc[0, "first_year"] == 2028


def test_deterministic_probability_is_the_breach_itself():
    # without draws the probability is the breach indicator: 1 strictly below the line, 0 at it
    # or above (a check that a set of 0s and 1s is a subset of {0, 1} could not fail)
    months = [7.0, 6.0, 5.9, 4.0, 6.0001, 3.0, 8.0]
    report = evaluate(fake_projection(months), one_rule(threshold=6.0))
    np.testing.assert_array_equal(report.dataset["probability"].sel(rule="r").values, [0, 0, 1, 1, 0, 1, 0])
    assert float(report.dataset["first_year"].sel(rule="r")) == 2026


def test_resident_depletion_year_matches_the_projection(example_projection):
    report = evaluate(example_projection)
    first = float(report.dataset["first_year"].sel(rule="resident-depletion"))
    assert first == float(example_projection["depletion_year"].sel(scheme="resident"))


def test_threshold_changes_message_and_result():
    ds = fake_projection([12, 10, 8, 6, 4.9, 3, 2])
    low, high = evaluate(ds, one_rule(3.5)), evaluate(ds, one_rule(7))
    assert "below 3.5 months" in low.table.loc[0, "message"]
    assert "below 7 months" in high.table.loc[0, "message"]
    assert low.table.loc[0, "first_year"] == 2029 and high.table.loc[0, "first_year"] == 2027


def test_probability_matches_a_direct_count():
    rng = np.random.default_rng(0)
    rm = rng.normal(6, 2, size=(500, YEARS.size))
    report = evaluate(fake_projection(rm, draws=500), one_rule(5, probability=0.3))
    direct = (rm < 5).mean(axis=0)
    np.testing.assert_array_equal(report.dataset["probability"].sel(rule="r").values, direct)
    np.testing.assert_array_equal(report.dataset["fired"].sel(rule="r").values, direct >= 0.3)


def test_stochastic_projection_and_order_of_severity(example):
    mc = actuarial.project(example, years=8, draws=60, seed=5)
    report = evaluate(mc)
    severities = report.table.loc[report.table["fired"], "severity"].tolist()
    assert severities == sorted(severities)
    p = report.dataset["probability"].sel(rule="resident-reserves-1-3")      # a band: two conditions
    rm = mc["reserve_months"].sel(scheme="resident")
    direct = ((rm >= 1) & (rm < 3)).mean("draw")
    np.testing.assert_array_equal(p.values, direct.values)


def test_default_rules_state_their_lines():
    rules = alerts.default_rules()
    ids = {r.id for r in rules.rules}
    assert {"employee-reserves-below-1", "employee-reserves-1-3", "employee-reserves-3-6", "employee-reserves-excess",
            "resident-deficit", "resident-depletion", "dependency-ratio-low", "resident-surplus-cap"} <= ids
    band = next(r for r in rules.rules if r.id == "employee-reserves-1-3")
    assert "1-3 months" in alerts.describe(band)


@pytest.mark.parametrize("change,fragment", [
    (lambda r: r["rules"][0].update(colour="red"), "unknown key"),
    (lambda r: r["rules"][0].update(indicator="happiness"), "unknown indicator 'happiness'"),
    (lambda r: r["rules"][0].update(level="purple"), "unknown level 'purple'"),
    (lambda r: r["rules"][0].pop("scheme"), "needs a scheme"),
    (lambda r: r["rules"][0].update(description="below {limit}"), "cannot be filled"),
    (lambda r: r["rules"][0].update(probability=1.5), "probability"),
    (lambda r: r["rules"].append(dict(r["rules"][0], id="r2", level="yellow")), "contradictory"),
    (lambda r: r["rules"].append(dict(r["rules"][0], id="r2", level="yellow", threshold=2)), "contradictory"),
    (lambda r: r["rules"].append(dict(r["rules"][0])), "used by another rule"),
])
def test_bad_rules_are_rejected(change, fragment):
    raw = {"levels": ["red", "yellow"], "rules": [{
        "id": "r", "indicator": "reserve_months", "scheme": "employee", "comparison": "below",
        "threshold": 5, "level": "red", "probability": 0.1, "description": "below {threshold:g}"}]}
    change(raw)
    with pytest.raises(AlertError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        rules_from_dict(raw, source="rules.yaml")


def test_rules_file_and_cli_fail_on(tmp_path, capsys):
    rules = tmp_path / "lines.yaml"
    rules.write_text(yaml.safe_dump({"levels": ["red", "yellow"], "rules": [{
        "id": "resident-low", "indicator": "reserve_months", "scheme": "resident", "comparison": "below",
        "threshold": 4, "level": "red", "probability": 0.1, "description": "resident below {threshold:g} months"}]}))
    job = str(ROOT / "projections" / "example-city.yaml")
    out_dir = tmp_path / "out"
    assert cli.main(["run", job, "--out", str(out_dir), "--alerts", str(rules), "--fail-on", "red"]) == cli.EXIT_ALERT
    out = capsys.readouterr().out
    assert "[RED] resident below 4 months" in out
    assert (out_dir / "alerts.csv").is_file()
    assert cli.main(["run", job, "--out", str(out_dir), "--force", "--alerts", str(rules), "--years", "1",
                     "--fail-on", "red"]) == 0
    assert cli.main(["run", job, "--out", str(out_dir), "--fail-on", "purple"]) == cli.EXIT_INPUT_ERROR
    assert "unknown level" in capsys.readouterr().err
