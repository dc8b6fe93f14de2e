"""Bad inputs at the command line: every one gives a one-line error and exit status 2 before
anything is written, never a traceback, a silent wrong number or a damaged output folder."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
import textwrap
import time

import pytest
import xarray as xr
import yaml

from actuarial import cli, load_assumptions
from actuarial.errors import AssumptionError
from actuarial.report.export import TMP_MARK
from conftest import EXAMPLE, ROOT, edit_yaml

JOB = str(ROOT / "projections" / "example-city.yaml")


def run(capsys, *argv):
    """cli.main on ``argv``: (status, stdout, stderr)."""
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, *fragments):
    assert status == cli.EXIT_INPUT_ERROR, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)


def write_job(folder, assumptions=EXAMPLE, **extra):
    job = {"name": "t", "assumptions": str(assumptions), "years": 1, **extra}
    path = folder / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    return path


@pytest.mark.parametrize("argv,fragments", [
    (["--seed", "-1", "--draws", "5"], ["--seed -1", "non-negative"]),
    (["--seed", "7"], ["--seed 7", "no draws"]),
    (["--years", "61"], ["--years 61", "0 to 60"]),
    (["--years", "-1"], ["--years -1"]),
    (["--years", "ten"], ["--years", "invalid int value", "--help"]),
    (["--draws", "0"], ["--draws 0", "1 to 1,000,000"]),
    (["--draws", "1000000"], ["GiB"]),
    (["--fail-on", "purple"], ["--fail-on purple", "unknown level", "red"]),
    (["--alerts", "nowhere.yaml"], ["nowhere.yaml", "not found"]),
    (["--accept-unusual", "costs.medical_inflaton"], ["accept_unusual", "costs.medical_inflaton", "costs.medical_inflation"]),
    (["--bogus"], ["unrecognized arguments: --bogus"]),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path, capsys, argv, fragments):
    out = tmp_path / "out"
    status, _, err = run(capsys, "run", JOB, "--out", out, *argv)
    assert_one_line_error(status, err, *fragments)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_output_folders(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert_one_line_error(*run(capsys, "run", JOB, "--out", a_file)[::2], "is a file")
    assert_one_line_error(*run(capsys, "run", JOB, "--out", a_file / "sub")[::2], str(a_file))
    assert_one_line_error(*run(capsys, "run", JOB, "--out", "/proc/actuarial-out")[::2], "/proc")
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    for extra in ([], ["--force"]):
        assert_one_line_error(*run(capsys, "run", JOB, "--out", other, *extra)[::2], "not a run's outputs")
    assert (other / "notes.txt").read_text() == "keep me"
    assert a_file.read_text() == "x"


def test_unwritable_output_folder(tmp_path, capsys):
    if os.geteuid() == 0:   # root ignores folder permissions; /proc refuses everyone
        locked = Path("/proc/self")
        assert_one_line_error(*run(capsys, "run", JOB, "--out", locked / "out")[::2], "cannot")
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert_one_line_error(*run(capsys, "run", JOB, "--out", locked / "out")[::2], "cannot write")
    finally:
        locked.chmod(0o700)


def test_a_run_is_never_silently_overwritten(tmp_path, capsys):
    out = tmp_path / "out"
    status, stdout, _ = run(capsys, "run", JOB, "--out", out, "--years", "1")
    assert status == 0 and "wrote" in stdout
    first = (out / "run.yaml").read_text()
    assert_one_line_error(*run(capsys, "run", JOB, "--out", out, "--years", "2")[::2], "previous run", "--force")
    assert (out / "run.yaml").read_text() == first
    status, _, _ = run(capsys, "run", JOB, "--out", out, "--years", "2", "--force")
    assert status == 0
    assert xr.load_dataset(out / "example-city.nc")["year"].values.tolist() == [2024, 2025, 2026]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]      # no temporary folder left


def test_default_run_folder_is_new_for_every_run(tmp_path, capsys):
    job = write_job(tmp_path)
    assert run(capsys, "run", job)[0] == 0
    assert run(capsys, "run", job)[0] == 0
    runs = sorted((tmp_path / "t").iterdir())
    assert len(runs) == 2 and all(r.name.startswith("t-") for r in runs)
    assert all(sorted(p.name for p in r.iterdir()) == ["alerts.csv", "run.yaml", "summary.csv", "t.nc"] for r in runs)


def test_draws_without_a_seed_pick_one_print_it_and_record_it(tmp_path, capsys):
    job = write_job(tmp_path, draws=3)
    status, out, _ = run(capsys, "run", job, "--out", tmp_path / "a")
    assert status == 0
    seed = int(out.split("using seed ")[1].split()[0])
    ds = xr.load_dataset(tmp_path / "a" / "t.nc")
    assert ds.attrs["seed"] == str(seed)
    record = yaml.safe_load((tmp_path / "a" / "run.yaml").read_text())
    assert record["seed"] == seed and record["seed_given"] is False
    # the printed seed reproduces the numbers
    assert run(capsys, "run", job, "--out", tmp_path / "b", "--seed", seed)[0] == 0
    again = xr.load_dataset(tmp_path / "b" / "t.nc")
    xr.testing.assert_equal(ds["balance"], again["balance"])


@pytest.mark.parametrize("field,value,fragment", [
    ("costs.medical_inflation", 0.35, "did you mean 0.035"),
    ("employee.employee_rate", 0.002, "did you mean 0.02"),
    ("employee.contribution_base", 4885, "monthly amount"),
    ("resident.premium", 0.04, "万元"),
    ("employee.opening_balance", 191700, "万元"),
    ("employee.personal_accounts.opening_balance", 121000, "万元"),
    ("resident.opening_balance", 3.397e13 / 1e4 * 100, "months"),
])
def test_implausible_values_stop_the_run_naming_the_slip(copy, tmp_path, capsys, field, value, fragment):
    def change(d):
        node = d
        *parents, last = field.split(".")
        for p in parents:
            node = node[p]
        if "values" in node[last]:
            node[last]["values"] = {2024: value}
        else:
            node[last]["value"] = value
    edit_yaml(copy, change)
    job = write_job(tmp_path, copy)
    status, _, err = run(capsys, "run", job, "--out", tmp_path / "out")
    assert_one_line_error(status, err, fragment, field, "accept_unusual")
    assert not (tmp_path / "out").exists()
    # confirmed on the command line, or in the file, the same value runs
    # (a monthly base also makes income a twelfth of spending: that cross-check is confirmed too;
    # a base or employee rate a tenth of the real one makes the example's account stock, 2.8
    # years of credits as nationally in 2024, more than 6 years of them: confirmed too)
    also = (["income_vs_spending.employee"] if field == "employee.contribution_base" else []) + (
        ["employee.personal_accounts.opening_balance"] if field in ("employee.contribution_base", "employee.employee_rate")
        else [])
    accept = [x for f in [field, *also] for x in ("--accept-unusual", f)]
    assert run(capsys, "run", job, "--out", tmp_path / "out", *accept)[0] == 0
    edit_yaml(copy, lambda d: d.update(accept_unusual=[field, *also]))
    assert load_assumptions(copy).config.accept_unusual == [field, *also]


def test_population_in_wan_ren_is_caught(copy):
    path = copy / "population.csv"
    lines = path.read_text().splitlines()
    rows = [line.rsplit(",", 1) for line in lines[1:]]
    path.write_text("\n".join([lines[0]] + [f"{a},{float(b) / 1e4:.6g}" for a, b in rows]) + "\n")
    with pytest.raises(AssumptionError, match="万人"):
        load_assumptions(copy)


def test_monthly_claim_costs_are_named_before_the_balances(copy):
    path = copy / "claim_costs.csv"
    lines = path.read_text().splitlines()
    out = [lines[0]] + [",".join(line.split(",")[:3] + [f"{float(x) / 12:.6g}" for x in line.split(",")[3:]])
                        for line in lines[1:]]
    path.write_text("\n".join(out) + "\n")
    with pytest.raises(AssumptionError, match="income_vs_spending.employee.*claim costs monthly"):
        load_assumptions(copy)


def test_monthly_base_is_caught_by_the_income_cross_check(copy):
    # a monthly base inside the plausible yearly range (30,000 a month) gives 12x the income
    edit_yaml(copy, lambda d: d["employee"]["contribution_base"].update(value=58620 * 12 / 2))
    with pytest.raises(AssumptionError, match="income_vs_spending.employee"):
        load_assumptions(copy)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_tables_in_chinese_encodings_are_read(copy, encoding):
    for name in ("population.csv", "migration.csv"):
        text = "# 基准年人口 (人)\n" + (copy / name).read_text(encoding="utf-8")
        (copy / name).write_bytes(text.encode(encoding))
    (copy / "assumptions.yaml").write_bytes(
        ("# 示例城市\n" + (copy / "assumptions.yaml").read_text(encoding="utf-8")).encode(encoding))
    a = load_assumptions(copy)
    b = load_assumptions(EXAMPLE)
    xr.testing.assert_equal(a.tables["population"], b.tables["population"])


@pytest.mark.parametrize("data,fragment", [
    ("age,share_of_tfr\n30,1\n".encode("utf-16"), "UTF-16"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
    ("年龄".encode("utf-8")[:2] + b"\xff\xfe,1\n", "neither UTF-8 nor GBK"),
])
def test_other_encodings_are_refused_with_how_to_save(copy, data, fragment):
    (copy / "fertility_pattern.csv").write_bytes(data)
    with pytest.raises(AssumptionError, match=fragment) as info:
        load_assumptions(copy)
    assert "fertility_pattern.csv" in str(info.value) and "UTF-8" in str(info.value)


def test_gbk_monthly_table_and_refused_utf16(tmp_path):
    from actuarial import monitoring
    text = (EXAMPLE / "monthly_operations.csv").read_text(encoding="utf-8").replace("central", "中心城区")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    table = monitoring.load_monthly(tmp_path / "gbk.csv")
    assert "中心城区" in set(table["district"])
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    with pytest.raises(AssumptionError, match="u16.csv.*UTF-16.*save it as UTF-8"):
        monitoring.load_monthly(tmp_path / "u16.csv")


def test_a_shock_in_the_training_window_is_not_absorbed():
    import pandas as pd
    from actuarial import monitoring
    table = monitoring.load_monthly(EXAMPLE / "monthly_operations.csv")
    t = table.copy()
    t.attrs = table.attrs
    row = t.index[(t["district"] == "central") & (t["month"] == pd.Period("2022-06", "M"))][0]
    t.loc[row, "admissions"] *= 1.5
    with pytest.raises(AssumptionError, match="2021-06 to 2022-06.*shock"):
        monitoring.monitor(t)
    assert len(monitoring.monitor(t, on_training_shock="ignore")) == 4 * 5 * 12


def test_unexpected_errors_are_one_line_with_a_debug_hint(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")
    monkeypatch.setattr(cli, "project", broken)
    status, _, err = run(capsys, "run", JOB, "--out", tmp_path / "out")
    assert_one_line_error(status, err, "ZeroDivisionError", "--debug")
    assert list(tmp_path.iterdir()) == []                 # the temporary folder is gone
    with pytest.raises(ZeroDivisionError):
        cli.main(["run", JOB, "--out", str(tmp_path / "out"), "--debug"])


def test_docs_dir_naming_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert_one_line_error(*run(capsys, "docs", "--dir", tmp_path / "f")[::2], "names a file")


def test_build_script_refuses_to_overwrite_a_copy(tmp_path):
    dest = tmp_path / "my-city"
    shutil.copytree(EXAMPLE, dest)
    before = (dest / "assumptions.yaml").read_bytes()
    result = subprocess.run([sys.executable, str(dest / "build.py")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "not the package's own example folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert (dest / "assumptions.yaml").read_bytes() == before


SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from actuarial import cli
    from actuarial.report import export
    real = export.write_netcdf
    def slow(ds, path):
        real(ds, path)
        print("WRITING", flush=True)
        time.sleep(120)
    cli.write_netcdf = slow
    sys.exit(cli.main(sys.argv[1:]))
""")


