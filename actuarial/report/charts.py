"""Charts of a projection, shared by the HTML report and the notebooks.

Every chart takes a Dataset (or a table) and a language, labels every line from the
translation table (:mod:`.i18n`), puts integer years on its time axis and returns the
matplotlib figure; :func:`to_svg` turns a figure into inline SVG whose text stays text.

- :func:`fan_chart`: the median of an indicator of one scheme over the years with its 50% and
  80% intervals over draws (one line without draws), on coloured zones of that scheme's own
  warning lines (:func:`warning_zones`), each line labelled with its level and threshold.
- :func:`pyramid`: population by age and sex (men left, women right, counts positive on both
  sides), stacked by status.
- :func:`tornado`: one-at-a-time sensitivity of a fund's closing balance, widest bar on top.
- :func:`scenario_lines`: a variable of each scenario over the years (median over draws).

Level colours: :data:`LEVEL_COLOURS` (a level it does not know is grey).
"""

from __future__ import annotations

import io
import math

import numpy as np
import xarray as xr

from .i18n import name, tr

LEVEL_COLOURS = {"red": "#d62728", "orange": "#ff7f0e", "yellow": "#e8c100", "blue": "#1f77b4",
                 "surplus": "#9467bd", "green": "#2ca02c"}
STATUS_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860", "#da8bc3"]
_LOWER = ("below", "at_most")


def _figure(w=7.0, h=3.6, n=1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(w * n if n > 1 else w, h), squeeze=False)
    return fig, list(axes[0])


