"""The board report: one self-contained HTML file (styles inline, charts as inline SVG whose
text stays text, no script, font or image fetched from anywhere) and a PDF printed from it by
a headless Chromium.

:func:`render` fills the Jinja2 template ``templates/report.html.j2`` from a projection and
what goes with it; everything it shows is read from the Datasets and tables it is given and
every label comes from the translation table (:mod:`.i18n`). It iterates over the regions
(one block each when ``region`` is a dimension), the schemes and ledgers the Dataset holds,
and over its variables by their dimensions, so new schemes, ledgers and outputs appear without
a change here.

Money is shown in 亿元 (CNY 100 million) when the largest amount shown reaches 10 亿元, else
in 万元 (CNY 10,000), with thousands separators (:func:`money_unit`).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import charts
from .fonts import setup
from .i18n import name, tr

WAN, YI = 1e4, 1e8
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NEEDS_CHROMIUM = "the PDF needs Chromium (e.g. apt-get install chromium); the HTML report was written"
_SKIP = {"draw", "region"}


def money_unit(values, lang: str) -> tuple[float, str]:
    """(divisor, label): 亿元 when the largest absolute amount is 1e9 CNY or more, else 万元."""
    big = float(np.nanmax(np.abs(np.asarray(values, dtype=float)))) if np.size(values) else 0.0
    return (YI, tr("unit_yi", lang)) if big >= 10 * YI else (WAN, tr("unit_wan", lang))


def _fmt(v: float, digits: int) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:,.{digits}f}"


def _centre(da: xr.DataArray) -> xr.DataArray:
    return da.median("draw") if "draw" in da.dims else da


def _kind(da: xr.DataArray) -> str:
    """How a variable is shown: ``money`` (CNY), ``count`` (persons, CNY per person: whole
    numbers), ``fraction`` (a rate, ratio or share without units: percent), else ``number``."""
    units = str(da.attrs.get("units", ""))
    long = str(da.attrs.get("long_name", ""))
    if units == "CNY":
        return "money"
    if units.startswith(("person", "CNY")):
        return "count"
    if units in ("1", "fraction") and any(w in long for w in ("rate", "ratio", "share")):
        return "fraction"
    return "number"


def summary_rows(ds: xr.Dataset, lang: str) -> tuple[list[int], list[dict], str]:
    """Rows of the summary table (years across): for each scheme its variables over
    (year, scheme), then the city-wide variables over (year,), median over draws. Money in
    the unit of :func:`money_unit`."""
    years = [int(y) for y in ds["year"].values]
    money = [ds[v] for v in ds.data_vars if set(ds[v].dims) - _SKIP <= {"year", "scheme"} and "year" in ds[v].dims
             and _kind(ds[v]) == "money"]
    scale, unit = money_unit(np.concatenate([_centre(m).values.ravel() for m in money]) if money else [], lang)
    rows = []

    def add(label, da, group=""):
        kind = _kind(da)
        vals = _centre(da).values.astype(float)
        if kind == "money":
            cells = [_fmt(v / scale, 2 if scale == YI else 0) for v in vals]
            label = f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"
        elif kind == "fraction":
            cells = [_fmt(100 * v, 1) + "%" if math.isfinite(v) else "–" for v in vals]
        elif kind == "count":
            cells = [_fmt(v, 0) for v in vals]
        else:
            cells = [_fmt(v, 2) for v in vals]
        rows.append({"group": group, "label": label, "cells": cells})

    per_scheme = [v for v in ds.data_vars if set(ds[v].dims) - _SKIP == {"year", "scheme"}]
    for scheme in ds["scheme"].values:
        s = ds.sel(scheme=scheme)
        group = name("scheme", str(scheme), lang)
        for v in per_scheme:
            if v == "income" and "spending" in ds:
                add(tr("income", lang), s["income"], group)
                add(tr("spending", lang), s["spending"], group)
                cur = s["income"] - s["spending"]
                cur.attrs = dict(s["income"].attrs)
                add(tr("current_balance", lang), cur, group)
            elif v not in ("spending", "opening_balance"):   # opening = the year before's closing
                add(tr(v, lang, default=ds[v].attrs.get("long_name", v)), s[v], group)
    for v in ds.data_vars:
        if set(ds[v].dims) - _SKIP == {"year"}:
            add(tr(v, lang, default=ds[v].attrs.get("long_name", v)), ds[v], tr("city_wide", lang))
    return years, rows, unit


def rule_text(rule, lang: str) -> str:
    """A warning line in words of ``lang`` built from its conditions (the rule's own
    description, in English, for ``en``)."""
    from ..alerts import SYMBOL

    parts = []
    for c in rule.conditions:
        who = name("scheme", c.scheme, lang) + " " if c.scheme else ""
        thr = f"{100 * c.threshold:g}%" if abs(c.threshold) < 1 and c.threshold != 0 and c.indicator != "reserve_months" \
            else f"{c.threshold:g}"
        parts.append(f"{who}{tr(c.indicator, lang)} {SYMBOL[c.comparison]} {thr}")
    text = ("，且" if lang == "zh" else " and ").join(parts)
    if rule.persistence > 1:
        text += f"，连续{rule.persistence}期" if lang == "zh" else f", {rule.persistence} periods running"
    return text


def warning_rows(report, lang: str, rules=None) -> list[dict]:
    """The warning table: every rule with its level, whether and when it first fires, its
    highest probability over the years and the line in words."""
    by_id = {r.id: r for r in rules.rules} if rules is not None else {}
    rows = []
    for r in report.table.itertuples():
        first = getattr(r, "first_year", float("nan"))
        rows.append({"level": r.level, "level_label": name("level", r.level, lang),
                     "colour": charts.LEVEL_COLOURS.get(r.level, "#999999"), "rule": r.rule,
                     "fired": tr("yes" if r.fired else "no", lang),
                     "first_year": "" if first != first else str(int(first)),
                     "probability": f"{100 * float(r.max_probability):.0f}%", "year_of_max": str(r.year_of_max),
                     "message": rule_text(by_id[r.rule], lang) if lang == "zh" and r.rule in by_id else r.message,
                     "is_fired": bool(r.fired)})
    return rows


def _frame_html(df: pd.DataFrame, digits: int = 1) -> str:
    fmt = {c: (lambda v, d=digits: _fmt(float(v), d)) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    return df.to_html(formatters=fmt, border=0, classes="num", na_rep="–", escape=True)


def budget_html(tables: dict[str, pd.DataFrame], lang: str) -> list[dict]:
    """Each scheme's budget table (CNY million in :mod:`.budget`) in 万元, labels translated."""
    out = []
    for scheme, t in tables.items():
        shown = t.copy()
        money = [c for c in shown.columns if "CNY million" in c]
        shown[money] = shown[money] * 1e6 / WAN
        shown = shown.rename(columns=lambda c: c.replace("(CNY million)", f"({tr('unit_wan', lang)})")
                             .replace("best estimate", tr("best_estimate", lang))
                             .replace("change on", tr("budget_change", lang)).replace("(fraction)", "(%)"))
        change = [c for c in shown.columns if c.endswith("(%)")]
        shown[change] = shown[change] * 100
        shown.index = pd.MultiIndex.from_tuples(
            [(tr(f"section_{s}", lang, default=s), tr(f"item_{i}", lang, default=i)) for s, i in shown.index])
        shown.index.names = [None, None]
        out.append({"scheme": name("scheme", scheme, lang), "html": _frame_html(shown, 0)})
    return out


