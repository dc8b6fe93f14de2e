"""actuarial: projection and early warning for public medical-insurance funds.

The flow: assumptions -> demography -> costs -> fund -> indicators (-> alerts -> reports).

    >>> import actuarial
    >>> a = actuarial.load_assumptions("assumptions/example-city")
    >>> ds = actuarial.project(a, years=10)
"""

from ._version import __version__
from .params import Assumptions, load_assumptions
from .errors import ActuarialError, AssumptionError, JobError, ProjectionError
from .engine import project

__all__ = [
    "__version__",
    "Assumptions",
    "load_assumptions",
    "project",
    "ActuarialError",
    "AssumptionError",
    "JobError",
    "ProjectionError",
]
