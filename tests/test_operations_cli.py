"""``actuarial monitor`` on the example city."""

import pandas as pd

from actuarial.cli import main
from conftest import EXAMPLE


def test_monitor_prints_writes_and_never_overwrites_a_previous_run_silently(tmp_path, capsys):
    """One run prints the month's execution, outturn and warnings and writes its tables, chart
    and workbook; the same command again is refused (the folder holds a previous run), and
    with --force it replaces the run, leaving no temporary folder. (One test: the refused and
    forced runs need a previous run, and that run is the one whose output is checked.)"""
    out = tmp_path / "june"
    out.mkdir()                        # an empty folder is written into
    args = ["monitor", str(EXAMPLE), "--month", "2024-06", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Budget execution to the end of 2024-06" in text
    assert "Year-end outturn forecast for 2024" in text and "80% interval" in text
    assert "Warnings in 2024-06" in text and "[SURPLUS]" in text
    for name in ["execution", "outturn", "warnings", "indicators"]:
        assert (out / f"{name}.csv").is_file()
    assert (out / "execution.png").stat().st_size > 10_000
    sheets = pd.read_excel(out / "monthly-operations.xlsx", sheet_name=None)
    assert set(sheets) == {"execution", "outturn", "warnings", "indicators"}
    res = pd.read_csv(out / "outturn.csv")
    assert ((res["lower"] <= res["outturn"]) & (res["outturn"] <= res["upper"])).all()
    warn = pd.read_csv(out / "warnings.csv")
    assert {"fund", "activity"} <= set(warn["source"])
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["june"]     # no temporary folder left behind
    assert (out / "run.yaml").is_file() and (out / "execution.csv").is_file()


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
