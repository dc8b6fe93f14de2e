"""Summaries over draws: percentiles, breach probabilities, the distribution of the depletion
year."""

from __future__ import annotations

import xarray as xr

from ..errors import ProjectionError

DEFAULT_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)



def quantiles(obj, q=DEFAULT_QUANTILES):
    """Percentiles over ``draw`` as a ``quantile`` dimension (P5 .. P95 by default), attrs kept."""
    if "draw" not in obj.dims:
        raise ProjectionError("quantiles need a projection with a 'draw' dimension (run with draws=N)")
    if obj.chunks:   # stored draws (dask): a quantile needs every draw of a cell in one chunk
        obj = obj.chunk({"draw": -1})
    return obj.quantile(list(q), dim="draw", keep_attrs=True)


def probability(da: xr.DataArray, *, below=None, above=None) -> xr.DataArray:
    """Share of draws in which ``da`` is below (strictly) or above (strictly) a line, by the
    remaining dims (e.g. per year and scheme). Without a draw dim the result is 0 or 1."""
    if (below is None) == (above is None):
        raise ProjectionError("give exactly one of below= or above=")
    hit = da < below if below is not None else da > above
    out = hit.mean("draw") if "draw" in hit.dims else hit.astype(float)
    line = below if below is not None else above
    word = "below" if below is not None else "above"
    out.attrs = {"units": "1", "long_name": f"probability that {da.attrs.get('long_name', da.name)} is {word} {line}",
                 "threshold": float(line), "threshold_units": da.attrs.get("units", "")}
    return out


def depletion_distribution(ds: xr.Dataset) -> xr.Dataset:
    """Distribution over draws of the first year each fund's balance falls below zero:
    ``probability(scheme, year)`` of first depletion in that year, and ``never(scheme)``."""
    dy = ds["depletion_year"]
    if "draw" not in dy.dims:
        dy = dy.expand_dims(draw=[0])
    years = ds["year"].values
    prob = xr.concat([(dy == y).mean("draw") for y in years], dim=xr.DataArray(years, dims="year", name="year"))
    never = dy.isnull().mean("draw")
    return xr.Dataset({
        "probability": prob.transpose("scheme", "year").assign_attrs(
            units="1", long_name="probability that the balance first falls below zero in the year"),
        "never": never.assign_attrs(units="1", long_name="probability that the balance stays at or above zero over the horizon"),
        "cumulative_probability": prob.cumsum("year").transpose("scheme", "year").assign_attrs(
            units="1", long_name="probability of depletion by the end of the year"),
    })
