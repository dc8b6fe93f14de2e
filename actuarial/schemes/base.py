"""What a scheme declares, and the arrays the engine hands it.

A scheme is a declaration, not a branch in the engine. Each scheme module builds one
:class:`Scheme`: the population statuses its members come from, its ledgers (accounts that
roll forward; the first is *the fund* whose balance, months of reserves and surplus rate the
indicators report), its income sources and spending categories with the labels reports use,
and three functions:

``resolve(a, years) -> dict``
    the scheme's own parameters over the engine's flow years (best estimate), read from its
    section of the assumption file;
``money(p, m) -> Flows``
    one chunk's money: income by source, spending by category, each ledger's flows, member-years
    by status and insured members, given the scheme's parameters ``p`` and a :class:`Members`
    bundle ``m`` (claims of the stocks, economy paths, the chunk's deviations).

The engine (``actuarial.engine``), indicators, warning lines, budget tables, calibration and
exports iterate over :data:`actuarial.schemes.SCHEMES` and never name a scheme.

Arrays are (D, T) for D draws and T flow years unless stated; money is CNY a year; stocks are
at 1 January, so a stock array has T + 1 dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import ProjectionError

PERSONS = 0
"""Column of a claims array (the persons, then base-year cost by claim category) holding persons."""


@dataclass(frozen=True)
class Ledger:
    """An account that rolls forward: ``closing = opening + income - spending + interest``.

    ``spend_rate``: the holders spend this share of what is available (opening balance plus the
    year's income) each year, as personal-account holders do; otherwise spending is given.
    ``opening``: dotted path of the opening-balance parameter (CNY at 1 January of the base
    year). ``history_column``: the fund-history column holding the money credited to this
    ledger out of the scheme's gross income (calibration reads it), for ledgers other than the
    fund."""

    name: str
    long_name: str
    opening: str
    spend_rate: bool = False
    history_column: str | None = None
    optional: bool = False
    """``optional``: the opening balance is 0 when its section is absent (a scheme an older
    assumption set does not have)."""


@dataclass(frozen=True)
class Transfer:
    """Money moved between two ledgers (of the same or of different schemes), (D, T) CNY a year.

    The scheme declaring it computes the amount (``Flows.transfers[name]``); the engine adds it
    to the spending of ``payer`` and to the income of ``receiver`` after every scheme's flows are
    known, and before any ledger rolls forward. The payer's scheme declares a spending category
    and the receiver's scheme an income source named ``name``, so budgets and exports show it as
    a line of each; ``ledger_transfer`` reports it by ledger (received positive, paid negative;
    it sums to zero over ledgers)."""

    name: str
    payer: str
    receiver: str
    label: str


@dataclass(frozen=True)
class Line:
    """An income source or a spending category: its label (the ``source`` or ``category``
    coordinate) and the words reports use. ``flexible``: paid partly by flexible workers (the
    budget table can split it off). ``per_capita``: the dotted path of the amount per member a
    category is (it has no age effect; calibration holds it flat to measure ageing)."""

    name: str
    label: str
    flexible: bool = False
    per_capita: str | None = None


@dataclass
class Members:
    """What the engine hands a scheme for one chunk of draws.

    claims : mapping status -> (D, T + 1, 1 + C) stock claims at each 1 January: persons, then
        base-year claim cost by claim category (CNY a year at base-year prices); stored draws
        innermost (:class:`DrawsInnermost`)
    claims_age0 : mapping status -> (D, T + 1, 1 + C) the same for age 0 only
    years : (T,) calendar years of the flows
    trend : (D, T) medical cost trend index (base year = 1)
    wage_index : (D, T) wage index (base year = 1)
    interest_rate : (D, T) fraction a year
    deviations : dict source -> (D, T) deviations from the best estimate of this chunk
    profiles, profiles_age0 : dict status -> (D, T + 1, P) the stocks summed against the declared
        age profiles (all ages, and age 0 only): column ``profile_index[name]`` holds
        sum_{sex, age} persons x profile[status, sex, age]
    profile_statuses : dict profile -> the statuses it is summed for (its scheme's
        ``p["profile_statuses"]``; every status when absent); asking for another is an error
    earlier : dict scheme -> Flows of the schemes computed before this one (``SCHEMES`` order)
    """

    claims: dict
    claims_age0: dict
    years: np.ndarray
    trend: np.ndarray
    wage_index: np.ndarray
    interest_rate: np.ndarray
    deviations: dict
    profiles: dict = field(default_factory=dict)
    profiles_age0: dict = field(default_factory=dict)
    profile_index: dict = field(default_factory=dict)
    earlier: dict = field(default_factory=dict)
    profile_statuses: dict = field(default_factory=dict)

    def profile(self, name: str, statuses, age0: bool = False) -> np.ndarray:
        """(D, T + 1) stock sums of the profile ``name`` over ``statuses`` at each 1 January
        (``age0``: persons aged 0 only)."""
        return self.profile_columns((name,), statuses, age0)[..., 0]

    def profile_columns(self, names, statuses, age0: bool = False) -> np.ndarray:
        """(D, T + 1, len(names)) stock sums of the profiles ``names`` over ``statuses`` at each
        1 January (``age0``: persons aged 0 only), column k for ``names[k]``: several profiles
        in one array, for one array operation over all of them. Stored draws innermost (as
        the claims: see :func:`actuarial.engine.kernel.claims_by_status`)."""
        src = self.profiles_age0 if age0 else self.profiles
        for name in names:
            summed = self.profile_statuses.get(name)
            if summed is not None and not set(statuses) <= set(summed):
                raise ProjectionError(f"profile '{name}' is summed for {list(summed)} only (its scheme's "
                                      f"profile_statuses); asked for {list(statuses)}")
        cols = [self.profile_index[name] for name in names]
        if cols and cols == list(range(cols[0], cols[0] + len(cols))):     # declared side by side: a view
            cols = slice(cols[0], cols[0] + len(cols))
        first, *rest = (draws_innermost(src[s][..., cols]) for s in statuses)
        return sum(rest, first) if rest else first

    @staticmethod
    def member_years(stocks: np.ndarray) -> np.ndarray:
        """Member-years of a year: the mean of its two 1 January stocks, (D, T + 1, ...) ->
        (D, T, ...). Money is linear in member-years, so claims are averaged the same way."""
        return 0.5 * (stocks[:, :-1] + stocks[:, 1:])


def draws_innermost(x: np.ndarray) -> np.ndarray:
    """A copy of ``x`` (D, dates, k) with the same shape and values, stored draws innermost:
    each column's (dates, D) block contiguous, so that operations over draws and years run
    over whole rows of draws whatever the layout ``x`` is read from."""
    return np.ascontiguousarray(x.transpose(2, 1, 0)).transpose(2, 1, 0)


class DrawsInnermost(Mapping):
    """A read-only dict of (D, dates, k) arrays, each copied draws innermost
    (:func:`draws_innermost`) when it is first read: what no scheme reads is never copied."""

    def __init__(self, arrays: dict):
        self._arrays, self._copied = arrays, {}

    def __getitem__(self, key) -> np.ndarray:
        if key not in self._copied:
            self._copied[key] = draws_innermost(self._arrays[key])
        return self._copied[key]

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)


@dataclass
class Flows:
    """One chunk's money of a scheme, every array (D, T) in CNY a year unless stated.

    income : dict source -> gross income collected
    spending : dict category -> benefit spending
    ledger_income, ledger_spending : dict ledger -> what enters each ledger (transfers between
        ledgers included: the fund's income is net of what it credits to other ledgers) and what
        it spends (None for a ``spend_rate`` ledger: the roll-forward computes it)
    spend_rate : dict ledger -> (T,) share spent, for ``spend_rate`` ledgers
    transfers : dict transfer -> amount moved between ledgers (declared in ``Scheme.transfers``);
        not included in ``ledger_income``/``ledger_spending``: the engine adds them
    shared : dict name -> array a later scheme reads (``Members.earlier``); not an output
    member_years : dict status -> person-years of members
    insured : (D, T + 1) members at each 1 January
    extras : dict variable -> array (D, T, ...): the scheme's own outputs, declared in
        ``Scheme.outputs``
    """

    income: dict
    spending: dict
    ledger_income: dict
    ledger_spending: dict
    member_years: dict
    insured: np.ndarray
    spend_rate: dict = field(default_factory=dict)
    extras: dict = field(default_factory=dict)
    transfers: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    """A scheme's own output variable: its name, its dims after (draw, year), the labels along
    them, and its attrs (units, long_name, description)."""

    name: str
    dims: tuple[str, ...]
    attrs: dict
    coords: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scheme:
    """A declared scheme. See the module docstring for what each part means.

    ``outputs`` declares the scheme's own output variables (``Flows.extras``).
    ``transfers`` declares the transfers between ledgers whose amounts ``money`` computes.
    ``profiles`` names the age profiles the scheme's resolved parameters carry (``p["profiles"]``:
    name -> array (status, sex, age) or (sex, age), a value per person); the engine sums every
    status's stocks against them with the claim costs (``Members.profiles``). A scheme with no
    member status (``statuses=()``) reads the members of another scheme through them or
    through ``Members.earlier``.
    ``member_columns`` maps each member status to its column of member-years in a fund history
    (calibration). ``claim_categories`` are the categories of the claim-cost table the scheme
    pays a share of (``costs.fund_share.<scheme>_<category>``); ``categories`` are all its
    spending categories, those included."""

    name: str
    long_name: str
    section: str
    statuses: tuple[str, ...]
    ledgers: tuple[Ledger, ...]
    sources: tuple[Line, ...]
    categories: tuple[Line, ...]
    claim_categories: tuple[str, ...]
    member_columns: dict
    resolve: Callable = field(repr=False, compare=False)
    money: Callable = field(repr=False, compare=False)
    outputs: tuple[Output, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    profiles: tuple[str, ...] = ()

    @property
    def fund(self) -> Ledger:
        """The ledger whose balance is the scheme's fund balance (indicators, warning lines)."""
        return self.ledgers[0]

    @property
    def source_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sources)

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)


def claims_spending(claims: np.ndarray, trend: np.ndarray, fund_share: dict, categories) -> dict:
    """Benefit spending by claim category, CNY: member claims at base-year cost (D, T, 1 + C;
    persons first) x trend index (D, T) x the fund's share of the category (T,).

        spending[c] = claims[..., 1 + c] * trend * fund_share[c]
    """
    return {c: claims[..., PERSONS + 1 + i] * trend * fund_share[c] for i, c in enumerate(categories)}


def fund_shares(a, scheme: str, categories, years) -> dict:
    """The fund's share of claims by category over ``years`` (``costs.fund_share.<scheme>_<c>``)."""
    return {c: a.values(f"costs.fund_share.{scheme}_{c}", years) for c in categories}
