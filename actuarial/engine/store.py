"""Runs too large to hold in memory: per-draw summaries written to Zarr chunk by chunk.

:func:`project_to_zarr` runs the kernel on chunks of draws (on a dask.distributed client's
workers, or here) and writes each chunk's *summary* — the fund money by scheme, every ledger's
balance, insured members, population totals by status and sex, and every stored indicator of
the registry — into its own
region of one Zarr store along ``draw``. Nothing is gathered: a worker computes a chunk,
writes it and returns, so memory is bounded by a chunk whatever the number of draws. The store
is written into a temporary folder renamed at the end, so a crash never leaves a half-written
store under the final name. :func:`open_summary` opens it lazily (dask arrays), and
:mod:`actuarial.uncertainty.summaries` and :mod:`actuarial.alerts` compute percentiles and
breach probabilities from the stored draws.

The numbers are those of :func:`actuarial.project` with ``keep_population=False`` and the same
seed, draw by draw (tested).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import xarray as xr

from .. import indicators, uncertainty
from ..errors import ProjectionError
from ..params import Assumptions
from .assembly import assemble
from .executors import chunk_bounds, progress
from .inputs import Inputs, check_run, flow_years, resolve_inputs
from .kernel import run_chunk


SUMMARY = ("income", "spending", "balance", "ledger_balance", "insured", "population_total")
"""Variables kept per draw besides the stored indicators of the registry."""


def _chunk_summary(a: Assumptions, inp: Inputs, model, lo: int, hi: int, seed, sources, years: int,
                   states: dict | None = None) -> xr.Dataset:
    res = run_chunk(inp, model, lo, hi, seed, sources, keep_population=False, states=states)
    ds = assemble(a, inp, res, years, seed=seed, stochastic_run=True, sources=sources, model=model)
    keep = list(SUMMARY) + [i.identifier for i in indicators.INDICATORS.values() if i.stored]
    return ds[keep].assign_coords(draw=np.arange(lo, hi))


def _write_chunk(a, inp, model, lo, hi, seed, sources, years, path: str, state: dict | None = None) -> int:
    ds = _chunk_summary(a, inp, model, lo, hi, seed, sources, years, {lo: state} if state else None)
    ds.drop_vars([c for c in ds.coords if "draw" not in ds[c].dims]).to_zarr(
        path, region={"draw": slice(lo, hi)}, mode="r+", consolidated=False, zarr_format=2)
    return hi - lo


def project_to_zarr(a: Assumptions, path, years: int = 10, *, draws: int, seed: int,
                    sources=uncertainty.SOURCES, chunk: int = 10_000, client=None, model=None,
                    progress_bar: bool | None = None) -> Path:
    """Project ``draws`` draws of ``a`` and store their per-draw summaries in the Zarr store
    ``path`` (one Zarr chunk per chunk of draws). Returns the path."""
    check_run(years, chunk, draws)
    path = Path(path)
    if path.exists():
        raise ProjectionError(f"{path}: already exists; choose a new path for the store")
    sources = uncertainty.sources.check_sources(sources)
    model = uncertainty.fit(a) if model is None else model
    inp = resolve_inputs(a, flow_years(a, years))
    tmp = path.with_name(path.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)          # left by a run that was killed
    first = _chunk_summary(a, inp, model, 0, 1, seed, sources, years)
    template = xr.Dataset(
        {v: (da.dims, _lazy_zeros((draws,) + da.shape[1:], chunk, da.dtype), da.attrs)
         for v, da in first.data_vars.items()},
        coords={**{c: first[c] for c in first.coords if c != "draw"}, "draw": np.arange(draws)},
        attrs=dict(first.attrs, draws=draws))
    template.to_zarr(tmp, compute=False, mode="w", consolidated=False, zarr_format=2)
    bounds = chunk_bounds(draws, chunk)
    states = uncertainty.sources.stream_states(seed, [lo for lo, _ in bounds], inp.flow_years.size)
    if client is not None:
        parts = client.scatter([a, inp, model], broadcast=True, hash=False)
        futures = [client.submit(_write_chunk, *parts, lo, hi, seed, sources, years, str(tmp), states[lo], pure=False)
                   for lo, hi in bounds]
        for fut in progress(futures, len(futures), "draws to Zarr (cluster)", progress_bar):
            fut.result()
            fut.release()
    else:
        for lo, hi in progress(bounds, len(bounds), "draws to Zarr", progress_bar):
            _write_chunk(a, inp, model, lo, hi, seed, sources, years, str(tmp), states[lo])
    import zarr
    zarr.consolidate_metadata(str(tmp), zarr_format=2)
    tmp.rename(path)
    return path


def _lazy_zeros(shape, chunk: int, dtype):
    import dask.array as da
    return da.zeros(shape, chunks=(chunk,) + shape[1:], dtype=dtype)


def open_summary(path) -> xr.Dataset:
    """A store written by :func:`project_to_zarr`, opened lazily (dask arrays along ``draw``)."""
    path = Path(path)
    if not path.exists():
        raise ProjectionError(f"{path}: no such Zarr store")
    return xr.open_zarr(path, consolidated=True)


__all__ = ["open_summary", "project_to_zarr"]
