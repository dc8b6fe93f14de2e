"""The declared schemes. The engine and everything after it iterate over :data:`SCHEMES`.

Adding a scheme is one module here (a :class:`~.base.Scheme`), a section of the assumption
schema, and tests: see ``docs/ARCHITECTURE.md``, "Adding a scheme".
"""

from __future__ import annotations

from .base import DrawsInnermost, Flows, Ledger, Line, Members, Output, Scheme, Transfer
from .assistance import SCHEME as ASSISTANCE
from .employee import SCHEME as EMPLOYEE
from .ltc import SCHEME as LTC
from .resident import SCHEME as RESIDENT

SCHEMES: tuple[Scheme, ...] = (EMPLOYEE, RESIDENT, ASSISTANCE, LTC)
"""Every declared scheme, in output order; a scheme's ``money`` sees the flows of those before it
(medical assistance reads the resident scheme's, long-term care the employee scheme's)."""
SCHEME_NAMES = tuple(s.name for s in SCHEMES)
MEMBER_SCHEMES = tuple(s for s in SCHEMES if s.statuses)
"""The schemes with member statuses of their own (the insurance funds a fund history and the
calibration of claim-cost levels cover)."""
MEMBER_SCHEME_NAMES = tuple(s.name for s in MEMBER_SCHEMES)
BY_NAME = {s.name: s for s in SCHEMES}
LEDGERS = tuple(ledger for s in SCHEMES for ledger in s.ledgers)
LEDGER_NAMES = tuple(ledger.name for ledger in LEDGERS)
LEDGER_SCHEME = tuple(s.name for s in SCHEMES for _ in s.ledgers)
TRANSFERS = tuple(t for s in SCHEMES for t in s.transfers)
"""Every declared transfer between ledgers (the ``transfer`` coordinate)."""
TRANSFER_NAMES = tuple(t.name for t in TRANSFERS)
PROFILES = tuple(name for s in SCHEMES for name in s.profiles)
"""Every declared age profile, in the order of the columns the engine appends to the claim costs."""
OUTPUTS = tuple(out for s in SCHEMES for out in s.outputs)
"""Every scheme's own output variables."""
SOURCES = tuple(dict.fromkeys(line.name for s in SCHEMES for line in s.sources))
"""Income sources of every scheme (the ``source`` coordinate)."""
CATEGORIES = tuple(dict.fromkeys(line.name for s in SCHEMES for line in s.categories))
"""Spending categories of every scheme (the ``category`` coordinate)."""


def scheme(name: str) -> Scheme:
    """The declared scheme called ``name``."""
    return BY_NAME[name]


def member_years(ds, name: str):
    """Member-years of a scheme in a projection: the sum over its member statuses of
    ``member_years`` (for the resident status, enrolled members only)."""
    return ds["member_years"].sel(status=list(BY_NAME[name].statuses)).sum("status")


__all__ = ["ASSISTANCE", "BY_NAME", "DrawsInnermost", "LTC", "MEMBER_SCHEMES", "MEMBER_SCHEME_NAMES", "CATEGORIES", "EMPLOYEE", "Flows", "LEDGERS", "LEDGER_NAMES", "LEDGER_SCHEME", "Ledger", "OUTPUTS",
           "Line", "Members", "Output", "RESIDENT", "SCHEMES", "SCHEME_NAMES", "PROFILES", "SOURCES", "Scheme", "TRANSFERS", "TRANSFER_NAMES", "Transfer", "member_years", "scheme"]
