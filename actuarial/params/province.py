"""The schema of the province-level sections: management actions (in a region set's
``province`` section, or in a one-region file's ``actions`` section), the provincial adjustment
fund (调剂金) and out-of-area care (异地就医). Every section is optional; left out, a projection's
numbers are those of the regions projected one by one. The equations are in
:mod:`actuarial.province` and ``docs/province.md``.

Imported at the end of :mod:`.schema` (the files' models name these sections)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..errors import AssumptionError
from .fields import Scalar, _Strict, spec

LAYERS = ("reserves", "adjustment_fund", "fiscal_topup", "rate_rise", "benefit_cut")
"""Management-action layers, in the default order (the deficit-financing order of practice)."""
OUTSIDE = "outside"
"""Destination label of care outside the province."""


class Actions(_Strict):
    """Management actions taken inside the projection, draw by draw, when a fund's closing
    balance would fall below ``floor_months`` of the year's fund spending."""

    source: str = Field(description="where the action rules come from (a regulation, the bureau's plan)")
    floor_months: Scalar = spec("months", 0, 36, "warning line: a fund whose closing balance would be below this "
                                "many months of the year's fund spending triggers the actions", plausible=(0, 12))
    order: tuple[Literal[LAYERS], ...] = Field(
        LAYERS, description="layers in the order they are called: reserves (always first: the balance above the "
                            "line pays the deficit), adjustment_fund, fiscal_topup, rate_rise, benefit_cut")
    fiscal_topup_cap: Scalar = spec("fraction of fund spending", 0, 2, "largest fiscal top-up a year, as a share "
                                    "of the year's fund spending", plausible=(0, 0.3))
    rate_rise_step: Scalar = spec("fraction", 0, 0.5, "largest rise of the contribution rate or premium at one "
                                  "step, relative to the rate in force (0.05: 8% -> 8.4%)", plausible=(0, 0.2))
    rate_rise_total: Scalar = spec("fraction", 0, 1, "largest total rise of the contribution rate or premium "
                                   "over the projection, relative to the assumed rate", plausible=(0, 0.5))
    benefit_cut_step: Scalar = spec("fraction", 0, 0.5, "largest cut of the fund's share of claims at one step, "
                                    "relative to the assumed share", plausible=(0, 0.1))
    benefit_cut_total: Scalar = spec("fraction", 0, 0.5, "largest total cut of the fund's share of claims",
                                     plausible=(0, 0.2))
    lag_years: int = Field(1, ge=1, le=5, description="years between the year a rise or cut is decided and the "
                                                      "first year it applies (default 1: the next year)")
    schemes: tuple[str, ...] | None = Field(None, description="schemes whose funds the actions watch; default: "
                                                               "every declared scheme")

    @model_validator(mode="after")
    def _reserves_first(self):
        if len(set(self.order)) != len(self.order):
            raise ValueError(f"order {list(self.order)} names a layer twice")
        if "reserves" in self.order and self.order[0] != "reserves":
            raise ValueError("order: 'reserves' comes first (the balance above the line pays before any layer)")
        return self


class AdjustmentFund(_Strict):
    """The provincial adjustment fund (调剂金) of each pooled scheme: every city pays in a share of
    its fund income (or of its current surplus), and cities whose closing balance would fall
    below ``cover_below_months`` of spending are paid what they lack, pro rata to what the pot
    holds."""

    source: str
    basis: Literal["income", "surplus"] = Field(
        description="contributions are a share of the fund's income, or of its current surplus (income - "
                    "spending, when positive)")
    contribution_rate: Scalar = spec("fraction", 0, 0.5, "share of each city's fund income (or surplus) paid into "
                                     "the adjustment fund", plausible=(0, 0.2))
    cover_below_months: Scalar = spec("months", 0, 36, "the fund pays a city whose closing balance would fall "
                                      "below this many months of the year's fund spending (0: covers deficits "
                                      "that would leave a negative balance)", plausible=(0, 6))
    keep_balance: bool = Field(True, description="true: what the pot does not pay out stays in it for later years "
                                                 "(it opens at zero and earns no interest); false: it is returned "
                                                 "to the contributors at year end, pro rata to what they paid")
    schemes: tuple[str, ...] | None = Field(None, description="schemes pooled; default: every declared scheme")


