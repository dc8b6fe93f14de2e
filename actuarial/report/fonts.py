"""A CJK font for matplotlib charts, so Chinese labels render as characters, never as boxes.

:func:`cjk_font` looks for an installed font of these families, in this order, through
matplotlib's ``font_manager`` (adding the system's font files when matplotlib's font cache
predates the font's installation): Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei,
Microsoft YaHei, PingFang. :func:`setup` puts the one found first in matplotlib's sans-serif
list and returns the language the charts should use: the one asked for when a CJK font was
found, else English (on Debian: ``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import functools

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC", "Source Han Sans SC",
                "Source Han Sans CN", "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
                "Microsoft YaHei", "PingFang SC", "Noto Serif CJK SC")
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "simhei", "msyh", "pingfang", "notosanssc")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager as fm

    def known():
        return {f.name for f in fm.fontManager.ttflist}

    names = known()
    if not any(f in names for f in CJK_FAMILIES):
        for path in fm.findSystemFonts():     # fonts installed after matplotlib built its cache
            if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = known()
    return next((f for f in CJK_FAMILIES if f in names), None)


def setup(lang: str = "zh") -> str:
    """Configure matplotlib for the report's charts (a CJK font first when there is one; SVG
    text kept as text; minus signs that every font has) and return the language the chart
    labels should use: ``lang``, or ``"en"`` when Chinese was asked for and no CJK font is
    installed."""
    import matplotlib

    font = cjk_font()
    fallback = ["DejaVu Sans"]
    matplotlib.rcParams["font.sans-serif"] = ([font] if font else []) + fallback
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "none"      # text stays text: the browser renders the CJK glyphs
    return lang if (lang == "en" or font) else "en"
