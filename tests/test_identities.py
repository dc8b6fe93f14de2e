"""Population and money identities on the example city and on random small cities."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actuarial
from actuarial import demography
from actuarial.dims import STATUS_INDEX, STATUSES
from actuarial.testing import money_residual, population_residual, simple_config, write_assumption_set


def test_population_identity_every_year_per_sex(example_projection):
    resid = population_residual(example_projection)
    assert float(np.abs(resid).max()) < 1e-6


def test_money_identity_every_year_and_fund(example_projection):
    for name, resid in money_residual(example_projection).items():
        assert float(np.abs(resid).max()) < 1e-9, name


def test_status_moves_net_to_zero():
    rng = np.random.default_rng(1)
    pop = rng.uniform(0, 1000, size=(4, len(STATUSES), 2, 101))
    entry, exit_, retire, f_exit = (rng.uniform(0, 1, size=(2, 101)) for _ in range(4))
    f_entry = rng.uniform(0, 1, size=(2, 101)) * (1 - entry)       # entries from one group sum to at most 1
    moved = demography.transitions(pop, entry, exit_, retire, 0.9)
    np.testing.assert_allclose(moved.sum(axis=1), pop.sum(axis=1), rtol=1e-12)
    assert (moved >= -1e-9).all()
    years = pop * rng.uniform(0, 30, size=pop.shape)
    total_years = years.sum(axis=1).copy()
    moved = demography.transitions(pop, entry, exit_, retire, 0.9, flexible=(f_entry, f_exit), years=years,
                                   rule=(np.array([20.0, 25.0]), 5.0, 0.3))
    np.testing.assert_allclose(moved.sum(axis=1), pop.sum(axis=1), rtol=1e-12)    # persons conserved
    np.testing.assert_allclose(years.sum(axis=1), total_years, rtol=1e-12)        # and their years
    assert (moved >= -1e-9).all() and (years >= -1e-9).all()
    # the flexible group gains its entries and loses its exits and retirements, cell by cell
    f, r = STATUS_INDEX["flexible"], STATUS_INDEX["resident"]
    after_moves = pop[:, f] + pop[:, r] * f_entry - pop[:, f] * f_exit
    np.testing.assert_allclose(moved[:, f], after_moves * (1 - retire), rtol=1e-12)


def test_retirement_keep_share_by_hand():
    # mean 25 years, minimum 25: half meet it; a quarter of the rest pay up -> 0.5 + 0.5 * 0.25
    assert demography.retirement_keep_share(25.0, 25.0, 5.0, 0.25) == 0.625
    # one standard deviation above the minimum: Phi(1) = 0.841345
    np.testing.assert_allclose(demography.retirement_keep_share(30.0, 25.0, 5.0, 0.0), 0.8413447460685429)
    assert demography.retirement_keep_share(24.9, 25.0, 0.0, 0.0) == 0.0       # no spread: a step


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mx=st.floats(0.001, 0.2), entry=st.floats(0, 0.5), exit_=st.floats(0, 0.5),
       interest=st.floats(-0.02, 0.1), out=st.floats(0, 5000), tfr=st.floats(0.5, 3.0))
def test_identities_hold_for_random_small_cities(tmp_path_factory, mx, entry, exit_, interest, out, tfr):
    cfg = simple_config()
    cfg["economy"]["interest_rate"]["values"] = {2024: interest}
    cfg["demography"]["total_fertility_rate"]["values"] = {2024: tfr}
    pop = {(s, x, a): 1000.0 + 10 * a for s in ("active", "resident") for x in ("female", "male")
           for a in range(18, 60)}
    pop.update({("retired", x, a): 500.0 for x in ("female", "male") for a in range(60, 101)})
    folder = write_assumption_set(tmp_path_factory.mktemp("r"), config=cfg, population=pop, mx=mx,
                                  entry=entry, exit_=exit_,
                                  migrants={("resident", "male", 25): -out, ("active", "female", 30): out / 2})
    ds = actuarial.project(actuarial.load_assumptions(folder), years=6)
    assert float(np.abs(population_residual(ds)).max()) < 1e-9
    for resid in money_residual(ds).values():
        assert float(np.abs(resid).max()) < 1e-9
    assert float(ds["population"].min()) >= 0


def test_roll_forward_by_hand():
    from actuarial.fund import roll_forward
    closing, interest, spent = roll_forward(100.0, np.array([10.0, 10.0]), np.array([4.0, 30.0]),
                                            np.array([0.1, 0.1]), "mean")
    # year 1: interest 0.1 * (100 + 6/2) = 10.3; year 2: 0.1 * (116.3 - 20/2) = 10.63
    np.testing.assert_allclose(interest, [10.3, 10.63])
    np.testing.assert_allclose(closing, [116.3, 106.93])
    closing, interest, spent = roll_forward(100.0, np.array([20.0]), None, np.array([0.0]), spend_rate=np.array([0.5]))
    np.testing.assert_allclose(spent, [60.0])
    np.testing.assert_allclose(closing, [60.0])


@pytest.mark.parametrize("interest_on", ["opening", "mean"])
def test_roll_forward_equals_the_recurrence_written_out(interest_on):
    """roll_forward over (draw, ledger, year) arrays (the net flows of every year at once when
    spending is given) equals, to the bit, the year-by-year recurrence of fund.py's docstring;
    a spend-rate ledger spends its share of opening balance plus income."""
    from actuarial.fund import roll_forward
    rng = np.random.default_rng(11)
    income, spending = rng.uniform(0, 100, size=(2, 3, 5, 6))
    rate, opening = rng.uniform(-0.01, 0.05, size=(3, 1, 6)), rng.uniform(-50, 200, size=5)
    closing, interest, spent = roll_forward(opening, income, spending, rate, interest_on)
    bal = np.broadcast_to(opening, (3, 5)).copy()
    for t in range(6):
        net = income[..., t] - spending[..., t]
        i = rate[..., t] * (bal if interest_on == "opening" else bal + 0.5 * net)
        bal = bal + net + i
        assert np.array_equal(interest[..., t], i) and np.array_equal(closing[..., t], bal)
    assert np.array_equal(spent, spending)
    share = rng.uniform(0, 1, size=6)
    closing, interest, spent = roll_forward(opening, income, None, rate, interest_on, spend_rate=share)
    opening_t = np.concatenate([np.broadcast_to(opening, (3, 5))[..., None], closing[..., :-1]], axis=-1)
    np.testing.assert_allclose(spent, share * (opening_t + income), rtol=1e-13)
    np.testing.assert_allclose(closing, opening_t + income - spent + interest, rtol=1e-12, atol=1e-9)
