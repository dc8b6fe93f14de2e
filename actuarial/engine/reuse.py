"""Projecting many variants of one assumption set with the same draws, reusing the population.

A rate solver or a policy comparison projects the same city many times with the same seed,
changing only money assumptions (a contribution rate, a premium, a fund share). The population
does not change, so :class:`Projector` runs the population of every chunk once, keeps its stock
sums (and the population itself when asked), and prices each variant with the money part of the kernel alone
(:func:`~actuarial.engine.kernel.chunk_money`). A variant whose population-side assumptions
differ (:func:`~actuarial.engine.inputs.population_key`: demography, uncertainty, tables) is
projected in full. Either way the numbers equal :func:`actuarial.project` with the same
arguments (tested).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import uncertainty
from ..params import Assumptions
from . import POPULATION_DTYPE, assemble_region, pick_seed, project
from .executors import chunk_bounds, gather
from .inputs import check_run, flow_years, money_inputs, population_key, resolve_inputs
from .kernel import chunk_money, chunk_population


class Projector:
    """Projects variants of ``base`` over ``years`` with ``draws`` draws from ``seed`` (None:
    the deterministic best estimate), keeping the population of every draw between calls.

        proj = Projector(a, 10, draws=1000, seed=1)
        proj.project(apply_lever(a, {...}, 10))     # only the money is recomputed
    """

    def __init__(self, base: Assumptions, years: int, *, draws: int | None = None, seed=None,
                 sources=uncertainty.SOURCES, chunk: int = 250, keep_population: bool = False, model=None):
        check_run(years, chunk, draws)
        if draws is not None and seed is None:
            seed = pick_seed()   # one seed for every variant: common random numbers
        self.base, self.years, self.draws, self.seed = base, years, draws, seed
        self.sources = uncertainty.sources.check_sources(sources) if draws is not None else ()
        self.chunk, self.keep_population = chunk, keep_population
        self.model = (model or uncertainty.fit(base)) if draws is not None and self.sources else None
        self.key = population_key(base)
        self.inputs = resolve_inputs(base, flow_years(base, years))
        self._chunks = None
        self.reused = 0     # variants priced on the kept population

    def _populations(self):
        if self._chunks is None:
            bounds = chunk_bounds(self.draws or 1, self.chunk)
            dtype = POPULATION_DTYPE if self.draws is not None else np.float64
            self._chunks = [(b, *chunk_population(self.inputs, self.model, *b, self.seed, self.sources,
                                                  keep=self.keep_population, dtype=dtype))
                            for b in bounds]
        return self._chunks

    def project(self, variant: Assumptions | None = None) -> xr.Dataset:
        """The projection of ``variant`` (default: the base set)."""

        a = self.base if variant is None else variant
        inp = self.inputs if a is self.base else money_inputs(a, self.inputs)
        if (population_key(a) != self.key or a.config.indicators != self.base.config.indicators
                or not np.array_equal(inp.profiles, self.inputs.profiles)):   # the kept stock sums use the profiles
            return project(a, self.years, draws=self.draws, seed=self.seed, sources=self.sources or (),
                           chunk=self.chunk, keep_population=self.keep_population, model=self.model)
        parts = (((lo, hi), chunk_money(inp, dev, pop, self.keep_population)) for (lo, hi), dev, pop in self._populations())
        res = gather(parts, self.draws or 1)
        self.reused += 1
        return assemble_region(a, inp, res, self.years, self.seed, self.draws, self.sources, self.model)


__all__ = ["Projector"]
