import atexit
import contextlib
import os
import shutil
import sys
from pathlib import Path

# One BLAS thread per process, set before numpy or scipy loads OpenBLAS (or MKL) in this process,
# and inherited by everything it starts (xdist workers, notebook kernels, dask workers, the
# command-line runs). The suite runs a process per core, and its matrices are small: a
# multi-threaded BLAS only spins its idle threads against the other processes' (the ARIMA and
# Lee-Carter tests took two to three times the CPU, and longer). A value set by the caller is
# kept. The zarr package's own pytest plugin, which would import numpy before this line, is
# switched off in pyproject.toml (the suite uses none of its fixtures).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
import yaml  # noqa: E402

# the package is imported where it is used (the fixtures, the compiled-cache warm-up): the
# process that only starts and schedules the xdist workers never needs it (a second of imports)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "assumptions" / "example-city"
REFERENCE = ROOT / "tests" / "data"   # vendored public reference data (see its README)


_NORWAY = {}


def _compiled_cache_is_stale() -> bool:
    """True when a module compiled with numba's ``cache=True`` has no cache index in its
    ``__pycache__`` as new as its source (a fresh checkout, or the module edited since). A
    module whose compiled functions are all inlined into their callers (engine/fastmath.py)
    has no index of its own."""
    for src in (ROOT / "actuarial").rglob("*.py"):
        cached = [line for line in src.read_text(encoding="utf-8").splitlines()
                  if line.lstrip().startswith("@") and "cache=True" in line]
        if any('inline="always"' not in line for line in cached):
            stamp = src.stat().st_mtime
            if not any(p.stat().st_mtime >= stamp for p in (src.parent / "__pycache__").glob(f"{src.stem}.*.nbi")):
                return True
    return False


def pytest_configure(config):
    """When the compiled engine is not in numba's on-disk cache, the process that starts the
    xdist workers (or the only process) runs the smallest projections once before any test, so
    the workers, notebook kernels and dask workers load it instead of each compiling it at the
    same time. An xdist worker leaves without the interpreter's teardown (see
    :func:`_leave_without_teardown`)."""
    if hasattr(config, "workerinput"):
        atexit.register(_leave_without_teardown)
        return
    if not _compiled_cache_is_stale():
        return
    import actuarial

    a = actuarial.load_assumptions(EXAMPLE)
    actuarial.project(a, years=1)
    actuarial.project(a, years=1, draws=2, seed=0)
    actuarial.project(a, years=1, draws=2, seed=0, keep_population=False)


def _leave_without_teardown():
    """The last exit handler of an xdist worker: flush and leave with ``os._exit(0)``. The
    worker has sent every report by then and the other exit handlers (registered later, so run
    before this one) have run; what is skipped is the interpreter's teardown of every module a
    worker imported (numpy to dask, about a second and a half, during which the run waits), as
    ``actuarial.cli.console`` skips it for the command line."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def pytest_collection_modifyitems(items):
    """The longest tests (the notebooks and the xdist groups: tests sharing a LocalCluster or
    an expensive module fixture, kept on one worker by ``--dist loadgroup``) start first, so
    that the xdist workers finish together; the tests of a group stay next to each other (a
    run without xdist starts the LocalCluster once and shuts it down after them)."""
    def order(item):
        group = item.get_closest_marker("xdist_group")
        if item.fspath.basename == "test_notebooks.py":
            return (0, "")
        return (1, group.args[0]) if group is not None else (2, "")
    items.sort(key=order)


def pytest_collection_finish(session):
    """Once the tests are collected (numpy to xarray and the package imported by the test
    modules), a test process spends less on garbage collection: the objects alive then, which
    live as long as the process, are moved out of the collector's sight (``gc.freeze``), and
    the youngest generation is collected every 10,000 allocations instead of 700. Over the
    suite the default thresholds had each xdist worker run some 4,000 collections (a few
    seconds of CPU a worker) for the few cycles the tests leave; objects are still collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


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
    import actuarial

    return actuarial.load_assumptions(EXAMPLE)


@pytest.fixture(scope="session")
def example_projection(example):
    import actuarial

    return actuarial.project(example, years=10)


_DASK = {}


def _dask_client():
    """The shared two-worker LocalCluster's client, started on first use."""
    if "client" not in _DASK:
        distributed = pytest.importorskip("distributed")
        stack = contextlib.ExitStack()
        # no dashboard; the scheduler's own HTTP server (health, metrics) on a free port, not on
        # 8787, which a dashboard on this machine may hold (distributed then warned and moved)
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"}))
        _DASK["client"] = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        _DASK["stack"] = stack
    return _DASK["client"]


def _close_dask_client():
    stack = _DASK.pop("stack", None)
    _DASK.clear()
    if stack is not None:
        stack.close()


@pytest.fixture
def dask_client():
    """One two-worker LocalCluster (a process per worker, as on a real cluster) for every test
    that runs on dask; the tests using it share an xdist group, so one pytest worker starts it
    and runs them one after another. It is shut down after the last of them
    (``pytest_runtest_teardown``) rather than at the end of the session: an idle cluster's
    heartbeats cost its workers and the scheduler's event loop CPU for as long as it lives."""
    return _dask_client()


def pytest_runtest_teardown(item, nextitem):
    if _DASK and (nextitem is None or "dask_client" not in getattr(nextitem, "fixturenames", ())):
        _close_dask_client()


def pytest_sessionfinish(session):
    _close_dask_client()


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the example assumption set (without its sources and builder)."""
    dest = tmp_path / "set"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("sources", "build.py", "*.template.yaml"))
    return dest


def edit_yaml(folder, change):
    """Apply ``change(data)`` to the assumptions.yaml in ``folder`` (read and written with
    libyaml when PyYAML has it, as the package reads it: the pure-Python parser and emitter
    took 60 ms on the example's file)."""
    path = folder / "assumptions.yaml"
    data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    change(data)
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
