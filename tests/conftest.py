import shutil
from pathlib import Path

import pytest
import yaml

import actuarial

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "assumptions" / "example-city"
REFERENCE = ROOT / "tests" / "data"   # vendored public reference data (see its README)


_NORWAY = {}


def _compiled_cache_is_stale() -> bool:
    """True when a module compiled with numba's ``cache=True`` has no cache index in its
    ``__pycache__`` as new as its source (a fresh checkout, or the module edited since)."""
    for src in (ROOT / "actuarial").rglob("*.py"):
        if "cache=True" in src.read_text(encoding="utf-8"):
            stamp = src.stat().st_mtime
            if not any(p.stat().st_mtime >= stamp for p in (src.parent / "__pycache__").glob(f"{src.stem}.*.nbi")):
                return True
    return False


def pytest_configure(config):
    """When the compiled engine is not in numba's on-disk cache, the process that starts the
    xdist workers (or the only process) runs the smallest projections once before any test, so
    the workers, notebook kernels and dask workers load it instead of each compiling it at the
    same time."""
    if hasattr(config, "workerinput") or not _compiled_cache_is_stale():
        return
    a = actuarial.load_assumptions(EXAMPLE)
    actuarial.project(a, years=1)
    actuarial.project(a, years=1, draws=2, seed=0)
    actuarial.project(a, years=1, draws=2, seed=0, keep_population=False)


def pytest_collection_modifyitems(items):
    """The longest tests (the notebooks and the xdist groups: tests sharing a LocalCluster or
    an expensive module fixture, kept on one worker by ``--dist loadgroup``) start first, so
    that the xdist workers finish together."""
    def slow(item):
        return item.fspath.basename == "test_notebooks.py" or item.get_closest_marker("xdist_group") is not None
    items.sort(key=lambda item: not slow(item))


def script(path: Path):
    """A builder script (``build.py``, ``build_monthly.py``) loaded as a module, so a test calls
    its ``main(argv)`` in this process instead of starting Python again (its own imports and
    the package's would cost seconds per run)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_script_{path.parent.name}_{path.stem}".replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def norway() -> "pd.DataFrame":
    """The vendored HMD Norway table (Year, Age, OpenInterval, Sex, Population, Deaths, Mortality)."""
    import pandas as pd
    if "df" not in _NORWAY:
        _NORWAY["df"] = pd.read_csv(REFERENCE / "norway_mortality.csv.gz")
    return _NORWAY["df"]


@pytest.fixture(scope="session")
def example():
    return actuarial.load_assumptions(EXAMPLE)


@pytest.fixture(scope="session")
def example_projection(example):
    return actuarial.project(example, years=10)


@pytest.fixture(scope="session")
def dask_client():
    """One two-worker LocalCluster (a process per worker, as on a real cluster) for every test
    that runs on dask; the tests using it share an xdist group, so one pytest worker starts it."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the example assumption set (without its sources and builder)."""
    dest = tmp_path / "set"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("sources", "build.py", "*.template.yaml"))
    return dest


def edit_yaml(folder, change):
    """Apply ``change(data)`` to the assumptions.yaml in ``folder``."""
    path = folder / "assumptions.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