class ByRegion(_Strict):
    """A value for each named region (a region left out takes ``default``)."""

    unit: str
    source: str
    default: float = Field(0.0, description="value of a region not listed under values (default 0)")
    values: dict[str, float] = Field(default_factory=dict, description="{region: value} for the regions named")

    def get(self, region: str) -> float:
        return float(self.values.get(region, self.default))


class OutOfArea(_Strict):
    """Care that a region's members receive in other regions of the province or outside it,
    charged to the home fund (settled between funds within the year)."""

    source: str
    away_share: ByRegion = Field(description="fraction: share of each region's fund claim spending incurred away "
                                             "from home (priced at home prices), 0..0.6")
    outside_share: Scalar = spec("fraction", 0, 1, "share of the away spending incurred outside the province",
                                 plausible=(0, 0.6))
    destination_weight: ByRegion = Field(description="relative pull of each region as a destination of care "
                                                     "(1: ordinary; the capital's hospitals draw more), >= 0")
    price_factor: Scalar = spec("ratio", 0.5, 3, "cost of care in another region of the province relative to the "
                                "same care at home", plausible=(0.9, 1.5))
    outside_price_factor: Scalar = spec("ratio", 0.5, 3, "cost of care outside the province relative to home",
                                        plausible=(0.9, 2))


class Province(_Strict):
    """The province-level section of a region set's ``assumptions.yaml``."""

    adjustment_fund: AdjustmentFund | None = None
    out_of_area: OutOfArea | None = None
    actions: Actions | None = None


def check_province(p: Province | None, regions, schemes, file: Path) -> None:
    """Units, ranges and names of the province section (one-line errors naming file and field)."""
    from .validation import walk_specs

    if p is None:
        return
    for path, sp, param in walk_specs(p, "province."):
        if param.unit != sp.unit:
            raise AssumptionError(f"unit '{param.unit}' is not the unit this parameter takes",
                                  file=file, field=f"{path}.unit", expected=f"'{sp.unit}'")
        msg = sp.check(param.value)
        if msg:
            raise AssumptionError(msg, file=file, field=f"{path}.value")
    for name, sec in (("adjustment_fund", p.adjustment_fund), ("actions", p.actions)):
        check_schemes(sec, schemes, file, f"province.{name}")
    if p.out_of_area is not None:
        o = p.out_of_area
        for field, by, lo, hi, unit in (("away_share", o.away_share, 0, 0.6, "fraction"),
                                        ("destination_weight", o.destination_weight, 0, 100, "1")):
            if by.unit != unit:
                raise AssumptionError(f"unit '{by.unit}' is not the unit this parameter takes", file=file,
                                      field=f"province.out_of_area.{field}.unit", expected=f"'{unit}'")
            for key, v in {"default": by.default, **by.values}.items():
                if key != "default" and key not in regions:
                    raise AssumptionError(f"'{key}' is not a region of the set", file=file,
                                          field=f"province.out_of_area.{field}.values.{key}",
                                          expected="one of " + ", ".join(regions))
                if not lo <= v <= hi:
                    raise AssumptionError(f"value {v!r} is outside the valid range {lo:g} to {hi:g} {unit}",
                                          file=file, field=f"province.out_of_area.{field}.values.{key}")


def check_schemes(section, schemes, file: Path, field: str) -> None:
    """The ``schemes`` a section lists are declared schemes."""
    for s in (section.schemes or ()) if section is not None else ():
        if s not in schemes:
            raise AssumptionError(f"'{s}' is not a declared scheme", file=file, field=f"{field}.schemes",
                                  expected="one of " + ", ".join(schemes))
