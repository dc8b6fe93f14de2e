"""The chunk kernel: (resolved inputs, fitted model, draw range, seed) -> arrays.

A pure function: it reads its arguments, draws its own random numbers from the seed for its
draw range (the same numbers whatever the chunking), and returns new arrays; it writes to
nothing shared, so any executor can run chunks anywhere. A deterministic run is one draw with
every deviation at zero, through the very same code.

Every array has a leading draw axis ``D`` and a year axis: ``T`` flow years, or ``T + 1``
1 January dates for stocks. Loops run over years only (each year needs the one before) and
over the declared schemes and ledgers; everything else broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import costs, fund, lifetable, uncertainty
from ..indicators import AGE_SUMS, OLD_AGE, WORKING_AGES
from ..dims import (ACTIVE, AGES, CONTRIBUTING_STATUSES, FEMALE, FLEXIBLE, NEWBORN_STATUS, OUTSIDE, RETIRED,
                    STATUSES, index)
from ..schemes import (CATEGORIES, LEDGER_NAMES, LEDGER_SCHEME, PROFILES, SCHEME_NAMES, SCHEMES, SOURCES, TRANSFERS,
                       DrawsInnermost, Members)
from . import fused, survival
from .inputs import Inputs

NEWBORN = index(STATUSES, NEWBORN_STATUS)
CONTRIBUTING = np.array([float(s in CONTRIBUTING_STATUSES) for s in STATUSES])   # accrue contribution years
AGE0 = index(AGES.tolist(), 0)
OLD = AGES >= OLD_AGE                                   # the old-age ratio's ages (the registry's)
WORKING = (AGES >= WORKING_AGES[0]) & (AGES <= WORKING_AGES[1])
LEDGER_SCHEME_INDEX = {name: SCHEME_NAMES.index(s) for name, s in zip(LEDGER_NAMES, LEDGER_SCHEME)}
"""Position along ``scheme`` of the scheme each ledger belongs to."""


@dataclass
class PopulationDraws:
    """What the population needs by draw, for one chunk of ``D`` draws. With ``shocks`` the
    survival is left to the compiled pass, which computes each draw's ratios from them
    (``sx`` and ``birth_survival`` are then None; :meth:`survival` gives them as arrays)."""

    sx: np.ndarray | None           # (D, T, sex, age) survival ratios
    birth_survival: np.ndarray | None   # (D, T, sex)
    employment_scale: np.ndarray    # (D, T) entry rates x scale, exit rates / scale (each at most 1)
    shocks: tuple | None = None     # (mx, bx, k, a0) of actuarial.engine.survival.shock_inputs

    def survival(self) -> tuple[np.ndarray, np.ndarray]:
        """(sx (D, T, sex, age), birth_survival (D, T, sex)) as arrays."""
        return (self.sx, self.birth_survival) if self.shocks is None else survival.ratios_of(self.shocks)


@dataclass
class EconomyDraws:
    """What the money needs by draw, for one chunk of ``D`` draws: (D, T) each."""

    trend: np.ndarray               # cost trend index (base year = 1)
    wage_index: np.ndarray          # wage index (base year = 1)
    interest_rate: np.ndarray       # fraction a year


def realise_population(inp: Inputs, dev: dict[str, np.ndarray], bx: np.ndarray | None) -> PopulationDraws:
    """Apply the mortality and employment deviations (mortality (D, T, sex), employment (D, T))
    to the best estimate: survival ratios, the survival of births and the employment scale.
    With every deviation zero the result equals the best estimate to the last bit. Shocked
    mortality (``bx`` given) is left as its shocks: the compiled pass computes each draw's
    ratios in cache (the same numbers, without writing and reading back a (D, T, sex, age)
    array)."""
    D = dev["wage_growth"].shape[0]
    if bx is None:   # best-estimate mortality: one set of ratios shared by every draw
        sx, bs = lifetable.survival_from_mx(inp.mx, lifetable.a0_by_sex(inp.mx[..., AGE0], inp.a0_rule))
        sx, bs = np.broadcast_to(sx, (D,) + sx.shape), np.broadcast_to(bs, (D,) + bs.shape)
        return PopulationDraws(sx, bs, np.exp(dev["employment"]))
    return PopulationDraws(None, None, np.exp(dev["employment"]), survival.shock_inputs(
        inp.mx, bx, dev["mortality"], lambda m0: lifetable.a0_by_sex(m0, inp.a0_rule)))


def realise_economy(inp: Inputs, dev: dict[str, np.ndarray]) -> EconomyDraws:
    """Apply the economic deviations (each (D, T)) to the best estimate: the cost trend index
    (:func:`actuarial.costs.trend_growth`), the wage index and the interest rate. Stored draws
    innermost (Fortran order), as the claims the schemes multiply them with
    (:func:`claims_by_status`)."""
    inflation, utilisation, policy = inp.trend_components
    trend = costs.growth_index(costs.trend_growth(inflation[None] + dev["medical_inflation"],
                                                  utilisation[None] + dev["utilisation_growth"], policy[None]))
    return EconomyDraws(*(np.asfortranarray(x) for x in (
        trend, costs.growth_index(inp.wage_growth[None] + dev["wage_growth"]), inp.interest_rate[None] + dev["interest_rate"])))


def stock_weights(inp: Inputs) -> np.ndarray:
    """What each 1 January stock is summed against, (status, sex, age, K), a value per person:
    column 0 persons (1), then base-year claim cost by claim category (CNY a year), then the
    declared age profiles (:data:`actuarial.schemes.PROFILES`), then the two age bands of the
    indicators (1 inside the old-age band, then 1 inside the working ages)."""
    S, X, A = inp.pop0.shape
    bands = np.broadcast_to(np.stack([OLD, WORKING], axis=-1).astype(float), (S, X, A, 2))
    return np.concatenate([np.ones((S, X, A, 1)), inp.claim_cost, inp.profiles, bands], axis=-1)


def run_population(inp: Inputs, real: PopulationDraws, out: np.ndarray | None = None, keep: bool = True,
                   dtype=np.float64) -> dict[str, np.ndarray]:
    """The cohort-component projection and its stock sums
    (:func:`actuarial.engine.fused.project_draws`, the steps of :mod:`actuarial.demography`
    compiled into one pass per draw). Returns the flows ``births``, ``deaths``, ``migration``
    (D, T, sex) of each year; ``sums``, ``sums_age0`` (D, T + 1, status, K) every 1 January
    stock summed against :func:`stock_weights` (all ages, age 0); ``totals`` (D, T + 1,
    status, sex); and, with ``keep``, ``population`` (D, T + 1, status, sex, age) in ``dtype``
    (computed in ``out`` when given, which may hold fewer dates: its first ones are filled)."""
    D, T = real.employment_scale.shape
    if keep and out is None:
        out = np.empty((D, T + 1) + inp.pop0.shape, dtype=dtype)
    return fused.run(
        inp.pop0, real.sx, real.birth_survival, inp.fertility, inp.srb, inp.entry, inp.exit,
        real.employment_scale, inp.retire, inp.eligible, inp.migration, stock_weights(inp),
        newborn=NEWBORN, active=ACTIVE, retired=RETIRED, resident=OUTSIDE, female=FEMALE, flexible=FLEXIBLE,
        flex_entry=inp.flexible_entry, flex_exit=inp.flexible_exit, years0=inp.years0,
        contributing=CONTRIBUTING, rule=inp.years_rule, pop_out=out if keep else None, shocks=real.shocks)


def stock_sums(inp: Inputs, pop: np.ndarray) -> dict[str, np.ndarray]:
    """The stock sums of :func:`run_population` from a population array (D, T + 1, status, sex,
    age), in numpy (the reference the compiled pass is tested against)."""
    w = stock_weights(inp)
    return {"sums": np.einsum("dtsxa,sxak->dtsk", pop, w),
            "sums_age0": np.einsum("dtsx,sxk->dtsk", pop[..., AGE0], w[:, :, AGE0]),
            "totals": pop.sum(axis=-1)}


def claims_by_status(inp: Inputs, sums: np.ndarray, sums0: np.ndarray) -> tuple[dict, dict, dict, dict]:
    """The stock sums (D, T + 1, status, K) split the way schemes read them: claims (D, T + 1,
    1 + C: persons, then base-year cost by claim category), the same at age 0, and the profile
    sums (D, T + 1, P), all ages and age 0, each a dict by status.

    The claims are handed out draws innermost (each column one contiguous (T + 1, D) block,
    copied when a scheme first reads a status: :class:`actuarial.schemes.base.DrawsInnermost`):
    in the stock sums a status's few claim columns lie 8 bytes apart and their rows 800 apart,
    so every operation of a scheme on them would run over 3 numbers at a time; this way each
    runs over whole rows of draws. Same values, same shapes."""
    n, P = 1 + inp.claim_cost.shape[-1], inp.profiles.shape[-1]
    claims, claims0, prof, prof0 = {}, {}, {}, {}
    for i, status in enumerate(STATUSES):
        claims[status], claims0[status] = sums[:, :, i, :n], sums0[:, :, i, :n]
        prof[status], prof0[status] = sums[:, :, i, n:n + P], sums0[:, :, i, n:n + P]
    return DrawsInnermost(claims), DrawsInnermost(claims0), prof, prof0


def run_money(inp: Inputs, real: EconomyDraws, dev: dict, stocks: dict) -> dict[str, np.ndarray]:
    """Money of every declared scheme and ledger, (D, T, ...) in CNY.

    ``stocks`` holds the stock sums of :func:`run_population` (``sums``, ``sums_age0``); each
    scheme turns them into member-years, income and spending (``scheme.money``, in declared
    order, seeing the flows of the schemes before it); then every declared transfer is added
    to its payer's spending and its receiver's income; then each ledger rolls forward."""
    claims, claims0, prof, prof0 = claims_by_status(inp, stocks["sums"], stocks["sums_age0"])
    members = Members(claims, claims0, inp.flow_years, real.trend, real.wage_index, real.interest_rate, dev,
                      prof, prof0, {name: j for j, name in enumerate(PROFILES)}, {}, inp.profile_statuses)
    D, T = real.trend.shape
    n_sch = len(SCHEMES)
    def zeros(*inner):     # (D, T, *inner), stored draws innermost (Fortran order) as the schemes' arrays
        return np.zeros((D, T) + inner, order="F")
    out = {"income_by_source": zeros(n_sch, len(SOURCES)), "spending_by_category": zeros(n_sch, len(CATEGORIES)),
           "member_years": zeros(len(STATUSES)), "insured": zeros(n_sch)}
    ledger = {k: zeros(len(LEDGER_NAMES)) for k in ("income", "spending", "interest", "balance")}
    spend_rate, transfers = {}, {}
    for k, sch in enumerate(SCHEMES):
        flows = sch.money(inp.schemes[sch.name], members)
        members.earlier[sch.name] = flows
        for name, v in flows.income.items():
            out["income_by_source"][..., k, SOURCES.index(name)] = v
        for name, v in flows.spending.items():
            out["spending_by_category"][..., k, CATEGORIES.index(name)] = v
        for status, v in flows.member_years.items():
            out["member_years"][..., index(STATUSES, status)] = v
        out["insured"][..., k] = flows.insured
        for led in sch.ledgers:
            j = LEDGER_NAMES.index(led.name)
            ledger["income"][..., j] = flows.ledger_income[led.name]
            if led.spend_rate:
                spend_rate[j] = flows.spend_rate[led.name][None]
            else:
                ledger["spending"][..., j] = flows.ledger_spending[led.name]
        transfers.update(flows.transfers)
        out.update(flows.extras)
    moved = zeros(len(TRANSFERS))
    for i, tr in enumerate(TRANSFERS):     # after every scheme's flows, before any roll-forward
        moved[..., i] = amount = transfers[tr.name]
        ledger["spending"][..., LEDGER_NAMES.index(tr.payer)] += amount
        ledger["income"][..., LEDGER_NAMES.index(tr.receiver)] += amount
        out["spending_by_category"][..., LEDGER_SCHEME_INDEX[tr.payer], CATEGORIES.index(tr.name)] = amount
        out["income_by_source"][..., LEDGER_SCHEME_INDEX[tr.receiver], SOURCES.index(tr.name)] = amount
    for j, name in enumerate(LEDGER_NAMES):
        closing, interest, spent = fund.roll_forward(
            inp.opening[name], ledger["income"][..., j], None if j in spend_rate else ledger["spending"][..., j],
            real.interest_rate, inp.interest_on, spend_rate=spend_rate.get(j))
        ledger["spending"][..., j], ledger["interest"][..., j], ledger["balance"][..., j] = spent, interest, closing
    out.update({f"ledger_{k}": v for k, v in ledger.items()})
    out["transfer_amount"] = moved
    out["trend"] = real.trend
    return out


def chunk_population(inp: Inputs, model, start: int, stop: int, seed, sources, out: np.ndarray | None = None,
                     states: dict | None = None, keep: bool = True, dtype=np.float64) -> tuple[dict, dict]:
    """The population part of a chunk: the draws' deviations (zero without a model or with no
    sources) and the cohort-component projection with its stock sums
    (:func:`run_population`; ``out``, ``keep`` and ``dtype`` as there). Returns (deviations,
    population results). ``states`` may give the random streams' states at each chunk start
    (:func:`actuarial.uncertainty.sources.stream_states`, or a
    :class:`~actuarial.uncertainty.sources.StreamStates` that finds them on demand): the same
    numbers, found faster."""
    T = inp.flow_years.size
    D = stop - start
    if model is None or not sources:
        dev = uncertainty.zero_deviations(D, T)
    else:
        dev = uncertainty.draw_deviations(model, D, T, seed, sources, start=start,
                                          states=(states or {}).get(start))
    bx = model.bx_single if model is not None and "mortality" in sources else None
    pop = run_population(inp, realise_population(inp, dev, bx), out=out, keep=keep, dtype=dtype)
    return dev, pop


def chunk_money(inp: Inputs, dev: dict, pop: dict, keep_population: bool = True, kept: bool = False
                ) -> dict[str, np.ndarray]:
    """The money part of a chunk, from its deviations and population results
    (:func:`chunk_population`): every result over the flow years (stocks at the T first 1
    January dates). ``pop`` is not changed, so the same population can price several variants
    of the money assumptions. Without ``keep_population`` (or without a ``population`` in
    ``pop``) only totals by status and sex and the age sums the indicators need are kept;
    ``kept`` says the caller already holds the population (computed in its buffer)."""
    T = inp.flow_years.size
    econ = realise_economy(inp, dev)
    money = run_money(inp, econ, dev, pop)
    sums = pop["sums"][:, :T]
    results = {**money, "births": pop["births"], "deaths": pop["deaths"], "net_migration": pop["migration"],
               "population_total": pop["totals"][:, :T],
               AGE_SUMS[0]: np.einsum("dts->dt", sums[..., -2]),   # the age-band columns of stock_weights,
               AGE_SUMS[1]: np.einsum("dts->dt", sums[..., -1]),   # summed over statuses
               "interest_rate": econ.interest_rate}   # read by passes that re-roll a ledger (province)
    if keep_population and not kept and "population" in pop:
        results["population"] = pop["population"][:, :T]
    return results


def run_chunk(inp: Inputs, model, start: int, stop: int, seed, sources, keep_population: bool = True,
              out: dict | None = None, states: dict | None = None, population_dtype=np.float64
              ) -> dict[str, np.ndarray]:
    """Run draws ``start .. stop - 1``: deviations from the seed, population, money
    (:func:`chunk_population`, then :func:`chunk_money`).

    ``out`` may hold a ``population`` array (stop - start, dates, status, sex, age) that the
    caller owns for these draws alone: the population's first ``dates`` stocks are then written
    in it instead of in new memory; ``states`` as in :func:`chunk_population`. Neither changes
    the numbers. ``population_dtype``: the kept population's precision (float32 halves the
    largest array; everything else is computed and kept in float64)."""
    buffer = (out or {}).get("population") if keep_population else None
    dev, pop = chunk_population(inp, model, start, stop, seed, sources, out=buffer, states=states,
                                keep=keep_population, dtype=population_dtype)
    return chunk_money(inp, dev, pop, keep_population, kept=buffer is not None)
