"""The layers around the two basic funds: maternity and the large-amount supplement in the
employee pooled fund, critical illness as a benefit model, medical assistance, who pays the
resident subsidy, long-term care; the engine's age profiles and transfers between ledgers."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import actuarial
from actuarial import schemes
from actuarial.errors import AssumptionError
from actuarial.schemes.benefits import layer_payment, limited_share, lognormal_lev
from actuarial.testing import money_residual, simple_config, write_assumption_set

FIXTURES = Path(__file__).parent / "fixtures"
POP = {("active", "female", 30): 1000.0, ("active", "male", 30): 1000.0, ("retired", "male", 70): 500.0,
       ("resident", "female", 30): 2000.0, ("resident", "male", 5): 300.0}
M = 0.01
P = 1 - M / (1 + 0.5 * M)          # one-year survival at every age (mx 0.01)


def _dated(unit, value):
    return {"unit": unit, "source": "test", "values": {2024: value}}


def _scalar(unit, value):
    return {"unit": unit, "source": "test", "value": value}


def layers_config() -> dict:
    cfg = simple_config()
    cfg["maternity"] = {"medical_cost_per_birth": _dated("CNY per birth", 4000), "leave_days": _dated("days", 158),
                        "allowance_claim_share": _dated("fraction", 0.8)}
    cfg["large_amount_supplement"] = {"premium": _dated("CNY per member per year", 100),
                                      "claims_share": _dated("fraction", 0.02)}
    cfg["critical_illness"] = {"deductible": _dated("CNY per person per year", 1000),
                               "reimbursement_ratio": _dated("fraction", 0.6),
                               "loss_ratio": _dated("fraction", 0.9), "cost_cv": _scalar("1", 2.0)}
    cfg["assistance"] = {"opening_balance": _scalar("CNY", 10_000), "fiscal_funding_ratio": _dated("fraction", 1.0),
                         "assisted_share": _dated("fraction", 0.1), "premium_share_paid": _dated("fraction", 1.0),
                         "cost_ratio": _dated("fraction", 0.7), "annual_limit": _dated("CNY per person per year", 300)}
    cfg["subsidy_sharing"] = {"central_share": _dated("fraction", 0.6),
                              "provincial_share_of_rest": _dated("fraction", 0.6)}
    cfg["ltc"] = {"disability_prevalence": "ltc_disability.csv", "opening_balance": _scalar("CNY", 50_000),
                  "employee_fund_rate": _dated("fraction", 0.001),
                  "employee_fund_per_retiree": _dated("CNY per member per year", 30),
                  "individual_contribution": _dated("CNY per member per year", 20),
                  "fiscal_subsidy": _dated("CNY per member per year", 10),
                  "care_cost": _dated("CNY per disabled person per year", 20000),
                  "uptake": _dated("fraction", 0.5), "fund_share": _dated("fraction", 0.7)}
    return cfg


def write_layers(folder, cfg=None) -> Path:
    folder = write_assumption_set(folder, config=cfg or layers_config(), population=POP)
    rows = [(sex, a, 0.1 if (sex == "male" and a in (70, 71)) else 0.0) for sex in ("female", "male") for a in range(101)]
    with open(folder / "ltc_disability.csv", "w") as f:
        f.write("sex,age,prevalence\n" + "".join(f"{s},{a},{v}\n" for s, a, v in rows))
    return folder


@pytest.fixture(scope="module")
def layers_set(tmp_path_factory):
    return actuarial.load_assumptions(write_layers(tmp_path_factory.mktemp("layers")))


@pytest.fixture(scope="module")
def hand(layers_set):
    return actuarial.project(layers_set, years=2).sel(year=2024)


def _lognormal(mean, cv):
    s2 = np.log1p(cv * cv)
    return np.log(mean) - s2 / 2, np.sqrt(s2)


def _expect(dist, payment, kinks=()):
    """E[payment(X)] for X = exp(mu + s Z), Z standard normal, by numerical integration over z
    (split at the payment's kinks, given as values of X): no closed form used."""
    mu, s = dist
    zs = sorted(z for z in ((np.log(k) - mu) / s for k in kinks if k > 0) if -12 < z < 12)
    edges = [-12.0, *zs, 12.0]
    f = lambda z: payment(np.exp(mu + s * z)) * stats.norm.pdf(z)  # noqa: E731
    return sum(integrate.quad(f, lo, hi, limit=200, epsabs=1e-12, epsrel=1e-11)[0] for lo, hi in zip(edges, edges[1:]))


# ---- closed-form limited expected values against numerical integration ------------------------

@settings(max_examples=40, deadline=None)
@given(mean=st.floats(50, 50_000), cv=st.floats(0.2, 6), limit=st.floats(10, 500_000))
def test_lognormal_limited_expected_value_matches_integration(mean, cv, limit):
    d = _lognormal(mean, cv)
    assert lognormal_lev(mean, cv, limit) == pytest.approx(_expect(d, lambda x: min(x, limit), [limit]), rel=1e-6,
                                                           abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(mean=st.floats(200, 20_000), cv=st.floats(0.5, 5), d=st.floats(0, 50_000), r=st.floats(0.3, 1.0),
       cap=st.one_of(st.none(), st.floats(1000, 400_000)))
def test_layer_payment_matches_integration(mean, cv, d, r, cap):
    dist = _lognormal(mean, cv)
    pay = (lambda x: r * max(x - d, 0.0)) if cap is None else (lambda x: min(r * max(x - d, 0.0), cap))
    kinks = [d] if cap is None else [d, d + cap / r]
    assert layer_payment(mean, cv, d, r, cap) == pytest.approx(_expect(dist, pay, kinks), rel=1e-6, abs=1e-6)


def test_limited_share_and_edge_cases():
    dist = _lognormal(800.0, 1.5)
    assert limited_share(800.0, 1.5, 0.7, 300.0) == pytest.approx(_expect(dist, lambda x: min(0.7 * x, 300.0), [300 / 0.7]),
                                                                rel=1e-7)
    assert lognormal_lev(0.0, 2.0, 100.0) == 0.0
    assert lognormal_lev(500.0, 2.0, np.inf) == 500.0
    assert layer_payment(500.0, 2.0, 0.0, 1.0) == pytest.approx(500.0)       # no deductible, full ratio: the mean


def test_lev_over_arrays_equals_each_cell_and_its_edge_cases():
    """Over an array of means and limits (zero and negative means, zero and infinite limits among
    them) each cell is the scalar value: the edge cases are applied only where they occur, and
    the layer's two limits share ln(mean) without changing a bit."""
    rng = np.random.default_rng(3)
    mean = rng.lognormal(7, 1, size=(4, 3, 5))
    mean[0, 0, 0], mean[1, 2, 3], mean[3, 1, 4] = 0.0, -5.0, 0.0
    limit = rng.uniform(100, 50_000, size=(1, 3, 5))
    limit[0, 1, 2], limit[0, 2, 0] = 0.0, np.inf
    lev = lognormal_lev(mean, 2.5, limit)
    for idx in np.ndindex(mean.shape):
        m, u = mean[idx], limit[(0,) + idx[1:]]
        assert lev[idx] == lognormal_lev(m, 2.5, u)
        assert lev[idx] == (0.0 if m <= 0 or u <= 0 else m if np.isinf(u) else lev[idx])
    d, r, cap = np.full((1, 3, 1), 3000.0), np.full((1, 3, 1), 0.6), np.full((1, 3, 1), 90_000.0)
    pay = layer_payment(mean, 2.5, d, r, cap)
    assert np.array_equal(pay, r * (lognormal_lev(mean, 2.5, d + cap / r) - lognormal_lev(mean, 2.5, d)))
    assert np.array_equal(layer_payment(mean, 2.5, d, r), r * (mean - lognormal_lev(mean, 2.5, d)))
    assert np.array_equal(limited_share(mean, 2.5, r, 30_000.0), r * lognormal_lev(mean, 2.5, 30_000.0 / r))


def test_enrolled_member_years_are_the_mean_of_the_enrolled_stocks():
    """resident.enrolled_years (one pass over every column) against the module docstring's
    formula written out: the mean of the year's two enrolled 1 January stocks, each rate *
    (stock - age 0) + newborn rate * age 0, with the year's rates at both dates."""
    from actuarial.schemes.resident import enrolled_years
    rng = np.random.default_rng(5)
    D, T, K = 3, 4, 7
    stocks = rng.uniform(1e3, 1e6, size=(D, T + 1, K))
    age0 = stocks * rng.uniform(0, 0.05, size=(D, T + 1, K))
    rate, newborn = rng.uniform(0.5, 1, size=(D, T, 1)), rng.uniform(0.5, 1, size=(D, T, 1))
    at = lambda dates: rate * (stocks[:, dates] - age0[:, dates]) + newborn * age0[:, dates]  # noqa: E731
    np.testing.assert_allclose(enrolled_years(rate, newborn, stocks, age0), 0.5 * (at(slice(0, T)) + at(slice(1, T + 1))),
                               rtol=1e-13)
    # columns that count no one aged 0 can be left out of the age-0 stocks: the same numbers
    age0[..., 1::2] = 0.0
    np.testing.assert_array_equal(enrolled_years(rate, newborn, stocks, age0[..., ::2], [0, 2, 4, 6]),
                                  enrolled_years(rate, newborn, stocks, age0))


# ---- one year by hand ----------------------------------------------------------------------

def test_maternity_and_large_amount_by_hand(hand):
    active_years = 2000 * (1 + P) / 2
    retired_years = 500 * (1 + P) / 2
    births = 1.0 * 1000 / 2              # TFR 1, whole pattern at 30: active women-years at 30 = (1000 + 0) / 2
    assert float(hand["insured_births"]) == pytest.approx(births, rel=1e-12)
    medical, allowance = births * 4000, births * 0.8 * 158 * 10000 / 365
    np.testing.assert_allclose(hand["maternity_spending"].values, [medical, allowance], rtol=1e-12)
    cat = hand["spending_by_category"].sel(scheme="employee")
    assert float(cat.sel(category="maternity")) == pytest.approx(medical + allowance, rel=1e-12)
    members = active_years + retired_years
    assert float(hand["income_by_source"].sel(scheme="employee", source="large_amount_premium")) == pytest.approx(
        100 * members, rel=1e-12)
    assert float(cat.sel(category="large_amount_claims")) == pytest.approx(0.02 * members * 1500, rel=1e-12)


def test_ltc_by_hand(hand):
    active_years, retired_years = 2000 * (1 + P) / 2, 500 * (1 + P) / 2
    disabled = 0.1 * retired_years       # prevalence 0.1 at 70 and 71: every retiree of the year
    assert float(hand["ltc_disabled"]) == pytest.approx(disabled, rel=1e-12)
    care = disabled * 0.5 * 20000 * 0.7
    assert float(hand["spending"].sel(scheme="ltc")) == pytest.approx(care, rel=1e-12)
    transfer = active_years * 10000 * 0.001 + retired_years * 30
    assert float(hand["transfer_amount"].sel(transfer="ltc_transfer")) == pytest.approx(transfer, rel=1e-12)
    members = active_years + retired_years
    assert float(hand["income"].sel(scheme="ltc")) == pytest.approx(transfer + members * 30, rel=1e-12)
    assert float(hand["insured"].sel(scheme="ltc")) == pytest.approx(2500)


def test_critical_illness_and_assistance_by_hand(hand):
    enrolled = float(hand["member_years"].sel(status="resident"))
    mean = 1000 * (1 - 0.7) + 500 * (1 - 0.5)     # the same remaining cost at every age: one band suffices
    dist = _lognormal(mean, 2.0)
    ci = _expect(dist, lambda x: 0.6 * max(x - 1000, 0.0), [1000])
    assert float(hand["critical_illness_claims"]) == pytest.approx(enrolled * ci, rel=1e-6)
    assert float(hand["spending_by_category"].sel(scheme="resident", category="critical_illness")) == pytest.approx(
        enrolled * ci / 0.9, rel=1e-6)
    # assistance: premiums of 10% of enrollees in full, 70% of their remaining cost up to 300 a year
    premiums = 0.1 * enrolled * 300
    assert float(hand["transfer_amount"].sel(transfer="assistance_premiums")) == pytest.approx(premiums, rel=1e-12)
    src = hand["income_by_source"].sel(scheme="resident")
    assert float(src.sel(source="premium")) == pytest.approx(0.9 * enrolled * 300, rel=1e-12)
    assert float(src.sel(source="assistance_premiums")) == pytest.approx(premiums, rel=1e-12)
    assert float(hand["income"].sel(scheme="resident")) == pytest.approx(enrolled * 900, rel=1e-12)
    after_ci = _lognormal(mean - ci, 2.0)
    costs = 0.1 * enrolled * _expect(after_ci, lambda x: min(0.7 * x, 300.0), [300 / 0.7])
    assert float(hand["spending_by_category"].sel(scheme="assistance", category="assisted_costs")) == pytest.approx(
        costs, rel=1e-6)
    assert float(hand["income"].sel(scheme="assistance")) == pytest.approx(premiums + costs, rel=1e-6)


def test_subsidy_by_government_by_hand(hand):
    enrolled = float(hand["member_years"].sel(status="resident"))
    split = hand["subsidy_by_government"]
    np.testing.assert_allclose(split.values, enrolled * np.array([360.0, 144.0, 96.0]), rtol=1e-12)
    assert float(split.sum("government")) == pytest.approx(
        float(hand["income_by_source"].sel(scheme="resident", source="subsidy")), rel=1e-12)
    assert float(hand["city_fiscal_cost"]) == pytest.approx(enrolled * 96.0, rel=1e-12)


# ---- transfers: identities, zero sum, lines on both sides -----------------------------------

def _check_transfers(ds):
    for name, resid in money_residual(ds).items():
        assert float(np.abs(resid).max()) < 1e-12, name
    np.testing.assert_allclose(ds["ledger_transfer"].sum("ledger").values, 0.0, atol=1e-6)
    for tr in schemes.TRANSFERS:
        amount = ds["transfer_amount"].sel(transfer=tr.name)
        payer = schemes.LEDGER_SCHEME[schemes.LEDGER_NAMES.index(tr.payer)]
        receiver = schemes.LEDGER_SCHEME[schemes.LEDGER_NAMES.index(tr.receiver)]
        np.testing.assert_array_equal(ds["spending_by_category"].sel(scheme=payer, category=tr.name).values, amount.values)
        np.testing.assert_array_equal(ds["income_by_source"].sel(scheme=receiver, source=tr.name).values, amount.values)


def test_transfers_in_the_example_city(example_projection):
    ds = example_projection
    _check_transfers(ds)
    assert float(ds["transfer_amount"].min()) > 0          # every layer is switched on in the example
    assert "maternity" in ds["category"].values and "ltc" in ds["scheme"].values
    assert float(ds["spending_by_category"].sel(scheme="employee", category="maternity").min()) > 0
    # the pooled fund's spending includes what it transfers to long-term care
    pooled = ds["ledger_spending"].sel(ledger="pooled_fund")
    lines = ds["spending_by_category"].sel(scheme="employee").sum("category")
    np.testing.assert_allclose(pooled.values, lines.values, rtol=1e-12)


@settings(max_examples=8, deadline=None)
@given(rate=st.floats(0, 0.02), per_retiree=st.floats(0, 500), share=st.floats(0, 0.5), paid=st.floats(0, 1))
def test_transfers_keep_every_ledger_whole(layers_set, rate, per_retiree, share, paid):
    a = layers_set
    change = {"ltc.employee_fund_rate": rate, "ltc.employee_fund_per_retiree": per_retiree,
              "assistance.assisted_share": share, "assistance.premium_share_paid": paid}
    b = a.replace(**{k: a.parameter(k).model_copy(update={"values": {2024: v}}) for k, v in change.items()})
    ds = actuarial.project(b, years=3)
    _check_transfers(ds)
    res = ds["income_by_source"].sel(scheme="resident", source=["premium", "assistance_premiums"]).sum("source")
    due = ds["member_years"].sel(status="resident") * 300
    np.testing.assert_allclose(res.values, due.values, rtol=1e-12)


def test_transfer_and_profile_declarations_are_consistent():
    ledgers = {led.name: (sch, led) for sch in schemes.SCHEMES for led in sch.ledgers}
    for tr in schemes.TRANSFERS:
        payer, receiver = ledgers[tr.payer], ledgers[tr.receiver]
        assert not payer[1].spend_rate, f"{tr.name}: a spend-rate ledger cannot pay a transfer"
        assert tr.name in payer[0].category_names and tr.name in receiver[0].source_names, tr.name
    assert len(set(schemes.PROFILES)) == len(schemes.PROFILES), "profile names must be unique"
    for sch in schemes.SCHEMES:
        if not sch.statuses:
            assert all(led.optional for led in sch.ledgers), f"{sch.name}: an older set has no section for it"


# ---- older sets keep their numbers; the profiles leave the claims unchanged --------------------

def test_an_older_set_has_no_layers():
    ds = actuarial.project(actuarial.load_assumptions(FIXTURES / "example-city-v1"), years=3)
    for var in ("transfer_amount", "insured_births", "maternity_spending", "ltc_disabled", "critical_illness_claims"):
        assert float(np.abs(ds[var]).max()) == 0.0, var
    for s in ("assistance", "ltc"):
        assert float(np.abs(ds["income"].sel(scheme=s)).max()) == 0.0
        assert float(np.abs(ds["balance"].sel(scheme=s)).max()) == 0.0
    assert bool(ds["subsidy_by_government"].isnull().all())
    assert float(ds["coverage"].isel(year=0)) < 1.0   # long-term care's members are not counted twice


def test_profiles_leave_the_claims_unchanged(tmp_path, layers_set):
    plain = actuarial.project(actuarial.load_assumptions(write_assumption_set(tmp_path / "plain", population=POP)),
                              years=2)
    ds = actuarial.project(layers_set, years=2)
    for cat in ("inpatient", "outpatient"):
        for s in ("employee", "resident"):
            np.testing.assert_allclose(ds["spending_by_category"].sel(scheme=s, category=cat).values,
                                       plain["spending_by_category"].sel(scheme=s, category=cat).values, rtol=1e-13)


# ---- bad input: one-line errors --------------------------------------------------------------

def test_bad_layer_input_is_a_clear_error(tmp_path):
    cfg = layers_config()
    cfg["maternity"]["statuses"] = ["resident"]
    with pytest.raises(AssumptionError, match="maternity.statuses"):
        actuarial.load_assumptions(write_layers(tmp_path / "a", cfg))
    folder = write_layers(tmp_path / "b")
    (folder / "ltc_disability.csv").unlink()
    with pytest.raises(AssumptionError, match="ltc_disability.csv"):
        actuarial.load_assumptions(folder)
    cfg = layers_config()
    cfg["critical_illness"]["reimbursement_ratio"]["values"] = {2024: 60}
    with pytest.raises(AssumptionError, match="fractions, not percents"):
        actuarial.load_assumptions(write_layers(tmp_path / "c", cfg))


def test_assistance_spread_comes_from_its_own_section_or_critical_illness(tmp_path):
    """Without a critical-illness model the assistance section must give the spread of remaining
    cost itself, and the set is refused when it is loaded (the section left out or written as
    null), not when it is projected; given it, the assisted costs equal those with the same
    spread taken from the critical-illness section's cost_cv (there 2.0)."""
    for name, without in (("a", lambda c: c.pop("critical_illness")),
                          ("n", lambda c: c.update(critical_illness=None))):
        cfg = layers_config()
        without(cfg)
        with pytest.raises(AssumptionError, match="assistance.cost_cv") as err:
            actuarial.load_assumptions(write_layers(tmp_path / name, cfg))
        assert "\n" not in str(err.value) and "assumptions.yaml" in str(err.value)
    own = layers_config()
    own["assistance"]["cost_cv"] = _scalar("1", 2.0)
    both = [actuarial.project(actuarial.load_assumptions(write_layers(tmp_path / k, c)), years=1)
            for k, c in (("b", own), ("c", layers_config()))]
    sel = dict(scheme="assistance", category="assisted_costs")
    assert float(both[0]["spending_by_category"].sel(**sel).sum()) > 0
    np.testing.assert_allclose(both[0]["spending_by_category"].sel(**sel), both[1]["spending_by_category"].sel(**sel),
                               rtol=1e-12)
    own["assistance"]["cost_cv"] = _scalar("1", 4.0)
    wider = actuarial.project(actuarial.load_assumptions(write_layers(tmp_path / "d", own)), years=1)
    assert not np.allclose(wider["spending_by_category"].sel(**sel), both[0]["spending_by_category"].sel(**sel))
