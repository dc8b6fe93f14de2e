"""The province pass: out-of-area care, the provincial adjustment fund and management actions,
applied draw by draw to every region's kernel results (docs/province.md)."""

import shutil

import numpy as np
import pytest
import xarray as xr
import yaml

import actuarial
from actuarial import alerts, cli, schemes
from actuarial.params.province import LAYERS
from actuarial.province import pooling
from actuarial.province.view import budget_by_region, province_view, with_province
from actuarial.testing import money_residual, simple_config, write_assumption_set
from conftest import ROOT

PROVINCE = ROOT / "assumptions" / "example-province"
FUNDS = [s.fund.name for s in schemes.SCHEMES]


def _s(unit, value):
    return {"unit": unit, "source": "test", "value": value}


def _actions(**change):
    out = {"source": "test", "floor_months": _s("months", 3), "fiscal_topup_cap": _s("fraction of fund spending", 2.0),
           "rate_rise_step": _s("fraction", 0.05), "rate_rise_total": _s("fraction", 0.2),
           "benefit_cut_step": _s("fraction", 0.02), "benefit_cut_total": _s("fraction", 0.05)}
    out.update(change)
    return out


ADJUST = {"source": "test", "basis": "income", "contribution_rate": _s("fraction", 0.05),
          "cover_below_months": _s("months", 0), "keep_balance": False}


def _city(folder, opening_scale=1.0, premium=300, **config_changes):
    cfg = simple_config()
    cfg["employee"]["opening_balance"]["value"] *= opening_scale
    cfg["resident"]["opening_balance"]["value"] *= opening_scale
    cfg["resident"]["premium"]["values"] = {2024: premium}
    cfg.update(config_changes)
    pop = {(s, x, a): 1000.0 + 10 * a for s in ("active", "resident") for x in ("female", "male") for a in range(18, 60)}
    pop.update({("retired", x, a): 800.0 for x in ("female", "male") for a in range(60, 101)})
    write_assumption_set(folder, config=cfg, population=pop)
    return folder


