"""Parameter types of the assumption schema: :class:`Spec` (unit, valid and plausible range,
meaning) and the value shapes every section is built from (:class:`Dated`, :class:`Scalar`, the
``after_last`` rules and overlays). The sections (:mod:`.schema`, :mod:`.schema_employee`,
:mod:`.province`) import these; nothing here knows a section.

Dated parameters follow one rule throughout (as in Tax-Calculator and OpenFisca): a mapping
``{year: value}``; between given years the value holds (``interpolation: step``, the default)
or moves in a straight line (``interpolation: linear``); after the last given year it follows
``after_last``: ``hold`` (default), ``{grow_rate: g}`` (compound growth, fraction per year) or
``{add_per_year: a}`` (a fixed step per year, in the parameter's unit). A projection year
before the first given year is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AssumptionError
from .hints import likely_slip

# --------------------------------------------------------------------------------------------
# Parameter specifications (unit, range, meaning): the one place they are written down.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a parameter means and which values it may take.

    ``lo``..``hi`` is the valid range (outside it the value is impossible: always an error);
    ``plausible`` (default: the valid range) is the range a real city's value falls in.
    Outside it the value is most likely a slip of unit or a typo, and the load stops unless
    the field is accepted as unusual (``accept_unusual`` in the file, ``--accept-unusual``)."""

    unit: str
    lo: float
    hi: float
    description: str
    plausible: tuple[float, float] | None = None

    @property
    def plausible_range(self) -> tuple[float, float]:
        return self.plausible if self.plausible is not None else (self.lo, self.hi)

    def check(self, value: float) -> str | None:
        """Return a message when ``value`` is outside [lo, hi], else None."""
        if not math.isfinite(value):
            return f"value {value!r} is not a finite number"
        if self.lo <= value <= self.hi:
            return None
        msg = f"value {value!r} is outside the valid range {self.lo:g} to {self.hi:g} {self.unit}"
        if self.unit.startswith("fraction") and 1 < value <= 100 * self.hi:
            msg += (f"; rates are fractions, not percents: write {value / 100:g} "
                    f"for {value:g}%")
        else:
            hint = self.suggest(value)
            if hint:
                msg += f"; {hint}"
        return msg

    def check_plausible(self, value: float) -> str | None:
        """Return a message naming the likely unit or typo when ``value`` (already inside the
        valid range) is outside the plausible range, else None."""
        plo, phi = self.plausible_range
        if plo <= value <= phi:
            return None
        msg = f"value {value!r} is unusual: outside the plausible range {plo:g} to {phi:g} {self.unit}"
        hint = self.suggest(value)
        return msg + (f"; {hint}" if hint else "")

    def suggest(self, value: float) -> str | None:
        """The likely slip behind ``value`` (see :func:`.hints.likely_slip`)."""
        return likely_slip(value, self.unit, self.plausible_range)


def spec(unit: str, lo: float, hi: float, description: str, *, optional: bool = False,
         plausible: tuple[float, float] | None = None) -> Any:
    """A pydantic Field carrying a :class:`Spec` (read back by the validator and the docs);
    ``optional`` fields default to None (left out of the file); ``plausible`` is the range a
    real city's value falls in (default: the valid range)."""
    extra = {"json_schema_extra": {"spec": Spec(unit, lo, hi, description, plausible)}}
    return Field(None, **extra) if optional else Field(**extra)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrowRate(_Strict):
    grow_rate: float = Field(ge=-0.5, le=0.5)


class AddPerYear(_Strict):
    add_per_year: float


class Overlay(_Strict):
    """A change laid over a dated parameter from ``from_year`` (to ``to_year``, inclusive, or
    for good): a new ``value``, an added ``change``, a ``factor``, compound growth
    ``grow_rate`` from the value in ``from_year``, or ``factors`` by year (the last one holding
    after). Policy levers write overlays, so the parameter keeps its own rule after its last
    given year."""

    from_year: int
    to_year: int | None = None
    value: float | None = None
    change: float | None = None
    factor: float | None = None
    grow_rate: float | None = None
    factors: dict[int, float] | None = None
    note: str = ""

    def apply(self, years: np.ndarray, values: np.ndarray, at_start: float | None = None) -> np.ndarray:
        """``values`` over ``years`` with the overlay applied; ``at_start`` is the value in
        ``from_year`` before this overlay (needed by ``grow_rate``)."""
        on = (years >= self.from_year) & (years <= (np.inf if self.to_year is None else self.to_year))
        out = values.copy()
        if self.value is not None:
            out[on] = self.value
        if self.change is not None:
            out[on] += self.change
        if self.factor is not None:
            out[on] *= self.factor
        if self.grow_rate is not None:
            out[on] = at_start * (1 + self.grow_rate) ** (years[on] - self.from_year)
        if self.factors:
            fy = np.asarray(sorted(self.factors), dtype=float)
            fv = np.asarray([self.factors[y] for y in sorted(self.factors)])
            idx = np.clip(np.searchsorted(fy, years[on], side="right") - 1, 0, fy.size - 1)
            out[on] *= np.where(years[on] >= fy[0], fv[idx], 1.0)
        return out


class Dated(_Strict):
    """A parameter with values by calendar year (and any overlays laid over them)."""

    unit: str
    source: str
    values: dict[int, float]
    interpolation: Literal["step", "linear"] = "step"
    after_last: Union[Literal["hold"], GrowRate, AddPerYear] = "hold"
    note: str | None = None
    overlays: tuple[Overlay, ...] = ()

    def resolve(self, years) -> np.ndarray:
        """Values for each of ``years`` (array of ints) under the dated-value rule, then each
        overlay in order."""
        out = self._given(years)
        years = np.asarray(years, dtype=float)
        for k, ov in enumerate(self.overlays):
            start = self.model_copy(update={"overlays": self.overlays[:k]}).resolve([ov.from_year])[0] \
                if ov.grow_rate is not None else None
            out = ov.apply(years, out, start)
        return out

    def _given(self, years) -> np.ndarray:
        """The values the file gives, under the dated-value rule (no overlays)."""
        given = sorted(self.values)
        gy = np.asarray(given, dtype=float)
        gv = np.asarray([self.values[y] for y in given], dtype=float)
        years = np.asarray(years, dtype=float)
        if years.size and years.min() < gy[0]:
            raise AssumptionError(
                f"no value for year {int(years.min())}: the first given year is {given[0]}",
                expected=f"a value for every year from {int(years.min())} (or earlier)")
        if self.interpolation == "linear":
            out = np.interp(years, gy, gv)
        else:
            idx = np.searchsorted(gy, years, side="right") - 1
            out = gv[np.clip(idx, 0, len(gv) - 1)]
        after = years > gy[-1]
        steps = years - gy[-1]
        if isinstance(self.after_last, GrowRate):
            out = np.where(after, gv[-1] * (1 + self.after_last.grow_rate) ** steps, out)
        elif isinstance(self.after_last, AddPerYear):
            out = np.where(after, gv[-1] + self.after_last.add_per_year * steps, out)
        return out


class Scalar(_Strict):
    """A parameter with one value."""

    unit: str
    source: str
    value: float
    note: str | None = None
