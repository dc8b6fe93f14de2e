"""The assumption reference (``docs/assumption-reference.md``), generated from the schema so
that the documentation cannot drift from the code."""

from __future__ import annotations

from pydantic import BaseModel

from .province import Province
from .fields import Dated, Scalar
from .schema import AR1, AssumptionFile, RetirementGroup, Tables
from .validation import CROSS_CHECKS

def parameter_reference() -> str:
    """The Markdown reference of every parameter: path, unit, valid range, meaning.

    Generated from the schema so that the documentation cannot drift from the code."""
    lines = [
        "# Assumption reference",
        "",
        "Generated from the schema in `actuarial/params/schema.py` by `actuarial docs`; do not edit by hand.",
        "",
        "Dated parameters take `values: {year: value}`, `interpolation: step | linear` (default",
        "step: a value holds until the next given year), and `after_last: hold | {grow_rate: g} |",
        "{add_per_year: a}`. Every parameter states its `unit` (which must equal the unit below)",
        "and its `source`. Rates are fractions (0.08 for 8%). `overlays:` (optional, as policy levers",
        "write them) lays changes over the given values from a year on: `{from_year, to_year, value | change |",
        "factor | grow_rate | factors, note}`; the parameter keeps its own rule after its last given year.",
        "",
        "Optional fields added since version 0.1 default to the old behaviour: `region` (default: the",
        "set's `name`) and `overlays` (default: none) leave an older assumption set's numbers unchanged",
        "(`tests/fixtures/example-city-v1` is such a set, checked to 1e-9). So do the optional sections",
        "of the layers around the two funds (`actuarial/params/layers.py`): `maternity`, `large_amount_supplement`,",
        "`critical_illness` (without it the flat `resident.critical_illness_transfer` stays), `assistance`,",
        "`subsidy_sharing` (without it `subsidy_by_government` is NaN) and `ltc` (with its table",
        "`ltc.disability_prevalence`: columns sex, age, prevalence); a scheme whose section is absent has zero flows.",
        "",
        "A file with `name`, `title`, `description` and `regions: {region: folder}` is a *set of",
        "regions*: each folder holds a one-region assumption set (one base year for all); a projection",
        "then has a `region` dimension.",
        "",
        "A value outside the valid range is always an error. A value inside it but outside the",
        "plausible range (a real city's values) is most likely a slip of unit or a typo (0.35 for",
        "0.035, a monthly base, an amount in 万元): the load stops with a message naming the likely",
        "slip, unless the parameter is listed under `accept_unusual: [path, ...]` at the top of",
        "`assumptions.yaml` (say why in a comment) or given as `--accept-unusual PATH`. Cross-checks",
        "of the base year (`actuarial/params/plausibility.py`) are accepted the same way: "
        + ", ".join(f"`{k}` ({v})" for k, v in CROSS_CHECKS.items()) + ", and the opening balances",
        "(`employee.opening_balance`, `resident.opening_balance`: -12 to 72 months of spending;",
        "`employee.personal_accounts.opening_balance`: 0 to 6 years of credits).",
        "",
        "| parameter | kind | unit | valid range | plausible range | meaning |",
        "|---|---|---|---|---|---|",
    ]

    ar1_options_written = []

    def walk(model_cls, prefix, in_optional=False):
        for name, info in model_cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            ann = info.annotation
            inner = [t for t in getattr(ann, "__args__", ()) if isinstance(t, type) and issubclass(t, BaseModel)]
            if inner and not (isinstance(ann, type) and issubclass(ann, BaseModel)):
                ann = inner[0]   # Optional[Model]
            path = f"{prefix}{name}"
            if "spec" in extra:
                sp = extra["spec"]
                kind = {Dated: "dated", Scalar: "scalar", AR1: "AR(1): sigma"}[ann]
                if info.default is None:
                    kind += ", optional"
                elif in_optional:
                    kind += ", in an optional section"
                plo, phi = sp.plausible_range
                lines.append(f"| `{path}` | {kind} | {sp.unit} | {sp.lo:g} to {sp.hi:g} | {plo:g} to {phi:g} "
                             f"| {sp.description} |")
                if ann is AR1 and not ar1_options_written:   # the options every AR(1) component takes
                    ar1_options_written.append(True)
                    for fname, finfo in AR1.model_fields.items():
                        if finfo.description:
                            lines.append(f"| `{prefix}<component>.{fname}` | setting | | | | {finfo.description} |")
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, path + ".", in_optional or (info.default is None and not info.is_required()))
            elif path.endswith("groups"):
                for gname, ginfo in RetirementGroup.model_fields.items():
                    lines.append(f"| `{path}.<name>.{gname}` | setting | | | | {ginfo.description or ''} |")
            elif info.description:
                lines.append(f"| `{path}` | setting | | | | {info.description} |")

    walk(AssumptionFile, "")
    lines += ["", "## A region set's `province` section", "",
              "Optional, in the `assumptions.yaml` that lists `regions:`: the provincial adjustment fund,",
              "out-of-area care and management actions (docs/province.md). `actions` in a one-region file",
              "takes the same fields. Left out, the regions' numbers are those projected one by one.", "",
              "| parameter | kind | unit | valid range | plausible range | meaning |", "|---|---|---|---|---|---|"]
    walk(Province, "province.")
    lines.append("")
    lines.append("## Tables")
    lines.append("")
    for name, info in Tables.model_fields.items():
        lines.append(f"- `tables.{name}`: {info.description}")
    lines.append("")
    return "\n".join(lines)