@pytest.mark.parametrize("sig,previous", [(signal.SIGKILL, True), (signal.SIGTERM, False)])
def test_a_run_killed_while_writing_leaves_no_damaged_output(tmp_path, sig, previous):
    """Kill a run after its first output file is written: the target folder must not exist
    (no half set) or hold the previous run whole; SIGTERM cleans up at once, and the next run
    cleans what SIGKILL left."""
    out = tmp_path / "out"
    script = tmp_path / "slow.py"
    script.write_text(SLOW_WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if previous:
        assert cli.main(["run", JOB, "--out", str(out), "--years", "1"]) == 0
        before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen([sys.executable, str(script), "run", JOB, "--out", str(out), "--years", "2", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout.readline().strip() == "WRITING"
    assert [p for p in tmp_path.iterdir() if TMP_MARK in p.name]          # the run is writing there
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)     # reads the pipes while waiting: a full pipe cannot block the run
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the run did not end within 60 s of signal {sig}; it printed: {proc.communicate()[1][-2000:]}")
    if previous:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        assert not out.exists()
    leftovers = [p for p in tmp_path.iterdir() if TMP_MARK in p.name]
    assert len(leftovers) == (1 if sig == signal.SIGKILL else 0)
    assert "Traceback" not in err
    assert cli.main(["run", JOB, "--out", str(out), "--years", "1", "--force"]) == 0
    assert not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]
    assert xr.load_dataset(out / "example-city.nc")["year"].values.tolist() == [2024, 2025]


def test_error_catalogue_names_every_error_type_and_is_linked():
    import actuarial.alerts
    import actuarial.policy.levers
    import actuarial.policy.solvers
    from actuarial.errors import ActuarialError

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    names = {c.__name__ for c in subclasses(ActuarialError)}
    assert {"AssumptionError", "JobError", "UsageError", "OutputError", "AlertError", "ScenarioError"} <= names
    assert [n for n in sorted(names) if f"`{n}`" not in text] == []
    assert "docs/errors.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_local_runs_take_chunks_of_up_to_1000_draws_at_least_four_a_thread():
    """The numbers never depend on the chunks (test_engine_structure); the chunks of a run in
    this process are as large as LOCAL_CHUNK while every worker thread still gets four."""
    from actuarial.engine import DEFAULT_CHUNK, executors

    local = lambda draws: executors.local_chunk(draws, 2, DEFAULT_CHUNK)  # noqa: E731
    assert local(None) == local(10) == local(2_000) == DEFAULT_CHUNK
    assert local(6_000) == 750
    assert local(10_000) == local(1_000_000) == executors.LOCAL_CHUNK == 1_000
