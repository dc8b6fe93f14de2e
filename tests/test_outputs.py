"""Output Dataset: units, provenance, NetCDF round trip, CLI, atomic writes."""

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import actuarial
from actuarial import cli
from actuarial.report.export import atomic_path, write_netcdf, write_zarr
from actuarial.report.summary import summary_table
from conftest import EXAMPLE, ROOT

REQUIRED = {
    "population": ("year", "status", "sex", "age"),
    "income": ("year", "scheme"),
    "spending": ("year", "scheme"),
    "balance": ("year", "scheme"),
    "ledger_balance": ("year", "ledger"),
    "reserve_months": ("year", "scheme"),
    "surplus_rate": ("year", "scheme"),
    "dependency_ratio": ("year",),
}


def test_required_variables_and_dims(example_projection):
    for name, dims in REQUIRED.items():
        assert example_projection[name].dims == dims
    assert example_projection["year"].values.tolist() == list(range(2024, 2035))
    assert example_projection["age"].values.tolist() == list(range(101))


def test_every_variable_has_units_and_long_name(example_projection):
    for name, var in example_projection.data_vars.items():
        assert var.attrs.get("units"), name
        assert var.attrs.get("long_name"), name


def test_provenance(example, example_projection):
    attrs = example_projection.attrs
    assert attrs["package_version"] == actuarial.__version__
    assert attrs["assumption_hash"] == example.digest and len(example.digest) == 64
    assert attrs["created"] and attrs["seed"] == "none"


def test_assumption_hash_changes_with_any_table(tmp_path, example):
    import shutil
    dest = tmp_path / "s"
    shutil.copytree(example.path, dest, ignore=shutil.ignore_patterns("sources"))
    assert actuarial.load_assumptions(dest).digest == example.digest
    with open(dest / "migration.csv", "a") as f:
        f.write("\n")
    assert actuarial.load_assumptions(dest).digest != example.digest


def _assert_round_trip(back, ds):
    """Money and rates come back exactly; person counts (float32 on disk) to 7 digits, and the
    population identity of the stored numbers holds to a relative 1e-6."""
    persons = [n for n, v in ds.data_vars.items() if v.attrs.get("units") == "persons"]
    assert {"population", "births", "deaths"} <= set(persons)
    for name in persons:
        assert back[name].dtype == np.float32, name
    xr.testing.assert_allclose(back.drop_vars(persons), ds.drop_vars(persons), rtol=1e-12)
    xr.testing.assert_allclose(back[persons].astype(float), ds[persons], rtol=1e-6)
    pop = back["population_total"].astype(float).sum(["status", "sex"])
    flows = (back["births"] + back["net_migration"] - back["deaths"]).astype(float).sum("sex")
    gap = pop.shift(year=-1) - pop - flows
    assert float(abs(gap).max() / pop.max()) < 1e-6
    assert back.attrs["assumption_hash"] == ds.attrs["assumption_hash"]
    assert back["balance"].attrs["units"] == "CNY"


def test_netcdf_round_trip(tmp_path, example_projection):
    path = write_netcdf(example_projection, tmp_path / "p.nc")
    _assert_round_trip(xr.load_dataset(path), example_projection)


def test_zarr_round_trip(tmp_path, example_projection):
    mc = actuarial.project(actuarial.load_assumptions(EXAMPLE), years=3, draws=30, seed=5)
    path = write_zarr(mc, tmp_path / "p.zarr")
    assert path.is_dir() and not list(tmp_path.glob(".*tmp"))
    _assert_round_trip(xr.open_zarr(path).load(), mc)
    _assert_round_trip(xr.open_zarr(write_zarr(example_projection, path)).load(), example_projection)


