"""The numpy reference kernel: the same arithmetic as the compiled passes, step by step.

The engine computes survival ratios (:mod:`.survival`) and the cohort-component recurrence
(:mod:`.fused`) in compiled passes. This module composes the numpy functions they reproduce —
:func:`actuarial.lifetable.survival_from_mx` on the shocked rates and the steps of
:mod:`actuarial.demography` year by year — into a kernel of the same inputs and outputs. Tests
require the compiled passes to agree with it to round-off; ``benchmarks/bench_kernel.py``
times the engine against it on the same shapes.
"""

from __future__ import annotations

import numpy as np

from .. import demography, lifetable
from ..dims import AGES, FEMALE, STATUSES, index
from .inputs import Inputs
from .kernel import CONTRIBUTING, NEWBORN, PopulationDraws, realise_economy, run_money, stock_sums

AGE0 = index(AGES.tolist(), 0)


def numpy_survival(inp: Inputs, bx: np.ndarray, mortality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival ratios (D, T, sex, age) and births' survival (D, T, sex) of the rates
    ``mx * exp(bx * k)`` (k = ``mortality`` (D, T, sex)), in numpy."""
    m = inp.mx[None] * np.exp(bx[None, None] * mortality[..., None])
    return lifetable.survival_from_mx(m, lifetable.a0_by_sex(m[..., AGE0], inp.a0_rule))


def numpy_population(inp: Inputs, real: PopulationDraws) -> dict[str, np.ndarray]:
    """The cohort-component projection with the numpy steps of :mod:`actuarial.demography`:
    ``population`` (D, T + 1, status, sex, age) and ``births``, ``deaths``, ``migration``
    (D, T, sex), as :func:`actuarial.engine.kernel.run_population` returns them."""
    sx, bs = real.survival()
    D, T = sx.shape[:2]
    pop = np.empty((D, T + 1) + inp.pop0.shape)
    pop[:, 0] = inp.pop0
    born, died, moved_all = (np.empty((D, T, pop.shape[3])) for _ in range(3))
    years = None if inp.years0 is None else np.broadcast_to(inp.years0, pop[:, 0].shape).copy()
    contributing = [i for i, _ in enumerate(STATUSES) if CONTRIBUTING[i]]
    for t in range(T):
        start, end = pop[:, t], pop[:, t + 1]
        demography.survive_and_age(start, sx[:, t], out=end)
        if years is not None:
            years = demography.survive_and_age_years(years, start, sx[:, t], contributing)
        women = lambda p: p[:, :, FEMALE].sum(axis=1)  # noqa: E731
        b = demography.split_births(demography.births(women(start), women(end), inp.fertility[t]), inp.srb[t])
        end[:, NEWBORN, :, 0] = b * bs[:, t]
        born[:, t] = b
        died[:, t] = demography.deaths_among(start, sx[:, t]) + b * (1 - bs[:, t])
        k = real.employment_scale[:, t, None, None]
        rule = None if inp.years_rule is None else (inp.years_rule[0][t], inp.years_rule[1], inp.years_rule[2][t])
        demography.transitions(end, np.minimum(inp.entry * k, 1), np.minimum(inp.exit / k, 1), inp.retire[t],
                               inp.eligible[t], flexible=(inp.flexible_entry[t], inp.flexible_exit), years=years,
                               rule=rule, inplace=True)
        before = end.copy() if years is not None else None
        _, moved_all[:, t] = demography.migrate(end, inp.migration, inplace=True)
        if years is not None:
            demography.migrate_years(years, before, end)
    return {"population": pop, "births": born, "deaths": died, "migration": moved_all}


def numpy_chunk(inp: Inputs, dev: dict, bx: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk in numpy from its deviations: survival, population, stock sums, money."""
    sx, bs = numpy_survival(inp, bx, dev["mortality"])
    pop = numpy_population(inp, PopulationDraws(sx, bs, np.exp(dev["employment"])))
    return {**run_money(inp, realise_economy(inp, dev), dev, stock_sums(inp, pop["population"])), **pop}