def render(ds: xr.Dataset, *, rules, report, lang: str = "zh", comparison: xr.Dataset | None = None,
           sensitivity: pd.DataFrame | None = None, budget: dict | None = None, execution: pd.DataFrame | None = None,
           job: str = "") -> str:
    """The report as one HTML document (see the module)."""
    import matplotlib

    with matplotlib.rc_context():          # the report's font and SVG settings stay within it
        return _render(ds, rules=rules, report=report, lang=lang, comparison=comparison, sensitivity=sensitivity,
                       budget=budget, execution=execution, job=job)


def _render(ds, *, rules, report, lang, comparison, sensitivity, budget, execution, job) -> str:
    import jinja2

    chart_lang = setup(lang)
    regions = [None]
    if "region" in ds.dims:
        regions = [str(r) for r in ds["region"].values]
    blocks = []
    for region in regions:
        d = ds if region is None else ds.sel(region=region)
        blocks.append(_region_block(d, region, rules, lang, chart_lang, comparison if region is None else None))
    env = jinja2.Environment(loader=jinja2.PackageLoader("actuarial.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    t = lambda key: tr(key, lang)   # noqa: E731
    extras = {}
    if comparison is not None and "region" not in comparison.dims:
        extras["scenarios"] = _scenario_table(comparison, rules, lang)
    if sensitivity is not None:
        extras["tornado"] = [charts.to_svg(charts.tornado(sensitivity, s, chart_lang, unit=tr("unit_yi", chart_lang)))
                             for s in sensitivity.columns.get_level_values("scheme").unique()]
    if execution is not None:
        extras["execution"] = _execution_table(execution, lang)
    return env.get_template("report.html.j2").render(
        t=t, lang=lang, title=ds.attrs.get("title", ""), blocks=blocks,
        warnings=warning_rows(report, lang, rules), budget=budget_html(budget, lang) if budget else [],
        provenance=_provenance(ds, job, lang), **extras)


def _region_block(d, region, rules, lang, chart_lang, comparison) -> dict:
    years, rows, unit = summary_rows(d, lang)
    fans, balances = [], []
    for scheme in d["scheme"].values:
        fans.append(charts.to_svg(charts.fan_chart(d, "reserve_months", str(scheme), rules, chart_lang,
                                                   unit=tr("months", chart_lang))))
        scale, u = money_unit(_centre(d["balance"]).values, chart_lang)
        balances.append(charts.to_svg(charts.fan_chart(d, "balance", str(scheme), rules, chart_lang, scale=scale, unit=u)))
    first, last = int(d["year"].values[0]), int(d["year"].values[-1])
    pyramids = [charts.to_svg(charts.pyramid(d, y, chart_lang)) for y in (first, last)] if "population" in d else []
    scen = []
    if comparison is not None:
        scale, u = money_unit(_centre(comparison["balance"]).values, chart_lang)
        scen = [charts.to_svg(charts.scenario_lines(comparison, "balance", str(s), chart_lang, scale=scale, unit=u))
                for s in comparison["scheme"].values]
    return {"region": region, "years": years, "rows": rows, "unit": unit, "fans": fans, "balances": balances,
            "pyramids": pyramids, "scenario_charts": scen}


def _scenario_table(comparison, rules, lang) -> str:
    from .. import alerts

    last = _centre(comparison.isel(year=-1))
    scale, unit = money_unit(last["balance"].values, lang)
    rows = {}
    for k, sc in enumerate(comparison["scenario"].values):
        fired = alerts.evaluate(comparison.sel(scenario=sc, drop=True), rules).fired()
        row = {}
        for s in comparison["scheme"].values:
            g = name("scheme", str(s), lang)
            row[f"{g} {tr('closing_balance', lang)} ({unit})"] = float(last["balance"].sel(scenario=sc, scheme=s)) / scale
            row[f"{g} {tr('reserve_months', lang)}"] = float(last["reserve_months"].sel(scenario=sc, scheme=s))
        row[tr("alerts_fired", lang)] = len(fired)
        rows[tr("scenario_baseline", lang) if k == 0 else str(sc)] = row
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = f"{tr('scenario', lang)} ({int(comparison['year'].values[-1])})"
    return _frame_html(df, 2)


def _execution_table(exe: pd.DataFrame, lang: str) -> str:
    df = pd.DataFrame({
        tr("scheme", lang): [name("scheme", s, lang) for s in exe["scheme"]],
        tr("exec_line", lang): [f"{tr('section_' + f, lang, default=f)}: {name('line', ln, lang)}"
                                for f, ln in zip(exe["flow"], exe["line"])],
        f"{tr('exec_budget', lang)} ({tr('unit_wan', lang)})": exe["budget"] / WAN,
        f"{tr('exec_ytd', lang)} ({tr('unit_wan', lang)})": exe["ytd"] / WAN,
        f"{tr('exec_rate', lang)} (%)": 100 * exe["execution"],
        f"{tr('time_progress', lang)} (%)": 100 * exe["time_progress"],
        tr("exec_gap", lang): exe["gap_points"]})
    df.index = [""] * len(df)
    return f"<p>{exe.attrs.get('month', '')}</p>" + _frame_html(df, 1)


def _provenance(ds, job, lang) -> list[tuple[str, str]]:
    a = ds.attrs
    draws = int(a.get("draws", 1) or 1)
    return [(tr("job", lang), job), (tr("assumption_set", lang), str(a.get("assumption_set", ""))),
            (tr("assumption_hash", lang), str(a.get("assumption_hash", ""))),
            (tr("package_version", lang), str(a.get("package_version", ""))),
            (tr("base_year", lang), str(a.get("base_year", ""))), (tr("horizon", lang), str(a.get("horizon_years", ""))),
            (tr("draws", lang), str(draws) if "draw" in ds.dims else tr("deterministic", lang)),
            (tr("seed", lang), str(a.get("seed", ""))), (tr("levers", lang), str(a.get("levers", "none"))),
            (tr("created", lang), str(a.get("created", "")))]


def find_browser() -> str | None:
    """The path of a Chromium-family browser (``ACTUARIAL_BROWSER`` first), or None."""
    env = os.environ.get("ACTUARIAL_BROWSER")
    if env:
        return shutil.which(env) or (env if Path(env).is_file() else None)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def _browser(args: list[str], timeout: float) -> None:
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError(NEEDS_CHROMIUM)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="actuarial-browser-") as profile:   # its own profile: runs never share one
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)


def print_pdf(html: Path, pdf: Path, timeout: float = 180) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (A4, no header or footer). Raises
    FileNotFoundError when no browser is installed."""
    _browser([f"--print-to-pdf={Path(pdf).resolve()}", "--no-pdf-header-footer",
              Path(html).resolve().as_uri()], timeout)
    if not Path(pdf).is_file():
        raise OSError(f"{pdf}: the browser wrote no PDF")
    return Path(pdf)


def screenshot(html: Path, png: Path, width: int = 1100, height: int = 3000, timeout: float = 180) -> Path:
    """A PNG of the top of the rendered report (headless Chromium)."""
    _browser([f"--screenshot={Path(png).resolve()}", f"--window-size={width},{height}",
              Path(html).resolve().as_uri()], timeout)
    return Path(png)
