"""Policy: levers that overlay the baseline assumptions (:mod:`.levers`, below the engine),
scenarios compared with common random numbers (:mod:`.scenarios`) and solvers for safe rates
(:mod:`.solvers`), both above it."""

from .levers import LEVERS, LeverSpec, ScenarioError, apply_lever, lever_reference, overlay, path_of
from .scenarios import DEFAULT_SHIFTS, Scenario, apply_scenario, compare, differences, load_scenarios, sensitivity

__all__ = ["DEFAULT_SHIFTS", "LEVERS", "LeverSpec", "Scenario", "ScenarioError", "apply_lever", "apply_scenario",
           "compare", "differences", "lever_reference", "load_scenarios", "overlay", "path_of", "sensitivity"]
