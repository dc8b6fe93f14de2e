"""The projection engine: resolved inputs -> chunk kernel -> executor -> assembly.

One public entry, :func:`project`. :mod:`.inputs` resolves an assumption set to best-estimate
arrays; :mod:`.kernel` runs one chunk of draws (a pure function of the inputs, the fitted
model, the draw range and the seed); :mod:`.executors` schedule chunks and gather them;
:mod:`.assembly` labels the arrays and computes the registered indicators.

Timing conventions
------------------
* ``year`` runs from the base year to base year + ``years``.
* ``population`` is the stock at 1 January of ``year``; births, deaths and migration are the
  flows during ``year``; so ``population[y+1] = population[y] + births + migration - deaths``.
* Money flows of ``year`` use member-years: the mean of the 1 January stocks of ``year`` and
  ``year + 1``. The engine therefore runs the population one year past the horizon (two when
  months of reserves are measured against next year's spending) and drops the extra years.
* ``balance`` is the closing balance at 31 December of ``year``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import xarray as xr

from .. import province, uncertainty
from ..errors import ProjectionError
from ..params import RegionSet
from .assembly import assemble, provenance
from .executors import EXECUTORS, chunk_bounds, local_chunk, run_chunks, run_on_client
from .inputs import Inputs, check_run, flow_years, resolve_inputs
from .kernel import run_chunk

DEFAULT_CHUNK = 250
POPULATION_DTYPE = np.float32
"""Precision of the population kept by age for every draw (the largest array of a run): persons
to about seven significant digits. Everything else — flows, totals, stock sums, money — is
computed and kept in float64, and a deterministic run keeps its population in float64."""


def project(assumptions, years: int = 10, *, draws: int | None = None, seed: int | None = None,
            sources=uncertainty.SOURCES, chunk: int | None = None, keep_population: bool = True,
            model=None, executor: str = "threads", workers: int | None = None, client=None,
            progress: bool | None = None) -> xr.Dataset:
    """Project every declared scheme of an assumption set (one region, or every region of a set).

    Parameters
    ----------
    assumptions : Assumptions or RegionSet
        From :func:`actuarial.load_assumptions`.
    years : int
        Horizon: the result covers the base year and the ``years`` years after it (at most 60).
    draws : int, optional
        Number of Monte Carlo draws. None (default) gives the deterministic best estimate with
        no ``draw`` dimension.
    seed : int, optional
        Seed of the random streams; the same seed gives the same numbers whatever ``chunk``,
        the executor or the number of workers. Every region of a set uses the same streams
        (common shocks across regions). With draws and no seed, one is picked and recorded in
        the ``seed`` attribute (``seed_picked`` says so), so the run can be repeated.
    sources : iterable of str
        Sources of uncertainty switched on (default all: ``actuarial.uncertainty.SOURCES``);
        an empty tuple gives every draw equal to the best estimate.
    chunk : int, optional
        Draws computed at once (bounds memory; results do not depend on it). Default: up to
        1,000 with at least four chunks a worker thread (:func:`.executors.local_chunk`), or
        :data:`DEFAULT_CHUNK` on a client.
    keep_population : bool
        Keep ``population(year, status, sex, age)`` for every draw (default). False keeps only
        ``population_total(year, status, sex)``: memory then no longer grows with draws x ages.
    model : StochasticModel, optional
        A fitted model (:func:`actuarial.uncertainty.fit`) to reuse; default: fitted from the
        assumption set (fits are cached by the data they read, so levers never refit).
    executor : {'threads', 'serial'}
        Where chunks run in this process (``workers`` threads).
    client : dask.distributed.Client, optional
        Run the chunks as tasks on this client's workers instead (a ``LocalCluster`` or an
        existing cluster); the numbers are the same as a local run with the same seed.
    progress : bool, optional
        Show a progress bar (default: on a terminal or in a notebook, not under ``CI``).

    Returns
    -------
    xarray.Dataset
        ``population``, ``income``, ``spending``, ``balance``, ``reserve_months``,
        ``surplus_rate`` (by ``scheme``), ``ledger_balance`` and the other ledger flows (by
        ``ledger``), ``dependency_ratio``, ``old_age_ratio``, ``depletion_year`` and the
        components behind them, each with ``units`` and ``long_name``; a ``region`` coordinate
        (a dimension for a set of several regions); a leading ``draw`` dim when ``draws`` is
        given; provenance (version, assumption hash, seed, levers) in attrs.
    """
    if chunk is None:   # on a cluster: the engine's default; here: larger chunks, four a thread at least
        chunk = DEFAULT_CHUNK if client is not None else local_chunk(draws, workers, DEFAULT_CHUNK)
    check_run(years, chunk, draws)
    picked = draws is not None and seed is None
    seed = pick_seed() if picked else seed
    opts = dict(draws=draws, seed=seed, sources=sources, chunk=chunk, keep_population=keep_population,
                executor=executor, workers=workers, client=client, progress=progress)
    if isinstance(assumptions, RegionSet):
        if model is not None:
            raise ProjectionError("a region set fits one model per region: leave model out")
        if not province.active(assumptions.config.province, None):
            parts = [project(a, years, **opts) for a in assumptions.regions]
        else:   # every region's kernel results first: the province pass needs them all at once
            raws = [run_raw(a, years, **opts) for a in assumptions.regions]
            names = list(assumptions.region_names)
            adjusted, pot = province.apply(names, [r[1] for r in raws], [r[2] for r in raws],
                                           assumptions.config.province)
            parts = [_assemble(a, inp, res, years, seed, draws, run_sources, mdl, names)
                     for (a, inp, _, run_sources, mdl), res in zip(raws, adjusted)]
        out = xr.concat(parts, dim="region", combine_attrs="drop_conflicts")
        if province.active(assumptions.config.province, None) and pot:
            out = province.attach(out, pot, [], draws is not None)
        out.attrs.update(title=f"Medical-insurance fund projection: {assumptions.config.title}",
                         assumption_set=assumptions.name, assumption_hash=assumptions.digest,
                         region=",".join(assumptions.region_names), seed_picked="yes" if picked else "no")
        return out
    a = assumptions
    a_inp, res, run_sources, mdl = run_raw(a, years, model=model, **opts)[1:]
    ds = assemble_region(a, a_inp, res, years, seed, draws, run_sources, mdl)
    if draws is not None:
        ds.attrs["seed_picked"] = "yes" if picked else "no"
    return ds


def run_raw(a, years: int, *, draws, seed, sources, chunk, keep_population, executor, workers, client, progress,
            model=None):
    """The kernel's results of one region, gathered over every chunk of draws, before
    assembly: (assumptions, inputs, results, sources used, fitted model)."""
    fy = flow_years(a, years)
    inp = resolve_inputs(a, fy)
    if draws is None:
        return a, inp, run_chunk(inp, None, 0, 1, seed=seed, sources=(), keep_population=keep_population), (), None
    sources = uncertainty.sources.check_sources(sources)
    model = uncertainty.fit(a) if model is None else model
    starts = [lo for lo, _ in chunk_bounds(draws, chunk)]
    # on a cluster every state is sent with the kernel; here each chunk finds its own as it begins
    states = (uncertainty.sources.stream_states(seed, starts, fy.size) if client is not None
              else uncertainty.sources.StreamStates(seed, starts, fy.size))
    kernel = partial(run_chunk, inp, model, seed=seed, sources=sources, keep_population=keep_population,
                     states=states, population_dtype=POPULATION_DTYPE)
    if client is not None:
        res = run_on_client(client, kernel, draws, chunk, progress_bar=progress)
    else:
        buffers = {"population": ((fy.size,) + inp.pop0.shape, POPULATION_DTYPE)} if keep_population else None
        res = run_chunks(kernel, draws, chunk, executor=executor, workers=workers, buffers=buffers,
                         progress_bar=progress)
    return a, inp, res, sources, model


def assemble_region(a, inp, res, years, seed, draws, sources, model) -> xr.Dataset:
    """One region's Dataset from its kernel results, with its own management actions (the
    file's ``actions`` section; no adjustment fund) applied first when it has them."""
    if a.config.actions is not None:
        res = province.apply([a.region], [inp], [res], None, a.config.actions)[0][0]
    return _assemble(a, inp, res, years, seed, draws, sources, model, [a.region])


def _assemble(a, inp, res, years, seed, draws, sources, model, names) -> xr.Dataset:
    extra = res.pop("_province", None)
    stochastic = draws is not None
    ds = assemble(a, inp, res, years, seed=seed, stochastic_run=stochastic, sources=sources, model=model)
    return province.attach(ds, extra, names, stochastic) if extra else ds


def pick_seed() -> int:
    """A fresh seed for a run with draws and none given (recorded in its outputs)."""
    import secrets
    return secrets.randbits(32)


__all__ = ["DEFAULT_CHUNK", "EXECUTORS", "Inputs", "assemble", "flow_years", "project", "provenance",
           "resolve_inputs", "run_chunk", "run_chunks"]
