"""The province as a whole, and tables by region and for the province.

:func:`province_view` sums over ``region`` the variables that add up (money in CNY, persons,
person-years) and recomputes every stored indicator of the registry from the sums (months of
reserves = summed balance / (summed spending / 12), surplus rate from summed income and
spending, the ratios from summed persons): a ratio is never summed or averaged. Factors and
rates (``trend_index``, ``action_rate_factor``) have no province total and are left out.
:func:`with_province` appends the view to the regions as one more region, ``province``, so
warning rules (:func:`actuarial.alerts.evaluate`), summaries and exports treat it like a city.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from .. import indicators
from ..report.budget import budget_tables

ADDITIVE_UNITS = ("CNY", "persons", "person-years")
PROVINCE = "province"


def province_view(ds: xr.Dataset) -> xr.Dataset:
    """The province total of a projection with a ``region`` dimension (see the module doc)."""
    if "region" not in ds.dims:
        raise ValueError("province_view needs a projection with a region dimension (a set of regions)")
    names = [v for v in ds.data_vars if "region" in ds[v].dims and ds[v].attrs.get("units") in ADDITIVE_UNITS]
    total = ds[names].sum("region", keep_attrs=True)
    for v in names:
        total[v].attrs = dict(ds[v].attrs)
    total.attrs = dict(ds.attrs, region=PROVINCE)
    over = [i for i in indicators.INDICATORS.values() if i.stored and i.identifier in ds]
    for ind in sorted(over, key=lambda i: not i.over_years):   # per-year ones first, then e.g. the depletion year
        try:
            total[ind.identifier] = ind.compute(total).assign_attrs(ind.attrs)
        except KeyError:      # an input the totals lack (e.g. age sums of a run without the population)
            continue
    for v in [v for v in ds.data_vars if "region" not in ds[v].dims]:
        total[v] = ds[v]       # province-level outputs (the adjustment fund's own balance)
    return total.assign_coords(region=PROVINCE)


def with_province(ds: xr.Dataset) -> xr.Dataset:
    """The regions and the province total along ``region`` (the variables both have)."""
    total = province_view(ds)
    keep = [v for v in total.data_vars if v in ds and "region" in ds[v].dims]
    return xr.concat([ds[keep], total[keep].expand_dims("region")], dim="region", combine_attrs="override")


def budget_by_region(ds: xr.Dataset, **kwargs) -> dict[str, dict[str, pd.DataFrame]]:
    """Budget tables (:func:`actuarial.report.budget.budget_tables`) of every region and of the
    province: {region: {scheme: table}}."""
    both = with_province(ds)
    return {str(r): budget_tables(both.sel(region=r), **kwargs) for r in both["region"].values}
