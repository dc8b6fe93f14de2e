"""The likely slip behind an impossible or implausible value: the readings tried when a value
falls outside its parameter's range, named in the error message."""

from __future__ import annotations


def likely_slip(value: float, unit: str, plausible: tuple[float, float]) -> str | None:
    """The first reading of ``value`` that falls inside ``plausible``, as advice, else None.

    Readings tried, by unit: a percent for a fraction (x / 100, only when |x| > 1); the decimal
    point one place off (x / 10, x * 10) for a fraction; a monthly amount for a yearly one
    (x * 12) for CNY per year; an amount in 万元 (x * 10^4), 亿元 (x * 10^8) or 分 (x / 100) for
    CNY."""
    plo, phi = plausible
    cands = []
    if unit.startswith("fraction"):
        if abs(value) > 1:
            cands.append((value / 100, f"rates are fractions, not percents: write {value / 100:g} for {value:g}%"))
        cands += [(value / 10, f"did you mean {value / 10:g}? (decimal point one place off)"),
                  (value * 10, f"did you mean {value * 10:g}? (decimal point one place off)")]
    if unit.startswith("CNY") and "per year" in unit:
        cands.append((value * 12, f"it looks like a monthly amount: a year is 12 x {value:g} = {value * 12:g} CNY"))
    if unit.startswith("CNY"):
        cands += [(value * 1e4, f"it looks like an amount in 万元 (10,000 CNY): in CNY write {value * 1e4:g}"),
                  (value * 1e8, f"it looks like an amount in 亿元 (100 million CNY): in CNY write {value * 1e8:g}"),
                  (value / 100, f"it looks like an amount in 分 (fen): in CNY write {value / 100:g}")]
    for v, text in cands:
        if value != 0 and plo <= v <= phi:
            return text
    return None