def integer_years(ax, axis: str = "x") -> None:
    """Whole years (or horizons) only on ``axis``, without thousands separators."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(FormatStrFormatter("%d"))


def month_axis(ax, months, every: int = 3, axis: str = "x") -> None:
    """Readable month labels on a categorical month axis (positions 0..n-1 for ``months``):
    one label every ``every`` months, as ``2024-03``, horizontal when they fit."""
    labels = [str(m) for m in months]
    ticks = list(range(0, len(labels), every))
    if axis == "x":
        ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=0 if len(ticks) <= 8 else 45,
                      ha="center" if len(ticks) <= 8 else "right", fontsize=8)
    else:
        ax.set_yticks(ticks, [labels[i] for i in ticks], fontsize=8)


def warning_zones(rules, indicator: str, scheme: str | None) -> list[tuple[float, float, str, str]]:
    """The intervals of ``indicator`` (of ``scheme``; None for a city-wide indicator) that the
    warning lines grade: ``(low, high, level, rule id)`` for every rule of that scheme judging
    projections whose conditions all bear on that indicator, without persistence (a band
    such as 1-3 months from a rule with two conditions; -inf or inf at an open end)."""
    zones = []
    for rule in rules.rules:
        if "projection" not in rule.applies_to or rule.persistence != 1:
            continue
        conds = rule.conditions
        if any(c.indicator != indicator or (c.scheme or None) != scheme for c in conds):
            continue
        lo, hi = -math.inf, math.inf
        for c in conds:
            if c.comparison in _LOWER:
                hi = min(hi, c.threshold)
            else:
                lo = max(lo, c.threshold)
        if lo < hi:
            zones.append((lo, hi, rule.level, rule.id))
    return zones


def _severity(rules, level: str) -> int:
    return rules.levels.index(level) if level in rules.levels else len(rules.levels)


def fan_chart(ds: xr.Dataset, indicator: str, scheme: str | None, rules=None, lang: str = "zh", ax=None,
              scale: float = 1.0, unit: str = ""):
    """The fan chart of ``indicator`` for ``scheme`` on its warning zones (see the module)."""
    if ax is None:
        fig, (ax,) = _figure()
    da = ds[indicator]
    if scheme is not None and "scheme" in da.dims:
        da = da.sel(scheme=scheme)
    da = da / scale
    years = da["year"].values
    lo_all, hi_all = float(da.min()), float(da.max())
    if "draw" in da.dims:
        q = da.quantile([0.1, 0.25, 0.5, 0.75, 0.9], "draw")
        ax.fill_between(years, q.isel(quantile=0), q.isel(quantile=4), color="#555555", alpha=0.18,
                        label=tr("band_80", lang), zorder=3)
        ax.fill_between(years, q.isel(quantile=1), q.isel(quantile=3), color="#555555", alpha=0.3,
                        label=tr("band_50", lang), zorder=3)
        ax.plot(years, q.isel(quantile=2), color="black", lw=1.8, label=tr("median", lang), zorder=4)
        lo_all, hi_all = float(q.isel(quantile=0).min()), float(q.isel(quantile=4).max())
    else:
        ax.plot(years, da, color="black", lw=1.8, marker="o", ms=3, label=tr("best_estimate", lang), zorder=4)
    zones = warning_zones(rules, indicator, scheme) if rules is not None else []
    if not (math.isfinite(lo_all) and math.isfinite(hi_all)):      # nothing to show (e.g. a fund with no spending)
        lo_all, hi_all = 0.0, 1.0
    finite = [v for z in zones for v in z[:2] if math.isfinite(v)]
    span_lo = min([lo_all] + [v / scale for v in finite])
    span_hi = max([hi_all] + [v / scale for v in finite])
    pad = 0.08 * (span_hi - span_lo or 1.0)
    ylo, yhi = span_lo - pad, span_hi + pad
    for lo, hi, level, _ in zones:
        colour = LEVEL_COLOURS.get(level, "#999999")
        ax.axhspan(max(lo / scale, ylo), min(hi / scale, yhi), color=colour, alpha=0.13, lw=0, zorder=1)
    for edge in sorted({v for z in zones for v in z[:2] if math.isfinite(v)}):
        level = next(z[2] for z in sorted(zones, key=lambda z: _severity(rules, z[2])) if edge in z[:2])
        ax.axhline(edge / scale, color=LEVEL_COLOURS.get(level, "#999999"), ls="--", lw=1.0, zorder=2)
    for lo, hi, level, _ in zones:        # each zone named at its visible middle, in the right margin
        a, b = max(lo / scale, ylo), min(hi / scale, yhi)
        if b <= a:
            continue
        span = (f"< {hi / scale:g}" if not math.isfinite(lo) else f"> {lo / scale:g}" if not math.isfinite(hi)
                else f"{lo / scale:g}–{hi / scale:g}")
        ax.annotate(f"{name('level', level, lang)} {span}", (1.0, (a + b) / 2), xycoords=("axes fraction", "data"),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=7,
                    color=LEVEL_COLOURS.get(level, "#999999"))
    ax.set_ylim(ylo, yhi)
    integer_years(ax)
    title = tr(indicator, lang) if scheme is None else f"{name('scheme', scheme, lang)}: {tr(indicator, lang)}"
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit or ds[indicator].attrs.get("units", ""))
    ax.set_xlabel(tr("year", lang))
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=7, loc="best")
    return ax.figure


def pyramid(ds: xr.Dataset, year: int, lang: str = "zh", ax=None):
    """Population at 1 January of ``year`` by age and sex, stacked by status; men to the left,
    women to the right, the axis labelled with absolute (positive) counts."""
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        fig, (ax,) = _figure(6.5, 5.0)
    pop = ds["population"].sel(year=year)
    if "draw" in pop.dims:
        pop = pop.median("draw")
    ages = pop["age"].values
    edges = np.column_stack([ages - 0.5, ages + 0.5]).ravel()     # each age a band one year high
    for side, sex in ((-1, "male"), (1, "female")):
        left = np.zeros(ages.size)
        for k, status in enumerate(pop["status"].values):
            v = pop.sel(sex=sex, status=status).values
            # the bars of all ages as one stepped area (the same shapes as a bar per age, drawn at once)
            ax.fill_betweenx(edges, np.repeat(side * left, 2), np.repeat(side * (left + v), 2), lw=0,
                             color=STATUS_COLOURS[k % len(STATUS_COLOURS)],
                             label=name("status", str(status), lang) if side == -1 else None)
            left = left + v
    ax.axvline(0, color="black", lw=0.6)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):,.0f}"))
    lim = float(np.abs(ax.get_xlim()).max())
    ax.set_xlim(-lim, lim)
    ax.text(0.02, 0.97, tr("male", lang), transform=ax.transAxes, va="top", fontsize=9)
    ax.text(0.98, 0.97, tr("female", lang), transform=ax.transAxes, va="top", ha="right", fontsize=9)
    ax.set_ylabel(tr("age", lang))
    ax.set_xlabel(tr("persons_axis", lang))
    ax.set_ylim(ages[0] - 0.5, ages[-1] + 0.5)
    ax.set_title(f"{tr('population', lang)} {year}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return ax.figure


def tornado(table, scheme: str, lang: str = "zh", measure: str = "balance", scale: float = 1e8, unit: str = ""):
    """Change of ``scheme``'s closing ``measure`` from its baseline in the low and high case of
    each assumption (:func:`actuarial.policy.scenarios.sensitivity`), widest bar on top."""
    fig, (ax,) = _figure(7.0, 0.45 * len(table) + 1.6)
    base = table[(scheme, measure, "baseline")]
    low = (table[(scheme, measure, "low")] - base) / scale
    high = (table[(scheme, measure, "high")] - base) / scale
    order = (high - low).abs().sort_values().index      # widest last: on top
    y = np.arange(len(order))
    ax.barh(y, low[order], color="#4c72b0", label=tr("low_case", lang))
    ax.barh(y, high[order], color="#dd8452", label=tr("high_case", lang))
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [tr(f"shift_{i}", lang, default=str(i)) for i in order], fontsize=8)
    year = table.attrs.get("year", "")
    ax.set_xlabel(f"{tr('change_in_balance', lang)} {year} ({unit})")
    ax.set_title(f"{name('scheme', scheme, lang)}: {tr('tornado', lang)}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3, lw=0.5)
    fig.tight_layout()
    return fig


def scenario_lines(comparison: xr.Dataset, variable: str, scheme: str | None, lang: str = "zh", ax=None,
                   scale: float = 1.0, unit: str = ""):
    """``variable`` of ``scheme`` for each scenario over the years (median over draws)."""
    if ax is None:
        fig, (ax,) = _figure()
    da = comparison[variable]
    if scheme is not None and "scheme" in da.dims:
        da = da.sel(scheme=scheme)
    if "draw" in da.dims:
        da = da.median("draw")
    for k, sc in enumerate(comparison["scenario"].values):
        label = tr("scenario_baseline", lang) if k == 0 else str(sc)
        ax.plot(da["year"].values, da.sel(scenario=sc) / scale, lw=2.2 if k == 0 else 1.3,
                color="black" if k == 0 else None, label=label)
    ax.axhline(0, color="grey", lw=0.6)
    integer_years(ax)
    ax.set_title(f"{name('scheme', scheme, lang) if scheme else ''} {tr(variable, lang)}", fontsize=10)
    ax.set_ylabel(unit)
    ax.set_xlabel(tr("year", lang))
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=7)
    return ax.figure


def to_svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text, no external references),
    and the figure closed."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.tight_layout()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "actuarial"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]
