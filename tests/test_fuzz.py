"""Property-based fuzzing of the loaders and the command line: random and malformed YAML, CSV
and option values either give a result that satisfies the identities or a one-line
ActuarialError, never another exception (a traceback for the user)."""

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actuarial import cli, load_assumptions, monitoring, project
from actuarial.errors import ActuarialError
from actuarial.jobs import load_job
from actuarial.testing import money_residual, population_residual
from conftest import EXAMPLE, ROOT

FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                database=None)
BASE = yaml.safe_load((EXAMPLE / "assumptions.yaml").read_text(encoding="utf-8"))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["0.35", "8%", "1e400", "nan", "-0", "[", "{a: 1}", "万元", "2024-01"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6) | st.integers(1990, 2100),
                                                                       inner, max_size=3)), max_leaves=6)


def _paths(node, prefix=()):
    """Every path into the parsed YAML (dict keys and list indexes)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(BASE) if p]


@contextlib.contextmanager
def example_copy():
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "set"
        shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("sources", "build.py", "*.template.yaml",
                                                                     "monthly_operations.csv", "fund_history.csv"))
        yield dest


def check_loaded_or_one_line(folder):
    """Load ``folder``: an ActuarialError must be one line; a loaded set must project with the
    population and money identities holding."""
    try:
        a = load_assumptions(folder)
    except ActuarialError as exc:
        assert "\n" not in str(exc) and str(exc)
        return None
    ds = project(a, years=2)
    assert float(np.abs(population_residual(ds)).max()) < 1e-9
    for name, r in money_residual(ds).items():
        assert float(np.abs(r).max()) < 1e-9, name
    return a


@FUZZ
@given(st.sampled_from(PATHS), values)
def test_mutated_assumption_yaml(path, value):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    with example_copy() as folder:
        (folder / "assumptions.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        check_loaded_or_one_line(folder)


@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_random_bytes_as_assumption_yaml(data):
    with example_copy() as folder:
        (folder / "assumptions.yaml").write_bytes(data)
        check_loaded_or_one_line(folder)


TABLES = ["population.csv", "claim_costs.csv", "migration.csv", "transitions.csv", "fertility_pattern.csv",
          "mortality.csv", "cost_history.csv"]
cells = st.one_of(st.sampled_from(["", "nan", "inf", "-1", "1e309", "abc", "0", "1e9", "101", "男", '"', ",", "\t"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10**20, 10**20).map(str))


@settings(FUZZ, max_examples=30)
@example("mortality.csv", 0, 0, "", "truncate")       # found by this test: a table with no data rows
@given(st.sampled_from(TABLES), st.integers(0, 10**6), st.integers(0, 10), cells,
       st.sampled_from(["cell", "drop_row", "dup_row", "header", "truncate", "gbk", "bom", "junk_line"]))
def test_mutated_csv_tables(table, row, col, cell, how):
    with example_copy() as folder:
        path = folder / table
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 1 + row % (len(lines) - 1)
        if how == "cell":
            parts = lines[i].split(",")
            parts[col % len(parts)] = cell
            lines[i] = ",".join(parts)
        elif how == "drop_row":
            del lines[i]
        elif how == "dup_row":
            lines.insert(i, lines[i])
        elif how == "header":
            parts = lines[0].split(",")
            parts[col % len(parts)] = cell
            lines[0] = ",".join(parts)
        elif how == "truncate":
            lines = lines[:i]
        elif how == "junk_line":
            lines.insert(i, cell * (col + 1))
        text = "\n".join(lines) + "\n"
        path.write_bytes(text.encode({"gbk": "gbk", "bom": "utf-8-sig"}.get(how, "utf-8")))
        check_loaded_or_one_line(folder)


@FUZZ
@given(st.integers(0, 10**6), st.integers(0, 6), cells, st.sampled_from(["cell", "drop_row", "dup_row", "header"]))
def test_mutated_monthly_table(row, col, cell, how):
    lines = (EXAMPLE / "monthly_operations.csv").read_text(encoding="utf-8").splitlines()
    i = 1 + row % (len(lines) - 1)
    if how in ("cell", "header"):
        k = 0 if how == "header" else i
        parts = lines[k].split(",")
        parts[col % len(parts)] = cell
        lines[k] = ",".join(parts)
    elif how == "drop_row":
        del lines[i]
    else:
        lines.insert(i, lines[i])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            table = monitoring.load_monthly(path)
            flags = monitoring.monitor(table, train_months=36)
        except ActuarialError as exc:
            assert "\n" not in str(exc)
            return
        assert (flags["lower"] <= flags["expected"]).all() and (flags["expected"] <= flags["upper"]).all()


job_values = st.one_of(values, st.sampled_from(["../assumptions/example-city", "nowhere", "", ".", ".."]))


@FUZZ
@given(st.sampled_from(["name", "assumptions", "years", "draws", "seed", "outputs", "alerts",
                        "keep_population", "scenarios", "description", "zzz"]), job_values)
def test_mutated_job_files(key, value):
    job = {"name": "fuzz", "assumptions": str(EXAMPLE), "years": 1}
    job[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "job.yaml"
        path.write_text(yaml.safe_dump(job, allow_unicode=True), encoding="utf-8")
        status, err = run_cli(["run", str(path), "--out", str(Path(tmp) / "out")])
        assert status in (0, cli.EXIT_INPUT_ERROR, cli.EXIT_ALERT)
        if status == cli.EXIT_INPUT_ERROR:
            assert len(err.strip().splitlines()) == 1 and not (Path(tmp) / "out").exists()
        else:
            job = load_job(path)
            assert (Path(tmp) / "out" / "run.yaml").is_file()


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, err.getvalue()


odd_numbers = st.sampled_from(["", "x", "1.5", "1e3", "nan", "-0", "٣", " 2"])
options = st.lists(st.one_of(
    st.tuples(st.sampled_from(["--years", "--seed"]), st.one_of(st.integers(-2**70, 2**70).map(str), odd_numbers)),
    # draws: few (quick) or far too many (refused before any work)
    st.tuples(st.just("--draws"), st.one_of(st.integers(-3, 6), st.integers(2**20, 2**70)).map(str) | odd_numbers),
    st.tuples(st.sampled_from(["--fail-on", "--accept-unusual", "--alerts"]),
              st.sampled_from(["red", "yellow", "purple", "", "costs.medical_inflation", "x.y", "nowhere.yaml",
                               str(ROOT / "actuarial" / "default_warning_lines.yaml")])),
    st.tuples(st.sampled_from(["--force", "--bogus", "-x"]))), max_size=4)


@FUZZ
@given(options)
def test_random_command_line_options(opts):
    argv = [x for o in opts for x in o]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        # keep successful runs quick: a short horizon and few draws unless the options set them
        extra = [] if "--years" in argv else ["--years", "1"]
        status, err = run_cli(["run", str(ROOT / "projections" / "example-city.yaml"), "--out", str(out), *extra, *argv])
        assert status in (0, cli.EXIT_INPUT_ERROR, cli.EXIT_ALERT)
        if status == cli.EXIT_INPUT_ERROR:
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
            assert not out.exists() and list(Path(tmp).iterdir()) == []
        else:
            assert sorted(p.name for p in out.iterdir()) == ["alerts.csv", "example-city.nc", "run.yaml", "summary.csv"]


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["--version"]])
def test_help_and_version_exit_zero(argv):
    with pytest.raises(SystemExit) as info, contextlib.redirect_stdout(io.StringIO()):
        cli.main(argv)
    assert info.value.code == 0
