"""Assumption tables as a new city brings them: Excel workbooks, CSV in GBK or UTF-8 with a
byte-order mark, ages in 5-year groups (graduated keeping every group's total)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actuarial import load_assumptions
from actuarial.errors import AssumptionError
from actuarial.params.tables import _load_claim_costs, _load_migration, _load_population

EXAMPLE = Path(__file__).resolve().parents[1] / "assumptions" / "example-city"


def _grouped(df: pd.DataFrame, value: str, how: str) -> pd.DataFrame:
    """Group single ages 0..99 into 0-4, ..., 95-99 and keep 100 as 100+ (sum or first value)."""
    g = df.assign(group=np.where(df["age"] >= 100, "100+", (df["age"] // 5 * 5).astype(str) + "-"
                                 + (df["age"] // 5 * 5 + 4).astype(str)), lower=np.minimum(df["age"] // 5 * 5, 100))
    keys = [c for c in ("status", "sex") if c in df.columns]
    agg = g.groupby(keys + ["lower", "group"], sort=False)[value].agg(how).reset_index()
    return agg.sort_values(keys + ["lower"]).drop(columns="lower").rename(columns={"group": "age"})


def test_population_in_five_year_groups_keeps_every_group_total(tmp_path):
    single = pd.read_csv(EXAMPLE / "population.csv")
    grouped = _grouped(single, "persons", "sum")
    path = tmp_path / "population.csv"
    grouped.to_csv(path, index=False, encoding="gbk")
    da = _load_population(path)
    assert da.sizes["age"] == 101 and float(da.min()) >= 0
    for r in grouped.itertuples():
        lo = 100 if r.age == "100+" else int(r.age.split("-")[0])
        hi = 100 if r.age == "100+" else lo + 4
        got = float(da.sel(status=r.status, sex=r.sex, age=slice(lo, hi)).sum())
        assert got == pytest.approx(r.persons, rel=1e-9, abs=1e-6)
    # graduation is smooth enough to be close to the true single ages in the middle of life
    true = single.set_index(["status", "sex", "age"])["persons"].sort_index()
    mid = da.sel(status="resident", sex="female", age=slice(20, 60)).to_series()
    assert np.allclose(mid.to_numpy(), true.loc[("resident", "female")].loc[20:60].to_numpy(), rtol=0.2)


def test_signed_migrants_in_groups_keep_totals(tmp_path):
    single = pd.read_csv(EXAMPLE / "migration.csv")
    grouped = _grouped(single, "net_migrants", "sum")
    path = tmp_path / "migration.csv"
    grouped.to_csv(path, index=False, encoding="utf-8-sig")
    da = _load_migration(path)
    assert float(da.sum()) == pytest.approx(float(single["net_migrants"].sum()), abs=1e-6)


def test_costs_in_groups_repeat_the_group_value(tmp_path):
    single = pd.read_csv(EXAMPLE / "claim_costs.csv")
    g = _grouped(single.drop(columns="outpatient"), "inpatient", "first")
    g["outpatient"] = 100.0
    path = tmp_path / "claim_costs.csv"
    g.to_csv(path, index=False)
    da = _load_claim_costs(path)
    first = g[(g["status"] == "active") & (g["sex"] == "male")].iloc[2]          # ages 10-14
    assert (da.sel(status="active", sex="male", age=slice(10, 14), category="inpatient") == first["inpatient"]).all()


def test_excel_tables_and_grouped_ages_project_like_csv(tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("sources", "build*.py"))
    pd.read_csv(folder / "population.csv").to_excel(folder / "population.xlsx", index=False)
    text = (folder / "assumptions.yaml").read_text(encoding="utf-8").replace("population: population.csv",
                                                                               "population: population.xlsx")
    (folder / "assumptions.yaml").write_text(text, encoding="utf-8")
    a, b = load_assumptions(folder), load_assumptions(EXAMPLE)
    assert np.array_equal(a.tables["population"].values, b.tables["population"].values)


def test_bad_age_group_is_one_clear_error(tmp_path):
    path = tmp_path / "population.csv"
    pd.DataFrame({"status": ["active", "active"], "sex": ["male", "male"], "age": ["0-4", "five"],
                  "persons": [1.0, 2.0]}).to_csv(path, index=False)
    with pytest.raises(AssumptionError, match=r"population.csv.*'five' is neither a single age nor an age group"):
        _load_population(path)
    pd.DataFrame({"status": ["active"] * 2, "sex": ["male"] * 2, "age": ["0-4", "10-14"],
                  "persons": [1.0, 2.0]}).to_csv(path, index=False)
    with pytest.raises(AssumptionError, match="without gaps"):
        _load_population(path)


def test_a_table_read_again_from_the_same_bytes_equals_a_fresh_read(tmp_path):
    """load_assumptions keeps the tables it parsed by their bytes: loading the set again, or a
    copy of it elsewhere, gives the tables a fresh read of those files gives (the cost history
    names its own file), as copies (changing one changes neither the cache nor the next load);
    an edited file is read again."""
    from actuarial.params import loading
    from actuarial.params.layers import OPTIONAL_TABLES
    from actuarial.params.tables import TABLE_LOADERS, load_cost_history, load_mortality

    def fresh(a):
        cfg, unc = a.config, a.config.uncertainty
        out = {key: loader(a.path / getattr(cfg.tables, key)) for key, loader in TABLE_LOADERS.items()}
        out["cost_history"] = load_cost_history(a.path / unc.cost_history)
        out["mortality_history"] = load_mortality(a.path / unc.mortality_history)
        out.update({key: loader(a.path / name_of(cfg)) for key, (name_of, loader) in OPTIONAL_TABLES.items()})
        return out

    ignore = shutil.ignore_patterns("sources", "build.py", "*.template.yaml")
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(EXAMPLE, one, ignore=ignore)
    shutil.copytree(EXAMPLE, two, ignore=ignore)
    first = load_assumptions(one)
    first.tables["population"][:] = -1.0
    for folder in (one, two):
        again = load_assumptions(folder)
        assert again.digest == first.digest
        want = fresh(again)
        assert sorted(again.tables) == sorted(want)
        for key, table in want.items():
            assert again.tables[key].identical(table), key
    assert load_assumptions(two).tables["cost_history"].attrs["path"] == str(two / "cost_history.csv")
    text = (two / "population.csv").read_text(encoding="utf-8").splitlines()
    text[1] = ",".join(text[1].split(",")[:3] + ["12345"])
    (two / "population.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    edited = load_assumptions(two)
    assert edited.digest != first.digest
    assert edited.tables["population"].identical(_load_population(two / "population.csv"))
    assert 12345 in edited.tables["population"].values
    assert len(loading._TABLES) <= loading._TABLES_KEPT
