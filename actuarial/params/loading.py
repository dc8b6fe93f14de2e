"""Loading an assumption set: :func:`load_assumptions` reads and validates a folder and returns
an :class:`Assumptions` object (the parsed file, its tables and the hash of both)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml
from pydantic import BaseModel, ValidationError

from ..errors import AssumptionError, decode_text, one_line, parse_yaml
from .schema import ASSUMPTION_FILE, AssumptionFile, RegionSetFile
from .tables import TABLE_LOADERS, load_cost_history, load_mortality
from .layers import OPTIONAL_TABLES
from .plausibility import check_cross
from .province import check_province, check_schemes
from .validation import (check_accept_list, check_consistency, check_flexible_tables, check_plausible, check_specs,
                         format_pydantic)


_YEAR_ARRAYS: dict[bytes, xr.DataArray] = {}


def _on_years(values: np.ndarray, years, attrs: dict) -> xr.DataArray:
    """``xr.DataArray(values, coords={"year": years}, dims="year", attrs=attrs)`` (years as
    int64), made from an empty array on the same years built once per set of years: a
    projection resolves some seventy dated parameters over the same years, and building the
    index and checking the coordinates was most of each :meth:`Assumptions.series` (0.27 ms,
    0.06 ms now). Coordinates are immutable, so the arrays may share them."""
    years = np.asarray(years, dtype=int)
    key = years.tobytes()
    template = _YEAR_ARRAYS.get(key)
    if template is None:
        if len(_YEAR_ARRAYS) > 256:
            _YEAR_ARRAYS.clear()
        template = _YEAR_ARRAYS[key] = xr.DataArray(np.zeros(years.size), coords={"year": years.copy()}, dims="year")
    out = template.copy(deep=False, data=values)
    out.attrs = attrs
    return out


@dataclass
class Assumptions:
    """A validated assumption set.

    Attributes
    ----------
    path : Path
        The folder it was read from.
    config : AssumptionFile
        The parsed ``assumptions.yaml``.
    tables : dict
        DataArrays (and one Dataset, ``transitions``) read from the CSV tables.
    digest : str
        SHA-256 over the YAML and every table it names: the assumption hash in provenance.
    """

    path: Path
    config: AssumptionFile
    tables: dict[str, Any] = field(repr=False)
    digest: str = ""
    levers: tuple = ()
    """The policy levers applied to the file's values, in order (recorded in every output)."""
    region_name: str | None = None

    @property
    def base_year(self) -> int:
        return self.config.base_year

    @property
    def region(self) -> str:
        """The region this set describes: the name a region set gives it, else the file's
        ``region``, else the set's ``name``."""
        return self.region_name or self.config.region or self.config.name

    @property
    def name(self) -> str:
        return self.config.name

    def parameter(self, dotted: str):
        """The parameter object (``Dated`` or ``Scalar``) at a dotted path such as
        ``'employee.employer_rate'``."""
        obj: Any = self.config
        for part in dotted.split("."):
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part, None)
            if obj is None:
                raise AssumptionError(f"no parameter '{dotted}'", file=self.path / ASSUMPTION_FILE,
                                      field=dotted)
        return obj

    def has(self, dotted: str) -> bool:
        """Whether the file gives the parameter at ``dotted`` (an optional section or field may be absent)."""
        obj: Any = self.config
        for part in dotted.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
            if obj is None:
                return False
        return True

    def series(self, dotted: str, years) -> xr.DataArray:
        """A dated parameter resolved over ``years`` as a DataArray with a ``year`` dim and the
        parameter's unit in its attrs."""
        param = self.parameter(dotted)
        return _on_years(self.values(dotted, years), years, {"units": param.unit, "source": param.source})

    def values(self, dotted: str, years) -> np.ndarray:
        """A dated parameter resolved over ``years``, as a plain array in its unit: what the
        engine reads, without the labelled :meth:`series` around it (a projection resolves
        about seventy, a rate solver some nine hundred)."""
        param = self.parameter(dotted)
        try:
            return param.resolve(years)
        except AssumptionError as exc:
            raise AssumptionError(str(exc), file=self.path / ASSUMPTION_FILE, field=dotted) from None

    def scalar(self, dotted: str) -> float:
        return float(self.parameter(dotted).value)

    def replace(self, **changes) -> "Assumptions":
        """A copy with parts of the config replaced (``changes`` maps a dotted path to a new
        parameter object or value), validated like a file. The original is left untouched."""
        data = self.config.model_dump()
        for dotted, new in changes.items():
            node = data
            parts = dotted.split(".")
            for p in parts[:-1]:
                node = node[p]
            node[parts[-1]] = new.model_dump() if isinstance(new, BaseModel) else new
        cfg = AssumptionFile.model_validate(data)
        check_specs(cfg, self.path / ASSUMPTION_FILE)
        check_consistency(cfg, self.path / ASSUMPTION_FILE)
        digest = hashlib.sha256((self.digest + repr(sorted(changes.items()))).encode()).hexdigest()
        return Assumptions(self.path, cfg, self.tables, digest, self.levers, self.region_name)


