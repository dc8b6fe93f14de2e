"""``actuarial monitor`` on the example city."""

import pandas as pd

from actuarial.cli import main
from conftest import EXAMPLE


def test_monitor_prints_execution_outturn_and_warnings(tmp_path, capsys):
    assert main(["monitor", str(EXAMPLE), "--month", "2024-06", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Budget execution to the end of 2024-06" in text
    assert "Year-end outturn forecast for 2024" in text and "80% interval" in text
    assert "Warnings in 2024-06" in text and "[SURPLUS]" in text
    for name in ["execution", "outturn", "warnings", "indicators"]:
        assert (tmp_path / f"{name}.csv").is_file()
    assert (tmp_path / "execution.png").stat().st_size > 10_000
    sheets = pd.read_excel(tmp_path / "monthly-operations.xlsx", sheet_name=None)
    assert set(sheets) == {"execution", "outturn", "warnings", "indicators"}
    out = pd.read_csv(tmp_path / "outturn.csv")
    assert ((out["lower"] <= out["outturn"]) & (out["outturn"] <= out["upper"])).all()
    warn = pd.read_csv(tmp_path / "warnings.csv")
    assert {"fund", "activity"} <= set(warn["source"])


def test_monitor_bad_month_is_one_line(tmp_path, capsys):
    assert main(["monitor", str(EXAMPLE), "--month", "2031-01", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "month" in err and err.count("\n") == 1


def test_monitor_with_rules_for_projections_only_is_one_line(tmp_path, capsys):
    rules = tmp_path / "old.yaml"
    rules.write_text("levels: [red]\nrules:\n  - {id: r, indicator: reserve_months, scheme: resident, "
                     "comparison: below, threshold: 4, level: red, description: low}\n")
    assert main(["monitor", str(EXAMPLE), "--month", "2024-03", "--out", str(tmp_path / "out"), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "applies_to" in err and err.count("\n") == 1


def test_monitor_never_overwrites_a_previous_run_silently(tmp_path, capsys):
    out = tmp_path / "june"
    args = ["monitor", str(EXAMPLE), "--month", "2024-06", "--out", str(out)]
    assert main(args) == 0
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["june"]     # no temporary folder left behind
    assert (out / "run.yaml").is_file() and (out / "execution.csv").is_file()
