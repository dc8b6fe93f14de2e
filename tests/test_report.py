"""The board report: self-contained HTML, Chinese headings and key numbers in the PDF printed
by a real headless browser, every workflow subcommand on the command line, and a new city
from `actuarial init` that runs."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from actuarial import cli
from actuarial.init import COLUMNS
from actuarial.report import charts, html
from actuarial.report.i18n import LABELS, tr

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "projections" / "example-city.yaml"
ARTIFACTS = ROOT / "ci-artifacts"          # kept by CI (ignored by git)
SUBCOMMANDS = ("run", "validate", "docs", "monitor", "report", "budget", "calibrate", "backtest", "solve",
               "compare", "init")


def _no_external_refs(text: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I), "a src/href to the network"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text, re.I), "a CSS import or remote url()"
    assert "<script" not in text.lower() and "<link" not in text.lower() and "<img" not in text.lower()


def _pdf_pattern(heading: str) -> str:
    """A pattern of ``heading`` as a PDF's text layer holds it: Chromium's PDF names some CJK
    glyphs by the CJK radical that shares the glyph (风 as U+2EDB), so each ideograph may also
    appear as a character of the radical blocks (U+2E80-U+2FDF)."""
    return "".join(re.escape(c) if ord(c) < 0x3000 else f"[{re.escape(c)}\u2e80-\u2fdf]"
                   for c in re.sub(r"\s+", "", heading))


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """``actuarial report`` on the example job (Chinese, HTML and PDF when a browser is here)."""
    out = tmp_path_factory.mktemp("report") / "out"
    assert cli.main(["report", str(JOB), "--out", str(out)]) == 0
    return out


@pytest.mark.xdist_group("report")   # shares a module fixture: one worker builds it
def test_report_html_is_self_contained_with_the_numbers_of_the_projection(report_run, example_projection):
    text = (report_run / "example-city.html").read_text(encoding="utf-8")
    _no_external_refs(text)
    for key in ("report_title", "summary", "fan_charts", "population", "warnings", "tornado", "budget", "provenance"):
        assert tr(key, "zh") in text
    assert text.count("<svg") >= 7                      # fan and balance charts, two pyramids, two tornados
    assert 'font-family="' in text or "font-family:" in text   # SVG text kept as text
    bal = float(example_projection["balance"].sel(scheme="employee").isel(year=-1)) / 1e8
    assert f"{bal:,.2f}" in text                        # last closing balance, in 亿元 with separators
    assert example_projection.attrs["assumption_hash"] in text


@pytest.mark.xdist_group("report")   # shares a module fixture: one worker builds it
def test_report_pdf_holds_the_chinese_headings_and_key_numbers(report_run, example_projection):
    if html.find_browser() is None:
        pytest.skip("no Chromium installed: .ci/run installs it with apt-get; the PDF test needs it")
    pypdf = pytest.importorskip("pypdf")
    pdf = report_run / "example-city.pdf"
    assert pdf.is_file()
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))   # the font maps some glyphs to Kangxi radicals
    for key in ("report_title", "summary", "warnings", "provenance", "budget"):
        assert re.search(_pdf_pattern(tr(key, "zh")), flat), tr(key, "zh")
    bal = float(example_projection["balance"].sel(scheme="resident").isel(year=1)) / 1e8
    assert f"{bal:,.2f}" in flat
    assert f"{float(example_projection['reserve_months'].sel(scheme='employee').isel(year=-1)):,.2f}" in flat
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / "report-zh.pdf")
    png = html.screenshot(report_run / "example-city.html", ARTIFACTS / "report-zh.png")
    assert png.is_file() and png.stat().st_size > 10_000


@pytest.fixture(scope="module")
def english_run(tmp_path_factory):
    """``actuarial report --lang en`` with no browser to be found (one run serves the English
    labels and the missing browser): the output folder and what the command printed."""
    out = tmp_path_factory.mktemp("report-en") / "en"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setenv("ACTUARIAL_BROWSER", str(out.parent / "no-such-browser"))
        assert cli.main(["report", str(JOB), "--lang", "en", "--no-sensitivity", "--out", str(out)]) == 0
    return out, printed.getvalue()


@pytest.mark.xdist_group("report-en")   # shares a module fixture: one worker builds it
def test_english_report_uses_the_english_labels(english_run):
    out, _ = english_run
    text = (out / "example-city.html").read_text(encoding="utf-8")
    assert LABELS["summary"][1] in text and LABELS["summary"][0] not in text
    _no_external_refs(text)


@pytest.mark.xdist_group("report-en")   # shares a module fixture: one worker builds it
def test_a_missing_browser_leaves_the_html_and_says_so(english_run):
    out, printed = english_run
    assert (out / "example-city.html").is_file() and not (out / "example-city.pdf").exists()
    assert html.NEEDS_CHROMIUM in printed


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_answers_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: actuarial " + command in out
    if command not in ("run", "validate", "docs", "monitor"):
        assert "examples:" in out and f"actuarial {command}" in out.split("examples:")[1]


@pytest.mark.parametrize("argv, fragment", [
    (["report", str(JOB), "--lang", "fr"], "--lang fr: expected zh or en"),
    (["budget", "no-such-job.yaml"], "no-such-job.yaml: job file not found"),
    (["compare", str(JOB)], "the job has no scenarios"),
    (["solve", str(JOB), "--instrument", "nothing", "--break-even", "2030"], "unknown instrument 'nothing'"),
])
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys, tmp_path):
    assert cli.main(argv + ["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_budget_files_are_named_after_the_job_and_add_up(tmp_path, example_projection):
    import pandas as pd

    out = tmp_path / "b"
    assert cli.main(["budget", str(JOB), "--out", str(out)]) == 0
    table = pd.read_csv(out / "example-city-budget-resident.csv", index_col=[0, 1])
    total = table.loc[("income", "total income")].iloc[1] * 1e6
    assert total == pytest.approx(float(example_projection["income"].sel(scheme="resident", year=2025)
                                        + example_projection["interest"].sel(scheme="resident", year=2025)), rel=1e-9)
    assert (out / "example-city-budget.xlsx").is_file() and (out / "run.yaml").is_file()


def test_init_then_run_works_and_init_refuses_a_used_folder(tmp_path, capsys):
    import xarray as xr

    city = tmp_path / "my-city"
    assert cli.main(["init", str(city)]) == 0
    text = (city / "assumptions.yaml").read_text(encoding="utf-8")
    assert "name: my-city" in text
    assert "  # employer contribution rate on the contribution base [fraction; valid 0 to 0.3" in text
    columns = (city / "COLUMNS.md").read_text(encoding="utf-8")
    for table, (_, cols) in COLUMNS.items():          # the dictionary names every column of the tables
        if "," in cols[0][0]:
            continue
        header = (city / table).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [c for c, _, _ in cols], table
        assert all(f"| `{c}` |" in columns for c in header)
    out = tmp_path / "run"
    assert cli.main(["run", str(city / "job.yaml"), "--out", str(out)]) == 0
    ds = xr.open_dataset(out / "my-city.nc")
    assert ds.attrs["assumption_set"] == "my-city" and ds.sizes["year"] == 11
    ds.close()
    capsys.readouterr()
    assert cli.main(["init", str(city)]) == 2
    assert "folder is not empty" in capsys.readouterr().err


def test_warning_zones_of_a_scheme_are_its_own_bands():
    from actuarial import alerts

    zones = charts.warning_zones(alerts.default_rules(), "reserve_months", "resident")
    assert {(lo, hi, lvl) for lo, hi, lvl, _ in zones} == {(float("-inf"), 1, "red"), (1, 3, "orange"), (3, 6, "yellow")}
    emp = charts.warning_zones(alerts.default_rules(), "reserve_months", "employee")
    assert (15, float("inf"), "surplus") in {(lo, hi, lvl) for lo, hi, lvl, _ in emp}


def test_tornado_is_sorted_widest_on_top():
    import pandas as pd

    cols = pd.MultiIndex.from_tuples([("resident", "balance", c) for c in ("baseline", "low", "high")])
    table = pd.DataFrame([[0, -1, 1], [0, -5, 5], [0, -3, 2]], index=["a", "b", "c"], columns=cols).astype(float)
    fig = charts.tornado(table, "resident", "en", scale=1)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["a", "c", "b"]                    # bottom to top: narrowest first, widest on top


def test_a_region_set_gets_one_block_per_region(tmp_path, monkeypatch):
    """One block per region with its own summary table; each region's charts are built, but not
    laid out and drawn to SVG (the report tests above draw them)."""
    import matplotlib.pyplot as plt
    import yaml

    import actuarial
    from actuarial import alerts
    from actuarial.testing import write_assumption_set

    for name in ("north", "south"):
        write_assumption_set(tmp_path / name, population={("active", "male", 30): 1000.0, ("retired", "female", 70): 400.0})
    (tmp_path / "assumptions.yaml").write_text(yaml.safe_dump({
        "name": "two-cities", "title": "Two cities", "description": "regions",
        "regions": {"North City": "north", "South City": "south"}}), encoding="utf-8")
    ds = actuarial.project(actuarial.load_assumptions(tmp_path), years=3)
    rules = alerts.default_rules()
    drawn = []
    monkeypatch.setattr(charts, "to_svg", lambda fig: drawn.append(fig) or plt.close(fig) or "<svg></svg>")
    text = html.render(ds, rules=rules, report=alerts.evaluate(ds, rules), lang="en")
    assert len(drawn) >= 2 * 4                        # two regions: fans, balances and pyramids each
    for region in ("North City", "South City"):
        assert f"{tr('region', 'en')}: {region}" in text
    assert text.count("<table class=\"summary\">") == 2
    _no_external_refs(text)


def test_charts_fall_back_to_english_without_a_cjk_font(monkeypatch):
    import matplotlib

    from actuarial.report import fonts

    with matplotlib.rc_context():
        monkeypatch.setattr(fonts, "cjk_font", lambda: None)
        assert fonts.setup("zh") == "en" and fonts.setup("en") == "en"
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        monkeypatch.setattr(fonts, "cjk_font", lambda: "Noto Sans CJK SC")
        assert fonts.setup("zh") == "zh" and matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"


def test_the_translation_table_has_both_languages_and_falls_back_to_declared_names():
    from actuarial.report.i18n import name

    assert all(len(v) == 2 and v[0] and v[1] for v in LABELS.values())
    assert name("scheme", "employee", "zh") == "职工基本医疗保险"
    assert name("scheme", "some_new_layer", "zh") == "some new layer"     # a new scheme still gets a label


def test_solve_writes_what_the_solver_returns(tmp_path, example):
    import yaml

    from actuarial.policy.solvers import solve_rate

    out = tmp_path / "s"
    assert cli.main(["solve", str(JOB), "--draws", "50", "--seed", "3", "--years", "4", "--line", "6",
                     "--out", str(out)]) == 0
    got = yaml.safe_load((out / "example-city-solve.yaml").read_text(encoding="utf-8"))
    want = solve_rate(example, "employer_rate", line=6, probability=0.9, years=4, draws=50, seed=3)
    assert got["value"] == pytest.approx(want.value, rel=1e-12) and got["draws"] == 50


def test_every_row_of_the_summary_table_has_a_label_in_each_language(example_projection):
    """The summary table labels a variable from the label table, falling back to its English
    long_name: every per-scheme and city-wide variable of a projection with every layer has a
    row in both languages, so the Chinese report shows no English row labels."""
    from actuarial.report.html import _SKIP

    shown = [v for v in example_projection.data_vars
             if set(example_projection[v].dims) - _SKIP in ({"year", "scheme"}, {"year"})
             and v not in ("spending", "opening_balance")]
    assert "insured_births" in shown and "city_fiscal_cost" in shown
    assert [v for v in shown if v not in LABELS] == []