@dataclass
class RegionSet:
    """Several regions (cities or counties) sharing the schema, projected together along a
    ``region`` dimension. ``regions`` are one-region :class:`Assumptions`, in file order."""

    path: Path
    config: RegionSetFile
    regions: tuple[Assumptions, ...]
    digest: str = ""

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def base_year(self) -> int:
        return self.regions[0].base_year

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(a.region for a in self.regions)


def _load_region_set(folder: Path, file: Path, raw: dict, accept_unusual=()) -> RegionSet:
    try:
        cfg = RegionSetFile.model_validate(raw)
    except ValidationError as exc:
        raise format_pydantic(exc, file) from None
    regions, h = [], hashlib.sha256(file.read_bytes())
    for name, sub in cfg.regions.items():
        a = load_assumptions(folder / sub, accept_unusual=accept_unusual)
        if isinstance(a, RegionSet):
            raise AssumptionError(f"region '{name}' is itself a set of regions", file=file, field=f"regions.{name}",
                                  expected="a folder holding a one-region assumption set")
        if regions and a.base_year != regions[0].base_year:
            raise AssumptionError(f"region '{name}' has base year {a.base_year}, region '{regions[0].region}' "
                                  f"{regions[0].base_year}", file=file, field=f"regions.{name}",
                                  expected="one base year for every region")
        if a.config.actions is not None:
            raise AssumptionError(f"region '{name}' has its own actions section", file=file, field=f"regions.{name}",
                                  expected="management actions of a set in its province.actions section")
        a.region_name = name
        regions.append(a)
        h.update(name.encode() + a.digest.encode())
    from ..schemes import SCHEME_NAMES
    check_province(cfg.province, [a.region for a in regions], SCHEME_NAMES, file)
    return RegionSet(folder, cfg, tuple(regions), h.hexdigest())


_TABLES: "OrderedDict[tuple, Any]" = OrderedDict()
_TABLES_KEPT = 64


def _table(key: str, loader, path: Path, h) -> Any:
    """``loader(path)``, and the file's bytes added to the assumption hash ``h``.

    A table read before from the same bytes is not parsed again: the loaders are pure
    functions of the file's bytes and its suffix (CSV or Excel), so the process keeps the last
    results by (loader, suffix, SHA-256 of the bytes) and hands out a deep copy, which no caller
    can change under another; a table that records the file it came from (``attrs["path"]``)
    gets this one's. Reading and checking the CSV tables was nine tenths of a load (about
    0.1 s), paid again by every command, solver step or notebook that loads the same folder or
    a copy of it. A file that cannot be read, or fails its checks, is never kept: the loader
    raises its own error, naming this path, every time."""
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        data = None
    if data is None:
        return loader(path)                 # the loader names what is wrong with the path
    h.update(key.encode())
    h.update(data)
    cache_key = (loader, path.suffix.lower(), hashlib.sha256(data).digest())
    value = _TABLES.get(cache_key)
    if value is None:
        value = loader(path)
        _TABLES[cache_key] = value
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    else:
        _TABLES.move_to_end(cache_key)
    value = value.copy(deep=True)
    if "path" in value.attrs:
        value.attrs["path"] = str(path)
    return value


