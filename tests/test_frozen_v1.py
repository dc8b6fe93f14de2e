"""Assumption sets written for version 0.1 keep loading and keep their numbers.

``tests/fixtures/example-city-v1`` is the example city as version 0.1 shipped it; the NetCDF
files beside it hold the numbers version 0.1 computed from it (deterministic, and 1,000 draws
at seed 20241122). Any later version must reproduce them: deterministic to 1e-9 relative,
stochastic to 1e-9 relative draw by draw."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import actuarial

FIXTURES = Path(__file__).parent / "fixtures"
SEED = 20241122
# variables renamed since 0.1: the personal accounts are a ledger of the employee scheme
RENAMED = {"personal_account_balance": ("ledger_balance", {"ledger": "personal_accounts"})}


def _new(ds, name):
    if name in RENAMED:
        new, sel = RENAMED[name]
        return ds[new].sel(sel, drop=True)
    return ds[name]


@pytest.fixture(scope="module")
def v1():
    return actuarial.load_assumptions(FIXTURES / "example-city-v1")


def _same(new: xr.DataArray, old: xr.DataArray, name: str):
    new = new.squeeze(drop=True) if "region" in new.dims else new
    if "region" in new.coords and "region" not in old.coords:
        new = new.drop_vars("region")
    new = new.transpose(*old.dims)
    for dim in old.dims:
        assert list(new[dim].values) == list(old[dim].values), f"{name}: {dim} labels changed"
    np.testing.assert_allclose(new.values, old.values, rtol=1e-9, atol=1e-6, err_msg=name)


def test_deterministic_numbers_unchanged(v1):
    old = xr.load_dataset(FIXTURES / "example-city-v1-deterministic.nc")
    new = actuarial.project(v1, years=10)
    for name in old.data_vars:
        da = _new(new, name)
        _same(da.sel({d: old[d].values for d in old[name].dims if d in da.dims}), old[name], name)


def test_stochastic_numbers_unchanged(v1):
    old = xr.load_dataset(FIXTURES / "example-city-v1-stochastic.nc")
    new = actuarial.project(v1, years=10, draws=1000, seed=SEED, keep_population=False)
    for name in old.data_vars:
        da = _new(new, name)
        _same(da.sel({d: old[d].values for d in old[name].dims if d in da.dims}), old[name], name)