def _set(root, province=None, cities=(("rich", 3.0, 300), ("poor", 0.0, 80), ("mid", 1.0, 200))):
    for name, scale, premium in cities:
        _city(root / name, scale, premium)
    raw = {"name": "test-province", "title": "Three cities", "description": "tests",
           "regions": {n: n for n, _, _ in cities}}
    if province is not None:
        raw["province"] = province
    (root / "assumptions.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return actuarial.load_assumptions(root)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return actuarial.project(_set(tmp_path_factory.mktemp("plain")), years=8)


def test_without_a_province_section_the_numbers_are_todays(tmp_path, plain):
    ds = actuarial.project(_set(tmp_path, {}), years=8)
    for var in plain.data_vars:
        np.testing.assert_array_equal(ds[var].values, plain[var].values, err_msg=var)
    zero = {"source": "t", "away_share": {"unit": "fraction", "source": "t", "default": 0.0},
            "outside_share": _s("fraction", 0.3), "destination_weight": {"unit": "1", "source": "t", "default": 1.0},
            "price_factor": _s("ratio", 1.2), "outside_price_factor": _s("ratio", 1.5)}
    ds = actuarial.project(_set(tmp_path / "zero", {"out_of_area": zero}), years=8)   # the pass runs, changes nothing
    for var in plain.data_vars:
        np.testing.assert_array_equal(ds[var].values, plain[var].values, err_msg=var)


def test_adjustment_transfers_sum_to_zero_and_every_ledger_rolls_forward(tmp_path, plain):
    ds = actuarial.project(_set(tmp_path, {"adjustment_fund": ADJUST}), years=8)
    t = ds["adjustment_transfer"]
    scale = float(np.abs(ds["income"]).sum("region").max())
    assert float(np.abs(t.sum("region")).max()) < 1e-9 * scale
    for name, resid in money_residual(ds).items():
        assert float(np.abs(resid).max()) < 1e-12, name
    # contributions are 5% of income; the poor city (no reserves, low premium) is paid
    res = schemes.MEMBER_SCHEMES[-1].name        # the resident fund (the last scheme with members)
    assert float(t.sel(region="poor", scheme=res).sum()) > 0
    assert float(t.sel(region="rich", scheme=res).sum()) < 0
    assert float(ds["balance"].sel(region="poor", scheme=res).min()) > float(
        plain["balance"].sel(region="poor", scheme=res).min())


def test_a_kept_pot_closes_the_identity(tmp_path):
    ds = actuarial.project(_set(tmp_path, {"adjustment_fund": dict(ADJUST, keep_balance=True)}), years=8)
    pot = ds["adjustment_fund_balance"]
    change = pot - pot.shift(year=1, fill_value=0.0)
    resid = ds["adjustment_transfer"].sum("region") + change
    assert float(np.abs(resid).max()) < 1e-9 * float(np.abs(ds["income"]).sum("region").max())
    assert float(pot.min()) >= -1e-6
    # the pot receives 5% of every city's fund income before transfers
    before = (ds["income"] - ds["action_paid"].sel(layer="adjustment_fund")).clip(min=0)
    np.testing.assert_allclose(ds["adjustment_fund_income"].values, 0.05 * before.sum("region").values, rtol=1e-9)


def test_transfers_sum_to_zero_in_every_draw():
    ds = actuarial.project(actuarial.load_assumptions(PROVINCE), years=4, draws=6, seed=5, keep_population=False)
    assert ds.sizes["region"] >= 5 and ds.sizes["draw"] == 6
    change = ds["adjustment_fund_balance"] - ds["adjustment_fund_balance"].shift(year=1, fill_value=0.0)
    resid = ds["adjustment_transfer"].sum("region") + change
    assert float(np.abs(resid).max()) < 1e-9 * float(np.abs(ds["income"]).sum("region").max())
    assert float(ds["adjustment_transfer"].std("draw").max()) > 0     # draws differ, the identity holds in each
    for name, r in money_residual(ds).items():
        assert float(np.abs(r).max()) < 1e-12, name


@pytest.mark.xdist_group("dask")
def test_a_dask_cluster_gives_the_local_province(dask_client):
    rs = actuarial.load_assumptions(PROVINCE)
    kw = dict(years=3, draws=8, seed=11, keep_population=False, chunk=4)
    remote = actuarial.project(rs, client=dask_client, **kw)
    local = actuarial.project(rs, **kw)
    for var in ("balance", "adjustment_transfer", "action_paid", "out_of_area_settlement", "adjustment_fund_balance"):
        np.testing.assert_array_equal(remote[var].values, local[var].values, err_msg=var)


def test_actions_keep_a_fund_above_the_floor_where_a_layer_can_pay(tmp_path):
    ds = actuarial.project(_set(tmp_path, {"actions": _actions(order=["reserves", "fiscal_topup"])}), years=8)
    floor = 3 * ds["spending"] / 12
    assert float((ds["balance"] - floor).min()) > -1e-6 * float(ds["spending"].max())
    paid = ds["action_paid"].sel(layer="fiscal_topup")
    assert float(paid.sel(region="poor").sum()) > float(paid.sel(region="rich").sum()) > 0
    # the top-up is income of the fund; nothing else changes the fund's income
    plain = actuarial.project(_set(tmp_path / "p"), years=8)
    np.testing.assert_allclose(ds["income"].values, (plain["income"] + paid).values, rtol=1e-12)


def test_rate_rise_and_benefit_cut_apply_from_the_next_year_within_their_caps(tmp_path):
    folder = _city(tmp_path / "city", 0.0, 80, actions=_actions(fiscal_topup_cap=_s("fraction of fund spending", 0.0)))
    a = actuarial.load_assumptions(folder)
    ds = actuarial.project(a, years=8)                 # one city: the actions alone
    plain = actuarial.project(a.replace(actions=None), years=8)
    m, b = ds["action_rate_factor"], ds["action_benefit_factor"]
    assert float(m.max()) <= 1.2 + 1e-12 and float(b.min()) >= 0.95 - 1e-12
    assert float(m.diff("year").max()) <= 0.05 + 1e-12 and float(-b.diff("year").min()) <= 0.02 + 1e-12
    assert (m.isel(year=0) == 1).all() and float(m.max()) > 1            # a rise is never in its own year
    # income is linear in the rate; the cut scales the fund's share of claims
    gross = plain["income_by_source"].sum("source")
    np.testing.assert_allclose(ds["income"].values, (plain["income"] + gross * (m - 1)).values, rtol=1e-12)
    np.testing.assert_allclose(ds["action_paid"].sel(layer="rate_rise").values, (gross * (m - 1)).values,
                               rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(ds["income_by_source"].values, (plain["income_by_source"] * m).values, rtol=1e-12)
    np.testing.assert_allclose(ds["spending"].values, (plain["spending"] - ds["action_paid"].sel(layer="benefit_cut")).values,
                               rtol=1e-12)
    for name, r in money_residual(ds).items():
        assert float(np.abs(r).max()) < 1e-12, name


def test_out_of_area_shares_prices_and_settlement_by_hand():
    from actuarial.params.province import OutOfArea
    o = OutOfArea(source="t", away_share={"unit": "fraction", "source": "t", "default": 0.1, "values": {"a": 0.0}},
                  outside_share=_s("fraction", 0.5), destination_weight={"unit": "1", "source": "t", "default": 1,
                                                                         "values": {"a": 3}},
                  price_factor=_s("ratio", 1.2), outside_price_factor=_s("ratio", 1.4))
    s = pooling.out_of_area_shares(o, ["a", "b", "c"])
    np.testing.assert_allclose(s, [[0, 0, 0, 0], [0.05 * 3 / 4, 0, 0.05 / 4, 0.05], [0.05 * 3 / 4, 0.05 / 4, 0, 0.05]])
    f = pooling.cost_factor(s, pooling.price_factors(o, 3))
    np.testing.assert_allclose(f, [1, 1 + 0.05 * 0.2 + 0.05 * 0.4, 1 + 0.05 * 0.2 + 0.05 * 0.4])
    flows = pooling.settlement(np.array([100.0, 200.0, 300.0]), s, pooling.price_factors(o, 3))
    away = 0.05 * 1.2 + 0.05 * 1.4
    np.testing.assert_allclose(flows.sum(axis=-1), [0, 200 * away, 300 * away])
    np.testing.assert_allclose(flows[1], 200 * s[1] * [1.2, 1.2, 1.2, 1.4])


def test_out_of_area_care_is_charged_to_the_home_fund(tmp_path, plain):
    o = {"source": "t", "away_share": {"unit": "fraction", "source": "t", "default": 0.1},
         "outside_share": _s("fraction", 0.2), "destination_weight": {"unit": "1", "source": "t", "default": 1.0},
         "price_factor": _s("ratio", 1.1), "outside_price_factor": _s("ratio", 1.5)}
    ds = actuarial.project(_set(tmp_path, {"out_of_area": o}), years=8)
    factor = 1 + 0.1 * 0.8 * 0.1 + 0.1 * 0.2 * 0.5
    settle = ds["out_of_area_settlement"]
    assert float(settle.sel(region="poor", destination="poor").max()) == 0
    for sch in schemes.SCHEMES:   # claims cost more away; per-capita transfers do not move
        claims = plain["spending_by_category"].sel(scheme=sch.name, category=list(sch.claim_categories)).sum("category")
        np.testing.assert_allclose(ds["spending"].sel(scheme=sch.name).values,
                                   (plain["spending"].sel(scheme=sch.name) + claims * (factor - 1)).values, rtol=1e-12)
        np.testing.assert_allclose(settle.sel(scheme=sch.name).sum("destination").values,
                                   (claims * (0.1 * 0.8 * 1.1 + 0.1 * 0.2 * 1.5)).values, rtol=1e-12)
    for name, r in money_residual(ds).items():
        assert float(np.abs(r).max()) < 1e-12, name


def test_province_view_sums_money_and_recomputes_ratios(plain):
    v = province_view(plain)
    np.testing.assert_allclose(v["balance"].values, plain["balance"].sum("region").values)
    np.testing.assert_allclose(v["reserve_months"].values,
                               (plain["balance"].sum("region") / (plain["spending"].sum("region") / 12)).values)
    both = with_province(plain)
    assert list(both["region"].values)[-1] == "province"
    report = alerts.evaluate(both)
    assert "province" in set(report.table["region"])
    tables = budget_by_region(plain)
    assert set(tables) == {"rich", "poor", "mid", "province"}


@pytest.mark.parametrize("change, match", [
    (lambda p: p["adjustment_fund"]["contribution_rate"].update(value=3), r"province.adjustment_fund.contribution_rate"),
    (lambda p: p["out_of_area"]["away_share"]["values"].update(nowhere=0.1), r"nowhere.*not a region"),
    (lambda p: p["actions"].update(order=["fiscal_topup", "reserves"]), r"reserves.*first"),
    (lambda p: p["actions"].update(schemes=["dental"]), r"dental.*not a declared scheme"),
])
def test_bad_province_sections_are_one_line_errors(tmp_path, change, match):
    raw = yaml.safe_load((PROVINCE / "assumptions.yaml").read_text(encoding="utf-8"))
    change(raw["province"])
    folder = tmp_path / "set"
    shutil.copytree(PROVINCE, folder)
    (folder / "assumptions.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(actuarial.AssumptionError, match=match) as err:
        actuarial.load_assumptions(folder)
    assert "\n" not in str(err.value)


def test_a_region_of_a_set_cannot_carry_its_own_actions(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(PROVINCE, folder)
    city = folder / "suihua" / "assumptions.yaml"
    cfg = yaml.safe_load(city.read_text(encoding="utf-8"))
    cfg["actions"] = _actions(fiscal_topup_cap=_s("fraction of fund spending", 0.1))
    city.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    with pytest.raises(actuarial.AssumptionError, match=r"regions.suihua.*own actions"):
        actuarial.load_assumptions(folder)


def test_the_province_job_runs_from_the_command_line(tmp_path, capsys):
    status = cli.main(["run", str(ROOT / "projections" / "example-province.yaml"), "--out", str(tmp_path),
                       "--years", "3"])
    assert status == 0, capsys.readouterr()
    ds = xr.load_dataset(tmp_path / "example-province.nc")
    assert ds.sizes["region"] >= 5
    for var in ("adjustment_transfer", "action_paid", "out_of_area_settlement", "adjustment_fund_balance"):
        assert var in ds and ds[var].attrs["units"] == "CNY"
    assert list(ds["layer"].values) == list(LAYERS)
    assert "province" in (tmp_path / "alerts.csv").read_text() and "province" in (tmp_path / "summary.csv").read_text()


def test_budget_lines_reconcile_with_the_balances(tmp_path):
    ds = actuarial.project(_set(tmp_path, {"adjustment_fund": ADJUST, "actions": _actions()}), years=4)
    tables = budget_by_region(ds, year=2025)
    assert set(tables) == {"rich", "poor", "mid", "province"}
    for region, by_scheme in tables.items():
        for scheme, t in by_scheme.items():
            now = [c for c in t.columns if "best estimate" in c][0]
            closing = t.loc[("result", "closing balance 31 December")]
            change = closing[now] - closing["2024 (CNY million)"]
            result = t.loc[("result", "current-year balance (income - spending)"), now]
            assert abs(result - change) < 1e-9 * max(1.0, abs(closing[now])), (region, scheme)
    assert float(ds["transfer_income"].sum()) > 0 and float(ds["transfer_spending"].sum()) > 0


def test_the_projector_applies_a_citys_actions_like_project(tmp_path):
    from actuarial.engine.reuse import Projector
    a = actuarial.load_assumptions(_city(tmp_path / "city", 0.0, 80, actions=_actions()))
    ds, reused = actuarial.project(a, years=6), Projector(a, 6).project()
    assert float(ds["action_paid"].sum()) > 0
    for var in ("balance", "income", "spending", "action_paid", "reserve_months"):
        np.testing.assert_array_equal(reused[var].values, ds[var].values, err_msg=var)


from hypothesis import given, settings, strategies as st  # noqa: E402

money = st.one_of(st.just(0.0), st.floats(1.0, 1e9, allow_nan=False))   # CNY: no subnormal amounts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(money, money, money), min_size=1, max_size=6), money, st.booleans())
def test_the_pot_pays_pro_rata_and_returns_what_is_left(rows, opening, keep):
    income, spending, requests = (np.array(col)[:, None] for col in zip(*rows))
    paid_in = pooling.contributions("surplus", 0.1, income, spending)
    available = opening + paid_in.sum(axis=0)
    paid = pooling.pay_out(requests, available)
    assert np.all(paid <= requests + 1e-9) and np.all(paid >= 0)
    assert paid.sum() <= available.sum() * (1 + 1e-12) + 1e-9
    if requests.sum() > 0 and requests.sum() > available.sum():    # cut in proportion
        np.testing.assert_allclose(paid[requests > 0] / requests[requests > 0], available.sum() / requests.sum())
    left = available - paid.sum(axis=0)
    back = np.zeros_like(paid) if keep else pooling.give_back(left, paid_in)
    transfer = paid + back - paid_in
    closing = left - back.sum(axis=0)
    assert abs(transfer.sum() + closing.sum() - opening) <= 1e-9 * max(1.0, available.sum())


def test_actions_with_nothing_to_do_leave_every_number_unchanged(tmp_path):
    a = actuarial.load_assumptions(_city(tmp_path / "city", 5000.0, 300,
                                         actions=_actions(floor_months=_s("months", 0))))
    ds, plain = actuarial.project(a, years=6), actuarial.project(a.replace(actions=None), years=6)
    assert float(plain["balance"].sel(scheme=list(schemes.MEMBER_SCHEME_NAMES)).min()) > 0   # the layers are absent: 0
    for var in plain.data_vars:
        np.testing.assert_array_equal(ds[var].values, plain[var].values, err_msg=var)
    assert float(ds["action_paid"].drop_sel(layer="reserves").sum()) == 0