def test_zarr_chunks_by_size_along_draw_and_money_exact(tmp_path, monkeypatch):
    from actuarial.report import export

    mc = actuarial.project(actuarial.load_assumptions(EXAMPLE), years=3, draws=30, seed=5)
    per_draw = 4 * mc["population"].size // 30                     # float32 on disk
    monkeypatch.setattr(export, "ZARR_CHUNK_BYTES", 7 * per_draw + 5)
    path = write_zarr(mc, tmp_path / "p.zarr")
    back = xr.open_zarr(path)
    assert back["population"].encoding["chunks"] == (7,) + mc["population"].shape[1:]   # 7 draws: 5 chunks
    assert back["balance"].encoding["chunks"] == mc["balance"].shape     # small: one chunk of every draw
    assert export.zarr_chunks(mc["population"], 4)[0] == 7
    back = back.load()
    for name, var in mc.data_vars.items():
        if var.attrs.get("units") != "persons" and var.dtype.kind == "f":
            assert back[name].dtype == np.float64, name
            xr.testing.assert_identical(back[name], var)                # money and rates: bit for bit
    _assert_round_trip(back, mc)


def _zarr_reference(ds, path):
    """The store xarray writes itself for ``ds`` with write_zarr's encoding (one to_zarr call)."""
    import numcodecs
    from actuarial.report import export

    enc = export.disk_encoding(ds, {"compressors": (numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE),)})
    for name, e in enc.items():
        if "draw" in ds[name].dims:
            e["chunks"] = export.zarr_chunks(ds[name], np.dtype(e.get("dtype", ds[name].dtype)).itemsize)
    ds.to_zarr(path, mode="w", encoding=enc, consolidated=True, zarr_format=2, write_empty_chunks=True)
    return path


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_zarr_store_is_the_one_xarray_writes(tmp_path, monkeypatch, example_projection):
    """write_zarr writes the metadata and one-chunk variables through memory and the variables cut
    into several chunks a chunk at a time: the files are byte for byte those of xarray's own
    to_zarr of the whole Dataset, for a Dataset in memory (draws, the best estimate, a scenario
    comparison with its string coordinate) and for one opened lazily (dask)."""
    from actuarial.policy import scenarios
    from actuarial.report import export

    a = actuarial.load_assumptions(EXAMPLE)
    mc = actuarial.project(a, years=3, draws=30, seed=5)
    cut = [{"lever": "contribution_rate", "employer_change": -0.005, "from_year": 2026}]
    compared = scenarios.compare(a, {"cut": cut}, 3, draws=30, seed=5)
    monkeypatch.setattr(export, "ZARR_CHUNK_BYTES", 7 * 4 * mc["population"].size // 30 + 5)   # 5 chunks
    for name, ds in {"draws": mc, "best estimate": example_projection, "scenarios": compared}.items():
        path = write_zarr(ds, tmp_path / name / "p.zarr")
        assert _files(path) == _files(_zarr_reference(ds, tmp_path / name / "ref.zarr")), name
    lazy = xr.open_zarr(tmp_path / "draws" / "p.zarr")
    assert lazy["population"].chunks is not None
    assert _files(write_zarr(lazy, tmp_path / "lazy.zarr")) == _files(_zarr_reference(lazy, tmp_path / "lazy-ref.zarr"))


def test_zarr_write_leaves_nothing_when_a_chunk_fails(tmp_path, monkeypatch):
    from actuarial.report import export

    mc = actuarial.project(actuarial.load_assumptions(EXAMPLE), years=3, draws=30, seed=5)
    monkeypatch.setattr(export, "ZARR_CHUNK_BYTES", 7 * 4 * mc["population"].size // 30 + 5)
    old = write_zarr(mc.isel(draw=slice(0, 3)), tmp_path / "p.zarr")
    before = _files(old)

    def fail(job):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(export, "_write_chunk", fail)
    with pytest.raises(OSError, match="No space"):
        write_zarr(mc, tmp_path / "p.zarr")
    assert [p.name for p in tmp_path.iterdir()] == ["p.zarr"] and _files(old) == before   # the old store, untouched


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_years_must_be_sensible(example):
    with pytest.raises(actuarial.ProjectionError, match="years"):
        actuarial.project(example, years=-1)


def test_zero_year_horizon(example):
    ds = actuarial.project(example, years=0)
    assert ds["year"].values.tolist() == [2024]


def test_next_year_denominator(example, example_projection):
    ds = actuarial.project(example.replace(**{"indicators.reserve_months_denominator": "next_year"}), years=10)
    emp = ds.sel(scheme="employee")
    expected = emp["balance"].isel(year=0) / (example_projection.sel(scheme="employee")["spending"].isel(year=1) / 12)
    assert float(emp["reserve_months"].isel(year=0)) == pytest.approx(float(expected))


def test_summary_table(example_projection):
    table = summary_table(example_projection)
    assert table.index.tolist() == list(range(2024, 2035))
    assert table["employee balance, CNY m"].iloc[0] == pytest.approx(
        float(example_projection["balance"].sel(scheme="employee", year=2024)) / 1e6)


def test_cli_run_writes_outputs(tmp_path, capsys):
    status = cli.main(["run", str(ROOT / "projections" / "example-city.yaml"), "--out", str(tmp_path), "--years", "3"])
    out = capsys.readouterr().out
    assert status == 0
    assert "reserve months" in out and "2027" in out
    ds = xr.load_dataset(tmp_path / "example-city.nc")
    assert ds["year"].values.tolist() == [2024, 2025, 2026, 2027]
    assert (tmp_path / "summary.csv").read_text().startswith("year,")


def test_cli_job_writes_only_the_outputs_asked_for(tmp_path, capsys):
    job = tmp_path / "z.yaml"
    job.write_text(f"name: z\nassumptions: {ROOT / 'assumptions' / 'example-city'}\nyears: 2\n"
                   "draws: 20\nseed: 3\noutputs: [zarr]\n")
    assert cli.main(["run", str(job), "--out", str(tmp_path / "run")]) == 0
    written = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert written == ["run.yaml", "z.zarr"]
    ds = xr.open_zarr(tmp_path / "run" / "z.zarr")
    assert ds.sizes["draw"] == 20 and ds["population"].dtype == np.float32


def test_cli_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    job = tmp_path / "bad.yaml"
    job.write_text("name: bad\nassumptions: nowhere\nyeers: 5\n")
    assert cli.main(["run", str(job)]) == 2
    err = capsys.readouterr().err
    assert "yeers" in err and "unknown key" in err and "Traceback" not in err


def test_console_script_installed(capsys):
    """The installed package declares the ``actuarial`` console script (cli.console, which the
    next test runs in a process of its own), and ``--version`` prints the package's version."""
    from importlib.metadata import entry_points

    assert [e.value for e in entry_points(group="console_scripts") if e.name == "actuarial"] == ["actuarial.cli:console"]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and actuarial.__version__ in capsys.readouterr().out


def test_console_exits_with_mains_status_and_flushed_output(tmp_path):
    """cli.console leaves with os._exit: the output piped to a file must be whole and the
    status main's (0, 2 for bad input)."""
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "actuarial.cli", "validate", str(EXAMPLE)],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(")") and "valid" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "actuarial.cli", "validate", str(tmp_path / "none")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == cli.EXIT_INPUT_ERROR and bad.stderr.startswith("error: ") and not bad.stdout
    assert 'actuarial = "actuarial.cli:console"' in (ROOT / "pyproject.toml").read_text()


def test_docs_reference_is_up_to_date():
    assert cli.main(["docs", "--check", "--dir", str(ROOT / "docs")]) == 0


def test_cli_validate(capsys):
    assert cli.main(["validate", str(ROOT / "assumptions" / "example-city")]) == 0
    assert "valid" in capsys.readouterr().out
    assert cli.main(["validate", str(ROOT / "projections")]) == cli.EXIT_INPUT_ERROR
