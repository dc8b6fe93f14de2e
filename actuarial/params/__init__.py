"""Assumption sets: the schema (:mod:`.schema`), the CSV tables (:mod:`.tables`), validation
(:mod:`.validation`), loading (:mod:`.loading`) and the generated reference
(:mod:`.reference`).

An assumption set is a folder holding ``assumptions.yaml`` (every scalar and dated parameter,
each with its unit and source) and the CSV tables it names (base population, mortality,
fertility pattern, transition rates, migration, claim costs). :func:`load_assumptions` reads
and validates the whole folder; every problem raises :class:`actuarial.errors.AssumptionError`
naming the file, the field, the value and what was expected; unknown keys are rejected.
"""

from .loading import Assumptions, RegionSet, load_assumptions
from .reference import parameter_reference
from .fields import AddPerYear, Dated, GrowRate, Overlay, Scalar, Spec
from .schema import AR1, ASSUMPTION_FILE, ECONOMIC_COMPONENTS, AssumptionFile, RegionSetFile, Retirement, RetirementGroup

__all__ = ["AR1", "ASSUMPTION_FILE", "ECONOMIC_COMPONENTS", "AddPerYear", "AssumptionFile", "Assumptions",
           "Dated", "GrowRate", "Overlay", "RegionSet", "RegionSetFile", "Retirement", "RetirementGroup", "Scalar", "Spec", "load_assumptions",
           "parameter_reference"]
