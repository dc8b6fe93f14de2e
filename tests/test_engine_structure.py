"""The engine's shape: schemes as declarations, one indicator registry, a region axis, a pure
chunk kernel, an explicit fitted model that levers never refit, levers as overlays."""

import io
import shutil
import tokenize
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from hypothesis import given, settings, strategies as st

import actuarial
from actuarial import alerts, indicators, schemes, uncertainty
from actuarial.engine import flow_years, resolve_inputs, run_chunk
from actuarial.params import RegionSet
from actuarial.policy import apply_lever, overlay
from actuarial.testing import money_residual, population_residual, write_assumption_set
from conftest import EXAMPLE, ROOT

PACKAGE = ROOT / "actuarial"


# --------------------------------------------------------------------------------------------
# Schemes are declarations; nothing after them names one
# --------------------------------------------------------------------------------------------

def _string_literals(path: Path) -> set[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return {t.string.strip("\"'") for t in tokens if t.type == tokenize.STRING and not t.string.startswith(('"""', "'''"))}


GENERIC = ["engine/__init__.py", "engine/inputs.py", "engine/kernel.py", "engine/executors.py", "engine/assembly.py",
           "indicators.py", "alerts.py", "calibration.py", "report/budget.py", "report/summary.py",
           "province/__init__.py", "province/actions.py", "province/pooling.py", "province/view.py"]


@pytest.mark.parametrize("module", GENERIC)
def test_generic_stages_name_no_scheme_or_ledger(module):
    names = set(schemes.SCHEME_NAMES) | set(schemes.LEDGER_NAMES)
    assert not (_string_literals(PACKAGE / module) & names), f"{module} names a scheme or a ledger"


def test_declarations_are_consistent():
    for sch in schemes.SCHEMES:
        assert sch.fund is sch.ledgers[0]
        assert set(sch.claim_categories) <= set(sch.category_names)
        assert set(sch.member_columns) == set(sch.statuses)
    assert len(set(schemes.LEDGER_NAMES)) == len(schemes.LEDGER_NAMES), "ledger names must be unique"
    members = [s for sch in schemes.SCHEMES for s in sch.statuses]
    assert len(set(members)) == len(members), "a status belongs to one scheme"


def test_every_ledger_rolls_forward(example_projection):
    for name, resid in money_residual(example_projection).items():
        assert float(np.abs(resid).max()) < 1e-12, name
    ds = example_projection
    for sch in schemes.SCHEMES:   # the scheme view is its fund ledger
        fund = ds["ledger_balance"].sel(ledger=sch.fund.name)
        np.testing.assert_array_equal(ds["balance"].sel(scheme=sch.name).values, fund.values)


def test_budget_lines_come_from_the_declarations(example_projection):
    from actuarial.report import budget
    tables = budget.budget_tables(example_projection)
    for sch in schemes.SCHEMES:
        items = tables[sch.name].index.get_level_values("item")
        assert {line.label for line in sch.sources} <= set(items)
        assert {line.label for line in sch.categories} <= set(items)


# --------------------------------------------------------------------------------------------
# One indicator registry
# --------------------------------------------------------------------------------------------

def test_stored_indicators_carry_the_registry_attrs(example_projection):
    for ind in indicators.INDICATORS.values():
        if ind.stored:
            da = example_projection[ind.identifier]
            assert da.attrs["units"] == ind.units and da.attrs["long_name"] == ind.long_name, ind.identifier


def test_alert_units_are_the_registry_units(example_projection):
    table = alerts.evaluate(example_projection).table
    for _, row in table.iterrows():
        assert row["units"] == indicators.get(row["indicator"]).units
        if row["indicator"] in example_projection:
            assert row["units"] == example_projection[row["indicator"]].attrs["units"]
    assert example_projection["surplus_rate"].attrs["units"] == "1"


def test_registry_formula_equals_the_stored_value(example_projection):
    ds = example_projection
    for name in ("surplus_rate", "dependency_ratio", "old_age_ratio", "coverage"):
        recomputed = indicators.get(name).compute(ds.drop_vars(name))
        np.testing.assert_allclose(recomputed.transpose(*ds[name].dims).values, ds[name].values, rtol=1e-12)


@pytest.mark.parametrize("indicator, scheme, threshold, fragment", [
    ("reserve_months", "employee", -1000, "never be a meaningful line"),
    ("surplus_rate", "resident", 15, "write 0.15 for 15%"),
    ("reserve_months", "nonexistent", 3, "needs a scheme"),
    ("depletion_year", "employee", 2030, "no value by year"),
])
def test_lines_that_can_never_fire_are_rejected(indicator, scheme, threshold, fragment):
    raw = {"levels": ["red"], "rules": [{"id": "x", "indicator": indicator, "scheme": scheme,
                                          "comparison": "below", "threshold": threshold, "level": "red",
                                          "description": "test"}]}
    with pytest.raises(alerts.AlertError, match=fragment):
        alerts.rules_from_dict(raw)


# --------------------------------------------------------------------------------------------
# Region axis
# --------------------------------------------------------------------------------------------

def test_one_region_is_a_scalar_coordinate(example, example_projection):
    assert example_projection["region"].ndim == 0
    assert str(example_projection["region"].values) == example.region == "example-city"
    assert example_projection.attrs["region"] == "example-city"


@pytest.fixture(scope="module")
def region_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    for name, scale in (("north", 1.0), ("south", 2.5)):
        pop = {(s, x, a): scale * (1000.0 + 10 * a) for s in ("active", "resident") for x in ("female", "male")
               for a in range(18, 60)}
        pop.update({("retired", x, a): scale * 500.0 for x in ("female", "male") for a in range(60, 101)})
        write_assumption_set(root / name, population=pop)
    (root / "assumptions.yaml").write_text(yaml.safe_dump({
        "name": "test-province", "title": "Two cities", "description": "a set of regions for tests",
        "regions": {"North City": "north", "South City": "south"}}), encoding="utf-8")
    return root


def test_a_region_set_projects_along_a_region_dimension(region_set):
    rs = actuarial.load_assumptions(region_set)
    assert isinstance(rs, RegionSet) and rs.region_names == ("North City", "South City")
    ds = actuarial.project(rs, years=5)
    assert ds.sizes["region"] == 2 and list(ds["region"].values) == ["North City", "South City"]
    alone = actuarial.project(actuarial.load_assumptions(region_set / "south"), years=5)
    for var in ("balance", "income", "population_total", "reserve_months"):
        np.testing.assert_allclose(ds[var].sel(region="South City").values, alone[var].values, rtol=1e-12)
    assert float(np.abs(population_residual(ds)).max()) < 1e-9
    report = alerts.evaluate(ds)
    assert set(report.table["region"]) == {"North City", "South City"}
    assert report.dataset["probability"].dims == ("rule", "region", "year")


def test_region_set_errors_name_the_file_and_region(region_set, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(region_set, bad)
    data = yaml.safe_load((bad / "south" / "assumptions.yaml").read_text())
    data["base_year"] = 2025
    (bad / "south" / "assumptions.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(actuarial.AssumptionError, match=r"regions.South City.*base year|base year.*regions.South City"):
        actuarial.load_assumptions(bad)


# --------------------------------------------------------------------------------------------
# A pure chunk kernel
# --------------------------------------------------------------------------------------------

def test_kernel_is_a_pure_function_of_inputs_range_and_seed(example):
    fy = flow_years(example, 5)
    inp = resolve_inputs(example, fy)
    model = uncertainty.fit(example)
    assert not inp.mx.flags.writeable and not inp.pop0.flags.writeable
    whole = run_chunk(inp, model, 0, 12, 99, uncertainty.SOURCES)
    part = run_chunk(inp, model, 5, 9, 99, uncertainty.SOURCES)
    again = run_chunk(inp, model, 5, 9, 99, uncertainty.SOURCES)
    for key in whole:
        np.testing.assert_array_equal(part[key], again[key])
        np.testing.assert_allclose(part[key], whole[key][5:9], rtol=1e-13, atol=1e-6, err_msg=key)


def test_executors_and_chunking_give_the_same_numbers(example):
    kw = dict(years=5, draws=23, seed=7)
    a = actuarial.project(example, chunk=23, executor="serial", **kw)
    b = actuarial.project(example, chunk=4, executor="threads", workers=2, **kw)
    c = actuarial.project(example, chunk=4, keep_population=False, **kw)
    xr.testing.assert_allclose(a["balance"], b["balance"], rtol=1e-13)
    xr.testing.assert_allclose(a["population"], b["population"], rtol=1e-13)
    xr.testing.assert_allclose(a["reserve_months"], c["reserve_months"], rtol=1e-13)


# --------------------------------------------------------------------------------------------
# The fitted model is explicit and levers never refit
# --------------------------------------------------------------------------------------------

def test_levers_never_refit_the_stochastic_model(example, monkeypatch):
    from actuarial.uncertainty import models
    monkeypatch.setenv("ACTUARIAL_CACHE", "off")        # the in-process cache alone (tests/test_fit_cache.py: on disk)
    calls = []
    real_fit = models._fit
    monkeypatch.setattr(models, "_fit", lambda a: calls.append(1) or real_fit(a))
    models._CACHE.clear()
    actuarial.project(example, years=3, draws=5, seed=1)
    for change in (-0.005, 0.0, 0.01):
        changed = apply_lever(example, {"lever": "contribution_rate", "employer_change": change, "from_year": 2026}, 3)
        actuarial.project(changed, years=3, draws=5, seed=1)
    assert len(calls) == 1


def test_a_model_passed_in_is_the_model_used(example):
    model = uncertainty.fit(example)
    a = actuarial.project(example, years=3, draws=8, seed=3, model=model)
    b = actuarial.project(example, years=3, draws=8, seed=3)
    xr.testing.assert_equal(a["balance"], b["balance"])
    assert a.attrs["stochastic_model_hash"] == model.data_hash == uncertainty.models.data_hash(example)


# --------------------------------------------------------------------------------------------
# Levers overlay the baseline and are recorded
# --------------------------------------------------------------------------------------------

def test_a_lever_keeps_the_parameters_own_rule_after_its_last_year(example):
    base = example.parameter("resident.premium")
    assert base.after_last != "hold"          # the example's premium grows after its last given year
    changed = apply_lever(example, {"lever": "resident_funding", "premium_change": 60, "from_year": 2026}, 10)
    new = changed.parameter("resident.premium")
    assert new.values == base.values and new.after_last == base.after_last and len(new.overlays) == 1
    years = np.arange(2024, 2090)
    diff = new.resolve(years) - base.resolve(years)
    np.testing.assert_allclose(diff, np.where(years >= 2026, 60.0, 0.0))


def test_overlays_in_order_and_growth_from_the_year(example):
    a = overlay(example, "resident.subsidy", from_year=2026, value=1000.0, note="set")
    a = overlay(a, "resident.subsidy", from_year=2028, grow_rate=0.02, note="grow")
    np.testing.assert_allclose(a.parameter("resident.subsidy").resolve([2025, 2026, 2027, 2028, 2030])[1:],
                               [1000, 1000, 1000, 1000 * 1.02 ** 2])


def test_an_overlay_out_of_range_is_an_error_naming_the_parameter(example):
    with pytest.raises(actuarial.ActuarialError, match="employee.employer_rate"):
        overlay(example, "employee.employer_rate", from_year=2026, change=0.5, note="too much")


def test_levers_are_recorded_in_the_outputs(example):
    spec = {"lever": "cost_containment", "points": 0.01, "from_year": 2026}
    ds = actuarial.project(apply_lever(example, spec, 5), years=5)
    assert yaml.safe_load(ds.attrs["levers"]) == [spec]
    assert actuarial.project(example, years=1).attrs["levers"] == "none"


# --------------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------------

def test_no_package_module_is_over_450_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert not long, f"modules over 450 lines: {long}"


def test_variants_priced_on_the_kept_population_equal_full_projections(example):
    from actuarial.engine.reuse import Projector
    proj = Projector(example, 6, draws=40, seed=11, keep_population=True)
    money = apply_lever(example, {"lever": "resident_funding", "premium_change": 80, "from_year": 2026}, 6)
    people = apply_lever(example, {"lever": "retirement_age", "target_ages": {"men": 65}, "from_year": 2025}, 6)
    for variant, reused in ((money, 1), (people, 1)):
        got = proj.project(variant)
        want = actuarial.project(variant, 6, draws=40, seed=11)
        assert proj.reused == reused
        for var in ("balance", "reserve_months", "population", "income_by_source", "ledger_balance"):
            np.testing.assert_allclose(got[var].values, want[var].values, rtol=1e-12, err_msg=var)
        assert got.attrs["levers"] == want.attrs["levers"]


def test_the_a0_rule_of_the_assumption_file_reaches_the_engine(copy):
    from conftest import edit_yaml
    base = actuarial.project(actuarial.load_assumptions(copy), years=2)
    edit_yaml(copy, lambda d: d["demography"].update(a0_rule="half"))
    half = actuarial.project(actuarial.load_assumptions(copy), years=2)
    # a0 sets how long infants who die live in their first year, so it moves the share of the
    # year's births alive at 1 January (L0 / l0) and the deaths, never the births
    assert float(half["deaths"].isel(year=0).sum()) != pytest.approx(float(base["deaths"].isel(year=0).sum()), rel=1e-9)
    np.testing.assert_allclose(half["births"].isel(year=0), base["births"].isel(year=0), rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Scale-out: a dask cluster and per-draw summaries in Zarr give the local numbers
# --------------------------------------------------------------------------------------------

@pytest.mark.xdist_group("dask")
def test_a_local_dask_cluster_gives_the_local_numbers(example, dask_client):
    kw = dict(years=10, draws=2000, seed=20241122, keep_population=False, chunk=500)
    remote = actuarial.project(example, client=dask_client, **kw)
    local = actuarial.project(example, **kw)
    for var in ("balance", "reserve_months", "population_total", "ledger_balance", "depletion_year"):
        np.testing.assert_array_equal(remote[var].values, local[var].values, err_msg=var)


def test_per_draw_summaries_in_zarr_equal_the_projection(example, tmp_path):
    from actuarial.engine.store import open_summary, project_to_zarr
    store = project_to_zarr(example, tmp_path / "draws.zarr", 6, draws=45, seed=3, chunk=20)
    assert not (tmp_path / "draws.zarr.partial").exists()
    s = open_summary(store)
    assert s["balance"].chunks is not None and "age" not in s.dims
    local = actuarial.project(example, 6, draws=45, seed=3, keep_population=False)
    for var in s.data_vars:
        np.testing.assert_allclose(s[var].values, local[var].values, rtol=1e-12, err_msg=var)
    q = uncertainty.quantiles(s["reserve_months"])
    np.testing.assert_allclose(q.values, uncertainty.quantiles(local["reserve_months"]).values, rtol=1e-12)
    with pytest.raises(actuarial.ProjectionError, match="already exists"):
        project_to_zarr(example, store, 6, draws=5, seed=3)


@pytest.mark.parametrize("structure", ["old", "flexible and contribution years", "contributors past retirement"])
def test_the_compiled_recurrence_equals_the_numpy_steps(example, structure):
    """The fused kernel against the reference (actuarial.engine.reference: the steps of
    actuarial.demography composed in numpy, year by year), on draws with mortality and employment shocks (caps binding); once as
    an older set (no flexible moves, a constant share at retirement), once with flexible
    entries and exits and the contribution-years rule, and once more with contributors where
    the compiled pass would otherwise skip the moves (pass_layout.age_spans): active and flexible
    members past every retirement age at the base date, contributing migrants and entries
    there."""
    import dataclasses

    from actuarial.dims import ACTIVE, CONTRIBUTING_STATUSES, FLEXIBLE, STATUS_INDEX
    from actuarial.engine import pass_layout
    from actuarial.engine.kernel import NEWBORN, PopulationDraws, realise_population, run_population
    from actuarial.engine.reference import numpy_population
    fy = flow_years(example, 6)
    inp = resolve_inputs(example, fy)

    def spans(inp):
        return pass_layout.age_spans(inp.pop0, inp.fertility, inp.entry, inp.exit, inp.flexible_entry, inp.flexible_exit,
                               inp.retire, inp.migration, (ACTIVE, FLEXIBLE))
    assert 0 < spans(inp)[1] < 80     # the example's moves stop at the last retirement age
    if structure != "old":
        rng = np.random.default_rng(3)
        f_entry = rng.uniform(0, 0.05, size=(fy.size,) + inp.entry.shape) * (np.arange(101) >= 16)
        pop0 = inp.pop0.copy()
        pop0[STATUS_INDEX["flexible"]] = 0.2 * pop0[STATUS_INDEX["active"]]
        years0 = np.zeros_like(pop0)
        for status in CONTRIBUTING_STATUSES:
            years0[STATUS_INDEX[status]] = pop0[STATUS_INDEX[status]] * np.clip(np.arange(101) - 20, 0, None) * 0.8
        minimum = np.tile([20.0, 25.0], (fy.size, 1))
        inp = dataclasses.replace(inp, pop0=pop0, flexible_entry=f_entry, flexible_exit=np.full_like(inp.exit, 0.1),
                                  years0=years0, years_rule=(minimum, 6.0, rng.uniform(0, 0.5, fy.size)))
    if structure == "contributors past retirement":
        pop0, years0 = inp.pop0.copy(), inp.years0.copy()
        pop0[[ACTIVE, FLEXIBLE], :, 66:76] = 50.0
        years0[[ACTIVE, FLEXIBLE], :, 66:76] = 50.0 * 30.0
        migration, entry = inp.migration.copy(), inp.entry.copy()
        migration[ACTIVE, :, 68] = 5.0
        migration[FLEXIBLE, :, 70] = -3.0
        entry[:, 67] = 0.1
        inp = dataclasses.replace(inp, pop0=pop0, years0=years0, migration=migration, entry=entry,
                                  flexible_entry=inp.flexible_entry * (np.arange(101) < 60))
        assert spans(inp)[1] == 77        # one past the oldest contributor at the base date, who ages first
    dev = uncertainty.draw_deviations(uncertainty.fit(example), 7, fy.size, 5)
    dev["employment"] = dev["employment"] * 40          # large enough for the cap of 1 to bind
    real = realise_population(inp, dev, uncertainty.fit(example).bx_single)
    assert real.sx is None and real.shocks is not None      # survival left to the pass
    got = run_population(inp, real)
    # the survival computed in the pass, lane group by lane group, gives the bits of the ratios
    # computed as arrays first (the numpy reference's input)
    given = run_population(inp, PopulationDraws(*real.survival(), real.employment_scale))
    for key, value in got.items():
        np.testing.assert_array_equal(given[key], value, err_msg=key)
    ref = numpy_population(inp, real)
    np.testing.assert_allclose(got["births"], ref["births"], rtol=1e-13)
    np.testing.assert_allclose(got["deaths"], ref["deaths"], rtol=1e-12)
    np.testing.assert_allclose(got["migration"], ref["migration"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got["population"], ref["population"], rtol=1e-12, atol=1e-9)
    # the stock sums of the compiled pass (persons, claim costs, profiles, age bands) against
    # numpy's einsum over the reference population
    from actuarial.engine.kernel import stock_sums
    want = stock_sums(inp, ref["population"])
    for key in ("sums", "sums_age0", "totals"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-6, err_msg=key)
    assert want["sums"][..., 1:].any(axis=(0, 1, 2)).all()     # every weight column is exercised
    assert STATUS_INDEX["resident"] == NEWBORN
    if structure != "old":     # the rule moved people: flexible workers exist and some retirees left
        assert got["population"][:, -1, STATUS_INDEX["flexible"]].sum() > 0


def test_draws_without_a_seed_pick_one_and_record_it(example):
    ds = actuarial.project(example, years=2, draws=6)
    assert ds.attrs["seed_picked"] == "yes" and ds.attrs["seed"] != "none"
    again = actuarial.project(example, years=2, draws=6, seed=int(ds.attrs["seed"]))
    xr.testing.assert_equal(ds["balance"], again["balance"])
    assert again.attrs["seed_picked"] == "no"


@pytest.mark.xdist_group("dask")
def test_the_command_line_runs_on_a_scheduler(tmp_path, capsys, dask_client, monkeypatch):
    import distributed

    from actuarial import cli
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump({"name": "cluster", "assumptions": str(EXAMPLE), "years": 3, "draws": 300,
                                   "seed": 7, "keep_population": False, "outputs": ["netcdf"]}), encoding="utf-8")
    address = dask_client.scheduler.address
    assert cli.main(["run", str(job), "--out", str(tmp_path / "out"), "--scheduler", address]) == 0
    remote = xr.load_dataset(tmp_path / "out" / "cluster.nc")
    local = actuarial.project(actuarial.load_assumptions(EXAMPLE), 3, draws=300, seed=7, keep_population=False)
    np.testing.assert_array_equal(remote["balance"].values, local["balance"].values)
    real = distributed.Client          # nobody listens on port 9: wait 1 s for it, not the command's 10 s
    monkeypatch.setattr(distributed, "Client", lambda address, **kw: real(address, **{**kw, "timeout": 1}))
    assert cli.main(["run", str(job), "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "no dask scheduler answered" in capsys.readouterr().err


def test_a_profile_is_summed_only_for_the_statuses_its_scheme_reads(example):
    """The critical-illness band profiles are read for the resident status only: they are zero
    for the other statuses (their sums cost nothing) and asking for another status is refused
    rather than answered with a silent zero."""
    from actuarial.dims import STATUS_INDEX
    from actuarial.engine.kernel import claims_by_status, run_population, realise_population
    from actuarial.schemes import PROFILES
    from actuarial.schemes.base import Members
    inp = resolve_inputs(example, flow_years(example, 3))
    j = PROFILES.index("ci_60_69_persons")
    assert inp.profile_statuses["ci_60_69_persons"] == ("resident",)
    assert inp.profiles[STATUS_INDEX["resident"], :, 65, j].all()
    assert not inp.profiles[STATUS_INDEX["active"], ..., j].any()
    pop = run_population(inp, realise_population(inp, uncertainty.zero_deviations(1, inp.flow_years.size), None))
    claims, claims0, prof, prof0 = claims_by_status(inp, pop["sums"], pop["sums_age0"])
    m = Members(claims, claims0, inp.flow_years, None, None, None, {}, prof, prof0,
                {name: i for i, name in enumerate(PROFILES)}, {}, inp.profile_statuses)
    assert (m.profile("ci_60_69_persons", ("resident",)) > 0).all()
    with pytest.raises(actuarial.ProjectionError, match="ci_60_69_persons.*resident"):
        m.profile("ci_60_69_persons", ("active", "resident"))
    # several profiles as one array: column k is profile k, summed over the statuses asked for
    names = ("ci_0_14_persons", "ci_60_69_persons", "ltc_disabled", "maternity_fertility")
    block = m.profile_columns(names[:2], ("resident",))
    assert block.shape == m.profile("ci_60_69_persons", ("resident",)).shape + (2,)
    for k, name in enumerate(names[:2]):
        np.testing.assert_array_equal(block[..., k], m.profile(name, ("resident",)))
    for k, name in enumerate(names[2:]):    # not side by side in PROFILES: picked, not sliced
        np.testing.assert_array_equal(m.profile_columns(names[2:], ("active",))[..., k],
                                      prof["active"][..., PROFILES.index(name)])
    np.testing.assert_array_equal(m.profile_columns(("ltc_disabled",), ("active", "retired"))[..., 0],
                                  prof["active"][..., PROFILES.index("ltc_disabled")]
                                  + prof["retired"][..., PROFILES.index("ltc_disabled")])
    with pytest.raises(actuarial.ProjectionError, match="ci_0_14_persons.*asked for \\['active'\\]"):
        m.profile_columns(names[:2], ("active",))



@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_stock_segments_give_every_column_and_total(seed):
    """Weights built the way the engine's are (columns of ones over runs of ages, columns of a
    cost vector restricted to runs of ages, columns of their own, zero columns): the sums of
    the segments equal the weighted sums of every column and the totals by sex, each cell is
    multiplied once per distinct weight vector, and a column sharing another's weights adds no
    product."""
    from actuarial.engine.pass_layout import segments_of
    rng = np.random.default_rng(seed)
    S, X, A, K = 3, 2, 12, 7
    weights = np.zeros((S, X, A, K))
    cost = rng.uniform(1, 5, (S, X, A))
    for s in range(S):
        for k in range(K):
            kind = rng.integers(4)
            lo, hi = sorted(rng.integers(0, A + 1, 2))
            runs = np.zeros((X, A), bool)
            runs[rng.integers(X), lo:hi] = True
            runs[:, rng.integers(A)] |= rng.random() < 0.5              # a second run, maybe
            weights[s, ..., k] = [runs, cost[s] * runs, rng.uniform(1, 5, (X, A)) * runs, 0][kind]
    lanes = 8
    rows, vals, ptr, col_segs, col_ptr, tot_segs, tot_ptr = segments_of(weights, lanes)
    pop = rng.uniform(0, 100, (S, X, A))
    flat = np.repeat(pop.reshape(-1), lanes)
    seg = np.array([flat[rows[ptr[g]:ptr[g + 1]]] @ vals[ptr[g]:ptr[g + 1]] for g in range(ptr.size - 1)])
    sums = [[seg[col_segs[col_ptr[s, k]:col_ptr[s, k + 1]]].sum() for k in range(K)] for s in range(S)]
    totals = [[seg[tot_segs[tot_ptr[s, x]:tot_ptr[s, x + 1]]].sum() for x in range(X)] for s in range(S)]
    np.testing.assert_allclose(sums, np.einsum("sxa,sxak->sk", pop, weights), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(totals, pop.sum(axis=-1), rtol=1e-13)
    # a column of ones or of another column's weights over runs of ages adds segments, no product
    extra = np.zeros((S, X, A, 2))
    extra[:, 0, 2:7, 0] = 1.0
    shared = (weights[:, 1, 5:, 2] != 0).all(axis=-1)                  # column 2 nonzero over ages 5 and up
    extra[shared, 1, 5:, 1] = weights[shared, 1, 5:, 2]
    more = segments_of(np.concatenate([weights, extra], axis=-1), lanes)
    assert more[0].size == rows.size
    np.testing.assert_array_equal([[more[3][more[4][s, k]:more[4][s, k + 1]].size > 0 for k in range(K, K + 2)]
                                for s in range(S)], [[True, shared[s]] for s in range(S)])


def test_claims_are_handed_to_schemes_draws_innermost_with_the_same_values():
    """The schemes read the claims of a status as (D, T + 1, 1 + C) arrays equal to the stock
    sums' columns, stored draws innermost (each column's (dates, draws) block contiguous) and
    copied once, when first read."""
    from actuarial.schemes import DrawsInnermost
    sums = np.random.default_rng(2).uniform(size=(5, 4, 3, 6))
    views = {"a": sums[:, :, 0, :3], "b": sums[:, :, 2, :3]}
    claims = DrawsInnermost(views)
    assert len(claims) == 2 and list(claims) == ["a", "b"] and not claims._copied
    np.testing.assert_array_equal(claims["b"], sums[:, :, 2, :3])
    assert list(claims._copied) == ["b"] and claims["b"] is claims["b"]
    col = claims["b"][..., 1]
    assert col.shape == (5, 4) and col.T.flags.c_contiguous            # (dates, draws) contiguous
