"""The on-disk cache of fitted stochastic models (actuarial/uncertainty/cache.py): a model read
back gives the numbers of a fresh fit, a change of data refits, the cache can be turned off,
and a damaged file is ignored."""

import pickle
import warnings

import numpy as np
import pytest
import xarray as xr

import actuarial
from actuarial import uncertainty
from actuarial.uncertainty import cache, models
from conftest import edit_yaml


@pytest.fixture
def fits(monkeypatch, tmp_path):
    """An empty cache folder and an empty in-process cache; counts the real fits."""
    monkeypatch.setenv("ACTUARIAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "_CACHE", type(models._CACHE)())
    calls = []
    real = models._fit
    monkeypatch.setattr(models, "_fit", lambda a: calls.append(a.digest) or real(a))
    return calls


def _forget():
    models._CACHE.clear()          # as a new process would start


def test_a_cached_model_gives_the_numbers_of_a_fresh_fit(example, fits, tmp_path, monkeypatch):
    fresh = uncertainty.fit(example)
    files = list((tmp_path / "cache").glob("fit-*.pickle"))
    assert len(files) == 1 and fits == [example.digest]
    assert not list((tmp_path / "cache").glob(".*.tmp"))         # the temporary file was renamed
    _forget()
    cached = uncertainty.fit(example)
    assert fits == [example.digest]                               # read, not refitted
    assert cached is not fresh and cached.data_hash == fresh.data_hash == models.data_hash(example)
    np.testing.assert_array_equal(cached.factor, fresh.factor)
    np.testing.assert_array_equal(cached.bx_single, fresh.bx_single)
    for sex, lc in fresh.lee_carter.items():
        assert cached.lee_carter[sex].drift == lc.drift and cached.lee_carter[sex].sigma == lc.sigma
    for name, p in fresh.ar1.items():
        assert cached.ar1[name] == p
    a = actuarial.project(example, years=4, draws=40, seed=11, model=cached)
    b = actuarial.project(example, years=4, draws=40, seed=11, model=fresh)
    for var in ("population", "balance", "ledger_balance", "reserve_months"):
        xr.testing.assert_identical(a[var], b[var])
    _forget()
    c = actuarial.project(example, years=4, draws=40, seed=11)        # the engine reads the file too
    xr.testing.assert_identical(a["balance"], c["balance"])
    assert fits == [example.digest]


def test_changed_data_refits(copy, fits, tmp_path):
    a = actuarial.load_assumptions(copy)
    uncertainty.fit(a)
    edit_yaml(copy, lambda d: d["uncertainty"]["mortality"].update(drift_uncertainty=False))
    b = actuarial.load_assumptions(copy)
    _forget()
    m = uncertainty.fit(b)
    assert len(fits) == 2 and m.data_hash != models.data_hash(a)
    assert len(list((tmp_path / "cache").glob("fit-*.pickle"))) == 2
    assert cache.key(models.data_hash(a)) != cache.key(models.data_hash(b))


def test_the_cache_can_be_turned_off(example, fits, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTUARIAL_CACHE", "off")
    assert cache.folder() is None
    uncertainty.fit(example)
    _forget()
    uncertainty.fit(example)
    assert len(fits) == 2 and not (tmp_path / "cache").exists()


def test_default_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("ACTUARIAL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "actuarial"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.folder() == tmp_path / ".cache" / "actuarial"


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(example, fits, tmp_path):
    uncertainty.fit(example)
    (path,) = (tmp_path / "cache").glob("fit-*.pickle")
    path.write_bytes(path.read_bytes()[:50])                     # truncated (a full disk)
    _forget()
    model = uncertainty.fit(example)
    assert len(fits) == 2
    with open(path, "rb") as f:
        assert pickle.load(f)["model"].data_hash == model.data_hash   # rewritten whole
    path.write_bytes(pickle.dumps({"format": cache.FORMAT, "data_hash": "another", "model": None, "warnings": []}))
    _forget()
    uncertainty.fit(example)
    assert len(fits) == 3


def test_an_unwritable_folder_only_costs_the_fit(example, fits, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ACTUARIAL_CACHE", str(blocker / "cache"))
    uncertainty.fit(example)
    assert len(fits) == 1


def test_warnings_of_the_fit_are_raised_again_when_read(example, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTUARIAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "_CACHE", type(models._CACHE)())
    real = models._fit

    def noisy(a):
        warnings.warn("medical_inflation: a root near the unit circle", models.NearUnitRootWarning)
        return real(a)
    monkeypatch.setattr(models, "_fit", noisy)
    with pytest.warns(models.NearUnitRootWarning, match="root near the unit circle"):
        uncertainty.fit(example)
    _forget()
    monkeypatch.setattr(models, "_fit", lambda a: pytest.fail("refitted instead of reading the cache"))
    with pytest.warns(models.NearUnitRootWarning, match="root near the unit circle"):
        uncertainty.fit(example)
