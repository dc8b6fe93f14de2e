"""Names of the axes every array and Dataset uses, and the fixed labels along them.

No axis is ever addressed by position: code selects by these names and labels (or by the index
constants derived from them here). Labels that depend on what is declared (schemes, ledgers,
income sources, spending categories) come from :mod:`actuarial.schemes`, not from here.

| dim | labels |
|---|---|
| ``draw`` | 0 .. N-1 (absent when deterministic) |
| ``region`` | city or county names (a scalar coordinate for a one-region set) |
| ``year`` | calendar years |
| ``scheme`` | the declared schemes (``actuarial.schemes.SCHEMES``) |
| ``ledger`` | the declared ledgers (accounts that roll forward) |
| ``status`` | :data:`STATUSES` |
| ``sex`` | :data:`SEXES` |
| ``age`` | :data:`AGES`, 100 meaning 100 and over |
| ``category`` | spending categories |
| ``source`` | income sources |
"""

from __future__ import annotations

import numpy as np

DRAW, REGION, YEAR, SCHEME, LEDGER = "draw", "region", "year", "scheme", "ledger"
STATUS, SEX, AGE, CATEGORY, SOURCE = "status", "sex", "age", "category", "source"

AGES = np.arange(101)
"""Single ages 0..100; 100 stands for 100 and over."""
SEXES = ("female", "male")
STATUSES = ("active", "flexible", "retired", "resident")
"""Population status: active (employed), flexible (灵活就业人员, paying both shares themselves)
and retired members of the employee scheme; ``resident`` is everyone outside it (the resident
scheme's members are its enrolled share)."""
CONTRIBUTING_STATUSES = ("active", "flexible")
"""Statuses whose members pay employee-scheme contributions and accrue contribution years
(the contributors of the active:retired ratio)."""
OPTIONAL_STATUSES = ("flexible",)
"""Statuses a table may leave out: absent rows mean zero persons (an assumption set written
before the status existed keeps its numbers)."""
NEWBORN_STATUS = "resident"
"""The status births join: everyone outside the employee scheme."""
CLAIM_CATEGORIES = ("inpatient", "outpatient")
"""Categories of the claim-cost table (per member, before the fund's share)."""

MAX_HORIZON = 60
"""The longest projection horizon, in years after the base year."""


def index(labels, label: str) -> int:
    """Position of ``label`` along an axis with ``labels``; the one way code turns a label into
    a position for numpy."""
    return tuple(labels).index(label)


STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}
SEX_INDEX = {s: i for i, s in enumerate(SEXES)}
FEMALE = SEX_INDEX["female"]
ACTIVE, RETIRED, OUTSIDE = STATUS_INDEX["active"], STATUS_INDEX["retired"], STATUS_INDEX["resident"]
FLEXIBLE = STATUS_INDEX["flexible"]
"""Positions of the statuses the cohort-component step moves people between (employment
entry and exit, flexible entry and exit, retirement), derived from the labels."""
