"""The assumption reference (``docs/assumption-reference.md``), generated from the schema so
that the documentation cannot drift from the code."""

from __future__ import annotations

from pydantic import BaseModel

from .schema import AR1, AssumptionFile, Dated, RetirementGroup, Scalar, Tables

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
        "(`tests/fixtures/example-city-v1` is such a set, checked to 1e-9).",
        "",
        "A file with `name`, `title`, `description` and `regions: {region: folder}` is a *set of",
        "regions*: each folder holds a one-region assumption set (one base year for all); a projection",
        "then has a `region` dimension.",
        "",
        "| parameter | kind | unit | valid range | meaning |",
        "|---|---|---|---|---|",
    ]

    ar1_options_written = []

    def walk(model_cls, prefix):
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
                lines.append(f"| `{path}` | {kind} | {sp.unit} | {sp.lo:g} to {sp.hi:g} | {sp.description} |")
                if ann is AR1 and not ar1_options_written:   # the options every AR(1) component takes
                    ar1_options_written.append(True)
                    for fname, finfo in AR1.model_fields.items():
                        if finfo.description:
                            lines.append(f"| `{prefix}<component>.{fname}` | setting | | | {finfo.description} |")
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, path + ".")
            elif path.endswith("groups"):
                for gname, ginfo in RetirementGroup.model_fields.items():
                    lines.append(f"| `{path}.<name>.{gname}` | setting | | | {ginfo.description or ''} |")
            elif info.description:
                lines.append(f"| `{path}` | setting | | | {info.description} |")

    walk(AssumptionFile, "")
    lines.append("")
    lines.append("## Tables")
    lines.append("")
    for name, info in Tables.model_fields.items():
        lines.append(f"- `tables.{name}`: {info.description}")
    lines.append("")
    return "\n".join(lines)