def load_assumptions(path, *, accept_unusual=()) -> "Assumptions | RegionSet":
    """Read and validate an assumption folder (or its ``assumptions.yaml``). A file with a
    ``regions:`` mapping is a set of regions, each a folder of its own: a :class:`RegionSet`.

    Raises :class:`AssumptionError` naming the file, field, value and what was expected for
    any problem: a missing file or field, an unknown key, a wrong unit, a value out of range
    (a rate of 8 where 0.08 is meant), a negative population, ages that do not run 0..100.

    Then the plausibility checks: a value inside its valid range but outside its plausible
    one (medical inflation 0.35 for 0.035, a monthly contribution base, a premium in 万元) and
    the cross-checks of :mod:`.plausibility` (opening balances against a year of spending,
    enrolment against population, income against spending) stop the load with a message
    naming the likely unit or typo, unless the field is listed under ``accept_unusual`` in the
    file or in ``accept_unusual`` here (the command line's ``--accept-unusual FIELD``).
    """
    path = Path(path)
    folder = path.parent if path.suffix in (".yaml", ".yml") else path
    file = folder / ASSUMPTION_FILE if path.is_dir() or path.suffix not in (".yaml", ".yml") else path
    if not file.is_file():
        raise AssumptionError("assumption file not found", file=file,
                              expected=f"a folder holding {ASSUMPTION_FILE}")
    try:
        text = file.read_bytes()
    except OSError as exc:
        raise AssumptionError(f"cannot be read ({exc.strerror or exc})", file=file) from None
    try:
        raw = parse_yaml(decode_text(text, file))
    except yaml.YAMLError as exc:
        raise AssumptionError(f"not valid YAML: {one_line(exc)}", file=file) from None
    except RecursionError:
        raise AssumptionError("not valid YAML: nested too deeply", file=file) from None
    if not isinstance(raw, dict):
        raise AssumptionError("top level is not a mapping", file=file,
                              expected="keys name, title, base_year, tables, demography, ...")
    if "regions" in raw:
        return _load_region_set(folder, file, raw, accept_unusual)
    try:
        cfg = AssumptionFile.model_validate(raw)
    except ValidationError as exc:
        raise format_pydantic(exc, file) from None
    check_specs(cfg, file)
    check_consistency(cfg, file)
    from ..schemes import SCHEME_NAMES
    check_schemes(cfg.actions, SCHEME_NAMES, file, "actions")

    h = hashlib.sha256(text)
    tables = {}
    for key, loader in TABLE_LOADERS.items():
        tables[key] = _table(key, loader, folder / getattr(cfg.tables, key), h)
    unc = cfg.uncertainty
    if unc is not None:
        for key, name, loader in (("cost_history", unc.cost_history, load_cost_history),
                                  ("mortality_history", unc.mortality_history, load_mortality)):
            if name is not None:
                tables[key] = _table(key, loader, folder / name, h)
    for key, (name_of, loader) in OPTIONAL_TABLES.items():   # tables of the optional sections
        name = name_of(cfg)
        if name is not None:
            tables[key] = _table(key, loader, folder / name, h)
    check_flexible_tables(cfg, tables, folder)
    accept = check_accept_list(cfg, file, accept_unusual)
    check_plausible(cfg, file, accept)
    check_cross(cfg, tables, file, accept)
    return Assumptions(folder, cfg, tables, h.hexdigest())

