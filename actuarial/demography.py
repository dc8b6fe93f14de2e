"""Demography: life tables, graduation, mortality and fertility paths, and the yearly
cohort-component step over (status, sex, age 0..100+).

Conventions
-----------
* Ages are completed years; the last age (100) is open (100 and over).
* Population stocks are at 1 January; a step moves them to 1 January of the next year.
* Survival in the projection uses period life-table survivorship ratios
  ``S_x = L_{x+1} / L_x`` (persons aged x at the start of the year alive and aged x+1 a year
  later), ``T_100 / T_99`` for the two oldest groups going into the open group, and
  ``L_0 / l_0`` for births during the year surviving to 1 January (Preston, Heuveline &
  Guillot 2001, ch. 6).
* Births during a year come from women of every status: ``sum_x f_x * (W_x(start) + W_x(end)) / 2``
  where ``W_x(end)`` are the survivors aged x at the end of the year (the same average of
  start and end female populations as in Preston et al. Box 6.2).

Every function here is vectorised over any leading dimensions (draws, years); none loops over
ages or sexes in Python.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import xarray as xr
from scipy.interpolate import PchipInterpolator

from .assumptions import AGES, SEXES, STATUSES, Retirement
from .errors import AssumptionError

STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}
SEX_INDEX = {s: i for i, s in enumerate(SEXES)}

# --------------------------------------------------------------------------------------------
# Life tables
# --------------------------------------------------------------------------------------------


def a0_andreev_kingkade(m0, sex: str | None = None):
    """Average years lived in the first year of life by those dying in it, from the infant
    central death rate m0: the Andreev-Kingkade (2015) rule in the form used by the Human
    Mortality Database (Methods Protocol v6). ``sex`` is 'female', 'male', or None for the mean
    of the two rules."""
    m0 = np.asarray(m0, dtype=float)
    male = np.where(m0 < 0.0230, 0.14929 - 1.99545 * m0,
                    np.where(m0 < 0.08307, 0.02832 + 3.26201 * m0, 0.29915))
    female = np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0,
                      np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))
    if sex == "male":
        return male
    if sex == "female":
        return female
    return (male + female) / 2


def a1_coale_demeny(m0, sex: str | None = None):
    """4a1 (average years lived in ages 1-4 by those dying there) by the Coale-Demeny rule as
    tabulated in Preston, Heuveline & Guillot (2001), Table 3.3."""
    m0 = np.asarray(m0, dtype=float)
    male = np.where(m0 >= 0.107, 1.352, 1.651 - 2.816 * m0)
    female = np.where(m0 >= 0.107, 1.361, 1.522 - 1.518 * m0)
    if sex == "male":
        return male
    if sex == "female":
        return female
    return (male + female) / 2


def _sex_rule(rule, m0: xr.DataArray, sex: str | None) -> xr.DataArray:
    """Apply a sex-specific rule to m0, reading sex from a 'sex' dim when there is one."""
    if "sex" in m0.dims:
        parts = [xr.DataArray(rule(m0.sel(sex=s).values, s if s in SEXES else None),
                              dims=m0.sel(sex=s).dims) for s in m0.sex.values]
        return xr.concat(parts, dim="sex").assign_coords(sex=m0.sex.values).transpose(*m0.dims)
    return xr.DataArray(rule(m0.values, sex), dims=m0.dims, coords=m0.coords)


def life_table(mx, ages=None, *, sex: str | None = None, a0=None, ax=None,
               radix: float = 1.0) -> xr.Dataset:
    """Period life table from central death rates.

    Parameters
    ----------
    mx : xarray.DataArray with an ``age`` dim, or array-like with ``ages``
        Central death rates (deaths per person-year) by age; any other dims (sex, year, draw)
        are carried through. The ages are the lower bounds of the intervals: single years
        (0, 1, 2, ...) or abridged (0, 1, 5, 10, ...); the last age is an open interval.
    sex : 'female', 'male' or None
        Chooses the sex-specific a0 (and 4a1) rule when ``mx`` has no ``sex`` dim; None takes
        the mean of the female and male rules.
    a0 : float or DataArray, optional
        Average years lived in [0, 1) by those who die there. Default: Andreev-Kingkade.
    ax : DataArray, optional
        Average years lived in each interval by those who die in it, for every age (overrides
        every default, including ``a0``).
    radix : float
        l_0.

    Default a_x rule: a0 by Andreev & Kingkade (2015, HMD protocol v6); 4a1 by Coale-Demeny
    (Preston et al. 2001, Table 3.3) when the table is abridged; 1/2 for other one-year
    intervals; for other intervals wider than a year, the value implied by a constant force
    of mortality within the interval (``1/m - n e^{-nm} / (1 - e^{-nm})``, close to n/2 at low
    mortality and never giving q > 1 at high mortality); 1/m for the open interval (so that
    L = l / m there).

    Returns
    -------
    xarray.Dataset with ``mx, n, ax, qx, px, lx, dx, Lx, Tx, ex`` over the same dims.
    ``qx = n m / (1 + (n - a) m)`` (capped at 1), ``qx = 1`` in the open interval.
    """
    if not isinstance(mx, xr.DataArray):
        if ages is None:
            raise ValueError("life_table: pass ages with a plain array of death rates")
        mx = xr.DataArray(np.asarray(mx, dtype=float), coords={"age": np.asarray(ages)}, dims="age")
    if "age" not in mx.dims:
        raise ValueError("life_table: mx needs an 'age' dimension")
    mx = mx.transpose(..., "age").astype(float)
    if (mx < 0).any() or not np.isfinite(mx.values).all() or (mx.isel(age=-1) <= 0).any():
        raise AssumptionError("death rates must be finite, non-negative at every age and positive "
                              "in the open age group", field="mx")
    age = mx["age"].values.astype(float)
    if age[0] != 0 or np.any(np.diff(age) <= 0):
        raise AssumptionError(f"ages {age.tolist()} must start at 0 and increase", field="age")
    width = np.append(np.diff(age), np.inf)
    m = mx.values
    if ax is not None:
        a = np.broadcast_to(np.asarray(ax.transpose(..., "age") if isinstance(ax, xr.DataArray) else ax,
                                       dtype=float), m.shape).copy()
    else:
        a = np.broadcast_to(width / 2, m.shape).copy()
        wide = np.isfinite(width) & (width > 1)
        if wide.any():  # constant force of mortality within intervals wider than a year
            mw = np.maximum(m[..., wide], 1e-12)
            nm = width[wide] * mw
            a[..., wide] = np.where(m[..., wide] > 0, 1.0 / mw - width[wide] * np.exp(-nm) / -np.expm1(-nm),
                                    width[wide] / 2)
        m0 = mx.isel(age=0, drop=True)
        a[..., 0] = (np.asarray(a0, dtype=float) if a0 is not None
                     else _sex_rule(a0_andreev_kingkade, m0, sex).values)
        if width.size > 2 and width[0] == 1 and width[1] == 4:
            a[..., 1] = _sex_rule(a1_coale_demeny, m0, sex).values
        a[..., -1] = 1.0 / m[..., -1]
    n = np.broadcast_to(width, m.shape)
    with np.errstate(invalid="ignore"):
        q = np.where(np.isinf(n), 1.0, n * m / (1 + (n - a) * m))
    q = np.clip(q, 0.0, 1.0)
    p = 1.0 - q
    lx = radix * np.concatenate([np.ones(m.shape[:-1] + (1,)), np.cumprod(p[..., :-1], axis=-1)], axis=-1)
    dx = lx * q
    l_next = np.concatenate([lx[..., 1:], np.zeros(m.shape[:-1] + (1,))], axis=-1)
    Lx = np.where(np.isinf(n), 0.0, n) * l_next + a * dx
    Lx[..., -1] = lx[..., -1] / m[..., -1]
    Tx = np.flip(np.cumsum(np.flip(Lx, -1), axis=-1), -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ex = np.where(lx > 0, Tx / lx, 0.0)
    dims, coords = mx.dims, mx.coords
    out = xr.Dataset({
        "mx": (dims, m, {"units": "deaths per person-year", "long_name": "central death rate"}),
        "n": ("age", width, {"units": "years", "long_name": "width of the age interval (inf = open)"}),
        "ax": (dims, a, {"units": "years", "long_name": "average years lived in the interval by those dying in it"}),
        "qx": (dims, q, {"units": "1", "long_name": "probability of dying in the interval"}),
        "px": (dims, p, {"units": "1", "long_name": "probability of surviving the interval"}),
        "lx": (dims, lx, {"units": "persons", "long_name": "survivors to the start of the interval"}),
        "dx": (dims, dx, {"units": "persons", "long_name": "deaths in the interval"}),
        "Lx": (dims, Lx, {"units": "person-years", "long_name": "person-years lived in the interval"}),
        "Tx": (dims, Tx, {"units": "person-years", "long_name": "person-years lived from the start of the interval on"}),
        "ex": (dims, ex, {"units": "years", "long_name": "life expectancy at the start of the interval"}),
    }, coords=coords)
    out.attrs["radix"] = radix
    return out


# --------------------------------------------------------------------------------------------
# Graduation
# --------------------------------------------------------------------------------------------


def graduate_counts(values, lower_bounds, *, open_last: bool = True, top: int = 100, axis: int = -1):
    """Split counts in age groups into single years, keeping every group total exactly.

    Method: monotone piecewise-cubic (PCHIP, Fritsch-Carlson) interpolation of the
    *cumulative* count at the group boundaries, differenced at whole ages. Because the
    cumulative curve passes through every boundary, each group's single years sum to its
    total; because it is monotone, no single year is negative.

    Parameters
    ----------
    values : array, groups along ``axis``
    lower_bounds : lower age of each group (e.g. 0, 5, ..., 95, 100)
    open_last : the last group is open (e.g. 100+) and is kept as it is, at age ``top``
    top : the open age (or, when ``open_last`` is False, the upper bound of the last group)

    Returns
    -------
    array with single ages ``lower_bounds[0] .. top`` along ``axis`` (``top`` included when
    ``open_last``, else ``lower_bounds[0] .. top - 1``).
    """
    v = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    lb = np.asarray(lower_bounds, dtype=float)
    if np.any(v < 0):
        raise ValueError("graduate_counts: counts must be non-negative")
    closed = v[..., :-1] if open_last else v
    edges = np.append(lb[: closed.shape[-1]], lb[closed.shape[-1]] if open_last else top)
    cum = np.concatenate([np.zeros(closed.shape[:-1] + (1,)), np.cumsum(closed, axis=-1)], axis=-1)
    grid = np.arange(edges[0], edges[-1] + 1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # flat segments
        single = np.diff(PchipInterpolator(edges, cum, axis=-1)(grid), axis=-1)
    single = np.nan_to_num(single, nan=0.0, posinf=0.0, neginf=0.0)
    single = np.clip(single, 0.0, None)
    # restore exact group totals after clipping round-off
    group_of = np.searchsorted(edges, grid[:-1], side="right") - 1
    sums = np.zeros(closed.shape)
    np.add.at(np.moveaxis(sums, -1, 0), group_of, np.moveaxis(single, -1, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(sums > 0, closed / sums, 0.0)
    single = single * np.take(scale, group_of, axis=-1)
    if open_last:
        single = np.concatenate([single, v[..., -1:]], axis=-1)
    return np.moveaxis(single, -1, axis)


def single_year_mx(mx: xr.DataArray, top: int = 100) -> xr.DataArray:
    """Single-year death rates (ages 0..top, top open) from a table on single or abridged ages.

    For abridged input (0, 1, 5, 10, ...) the survivorship l_x of the abridged life table is
    interpolated on the log scale with PCHIP at whole ages; single-year q_x follow as
    ``1 - l_{x+1}/l_x`` and are turned back into m_x with the same a_x rule as
    :func:`life_table`. Survival across each abridged interval is therefore kept exactly
    (``l_{x+n}/l_x`` unchanged), and so is the open group's rate."""
    ages = mx["age"].values
    if ages.size == top + 1 and np.array_equal(ages, np.arange(top + 1)):
        return mx
    if ages[-1] != top:
        raise AssumptionError(f"the open age group starts at {ages[-1]}, not {top}", field="age",
                              expected=f"a last (open) age group of {top}+")
    lt = life_table(mx)
    log_l = np.log(lt["lx"].transpose(..., "age").values)
    single_log_l = PchipInterpolator(ages.astype(float), log_l, axis=-1)(np.arange(top + 1.0))
    l_single = np.exp(single_log_l)
    q = 1.0 - l_single[..., 1:] / l_single[..., :-1]
    a = np.full(q.shape, 0.5)
    a[..., 0] = lt["ax"].transpose(..., "age").values[..., 0]
    m = q / (1.0 - (1.0 - a) * q)
    m_open = mx.transpose(..., "age").values[..., -1:]
    out = np.concatenate([m, m_open], axis=-1)
    dims = mx.transpose(..., "age").dims
    coords = {k: v for k, v in mx.coords.items() if k != "age"}
    coords["age"] = np.arange(top + 1)
    return xr.DataArray(out, dims=dims, coords=coords, attrs=dict(mx.attrs))


# --------------------------------------------------------------------------------------------
# Mortality and fertility paths
# --------------------------------------------------------------------------------------------


def mortality_path(table: xr.DataArray, years, improvement: xr.DataArray | None = None) -> xr.DataArray:
    """Single-year death rates for each calendar year.

    ``table`` holds mx by ``time`` (decimal year of the reference point, e.g. 2022.5 for the
    period 2020-2025), sex and age. Year t takes the rates at time t + 0.5 by linear
    interpolation of log mx between time points (held flat outside them). ``improvement``
    (fraction per year, by year) then lowers every rate by a further factor
    ``prod_{s=first+1..t} (1 - improvement_s)``.
    """
    years = np.asarray(years, dtype=int)
    times = table["time"].values.astype(float)
    log_m = np.log(table.transpose("time", ...).values)
    t = years + 0.5
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 1)
    nxt = np.clip(idx + 1, 0, len(times) - 1)
    span = np.where(nxt > idx, times[nxt] - times[idx], 1.0)
    w = np.clip((t - times[idx]) / span, 0.0, 1.0)
    w = np.where(nxt > idx, w, 0.0).reshape((-1,) + (1,) * (log_m.ndim - 1))
    interp = np.exp((1 - w) * log_m[idx] + w * log_m[nxt])
    dims = ("year",) + tuple(d for d in table.transpose("time", ...).dims if d != "time")
    coords = {"year": years, **{k: v for k, v in table.coords.items() if k != "time"}}
    mx = xr.DataArray(interp, dims=dims, coords=coords)
    if improvement is not None:
        factor = np.cumprod(np.concatenate([[1.0], 1.0 - improvement.values[1:]]))
        mx = mx * xr.DataArray(factor, coords={"year": years}, dims="year")
    mx = single_year_mx(mx)
    mx.attrs.update(units="deaths per person-year", long_name="central death rate by single age")
    return mx


def survival_from_mx(m: np.ndarray, a0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection survival ratios straight from single-year death rates, in numpy.

    ``m`` is (..., age 0..100) with 100 open, ``a0`` (...) the age-0 a_x; a_x = 1/2 at other
    closed ages, as in :func:`life_table`. With ``f_x = L_x / l_x = 1 - (1 - a_x) q_x``:

        S_x = p_x f_{x+1} / f_x  (x = 0..98),   S_99 = S_100 = T_100 / T_99 = r / (f_99 + r),
        r = p_99 / m_100,   births surviving to 1 January = f_0

    For x >= 1, ``q = m / (1 + m/2)`` makes this ``S_x = (1 - m_x/2) / (1 + m_{x+1}/2)``.
    Every step is elementwise (no cumulative product), so it runs fast over many draws.
    Returns (sx (..., age), birth_survival (...))."""
    m = np.asarray(m, dtype=float)
    half = 0.5 * m
    sx = np.empty(m.shape)
    denominator = np.add(half[..., 2:-1], 1.0)
    np.subtract(1.0, half[..., 1:-2], out=sx[..., 1:-2])
    sx[..., 1:-2] /= denominator
    m0 = m[..., 0]
    q0 = m0 / (1.0 + (1.0 - a0) * m0)
    f0 = 1.0 - (1.0 - a0) * q0
    sx[..., 0] = (1.0 - q0) / (f0 * (1.0 + half[..., 1]))
    p99 = (1.0 - half[..., -2]) / (1.0 + half[..., -2])
    r = p99 / m[..., -1]
    sx[..., -2:] = (r / (1.0 / (1.0 + half[..., -2]) + r))[..., None]
    return sx, f0


def a0_by_sex(m0: np.ndarray) -> np.ndarray:
    """Andreev-Kingkade a0 for an array whose last axis is sex (female, male)."""
    return np.stack([a0_andreev_kingkade(m0[..., i], s) for i, s in enumerate(SEXES)], axis=-1)


def survival_ratios(mx: xr.DataArray) -> xr.Dataset:
    """Projection survival ratios from single-year death rates (ages 0..100, 100 open), with a
    ``sex`` dim (female, male) for the sex-specific a0.

    Returns ``sx`` (..., age): the share of persons aged x at 1 January alive a year later
    (aged x+1, or still 100+), with ``sx[99] = sx[100] = T_100/T_99``; and ``birth_survival``
    (...): ``L_0 / l_0``, the share of the year's births alive at the next 1 January. Equal to
    the ratios of :func:`life_table`'s L_x and T_x (tested), computed by :func:`survival_from_mx`."""
    mx = mx.transpose(..., "sex", "age")
    m = mx.values
    sx, bs = survival_from_mx(m, a0_by_sex(m[..., 0]))
    coords = {k: v for k, v in mx.coords.items()}
    return xr.Dataset({
        "sx": (mx.dims, sx, {"units": "1", "long_name": "one-year survival ratio from age x to x+1"}),
        "birth_survival": (mx.dims[:-1], bs, {"units": "1", "long_name": "share of births alive at the next 1 January"}),
    }, coords=coords)


def fertility_rates(tfr: xr.DataArray, pattern: xr.DataArray) -> xr.DataArray:
    """Age-specific fertility rates (births per woman-year) = TFR x age pattern (which sums to
    1), so that the rates sum to the TFR in every year."""
    f = tfr * pattern
    f.attrs.update(units="births per woman-year", long_name="age-specific fertility rate")
    return f


# --------------------------------------------------------------------------------------------
# Retirement under the statutory schedule
# --------------------------------------------------------------------------------------------


def _months(d: date) -> int:
    return d.year * 12 + d.month - 1


def retirement_age_months(birth_month: np.ndarray, start_age: float, target_age: float,
                          months_per_delay: float, reform_start: int) -> np.ndarray:
    """Statutory retirement age (in months) of people born in ``birth_month`` (months since year 0).

    Before the reform everyone retires at ``start_age``. Someone whose original retirement
    date falls on or after 1 January of ``reform_start`` waits one month more for every
    ``months_per_delay`` months between the reform start and that date (the first month
    counting as one), up to ``target_age`` (the 2025 reform: men 60 -> 63 and women cadres
    55 -> 58 one month per 4 months; women workers 50 -> 55 one month per 2 months)."""
    original = birth_month + start_age * 12
    since = original - reform_start * 12
    delay = np.where(since >= 0, np.floor(since / months_per_delay) + 1, 0)
    delay = np.minimum(delay, round((target_age - start_age) * 12))
    return start_age * 12 + delay


def retired_share(retirement: Retirement, years, ages=AGES) -> xr.DataArray:
    """Share of each single-age cohort past its statutory retirement age at 1 January of each
    year, by sex (groups mixed by ``share_of_sex``; birth months spread evenly over the year of
    age: people aged x at 1 January T were born in the 12 months ending T - x)."""
    years = np.asarray(years, dtype=int)
    ages = np.asarray(ages)
    month_mid = np.arange(12) + 0.5
    # births of people aged x at 1 Jan T: months [T*12 - 12(x+1), T*12 - 12x)
    birth = (years[:, None, None] * 12 - 12 * (ages[None, :, None] + 1) + month_mid[None, None, :])
    out = np.zeros((len(SEXES), years.size, ages.size))
    for group in retirement.groups.values():
        r = retirement_age_months(birth, group.start_age, group.target_age,
                                  group.months_of_birth_per_month_of_delay, retirement.reform_start)
        retired = (birth + r) <= years[:, None, None] * 12
        out[SEX_INDEX[group.sex]] += group.share_of_sex * retired.mean(axis=-1)
    return xr.DataArray(out, dims=("sex", "year", "age"),
                        coords={"sex": list(SEXES), "year": years, "age": ages},
                        attrs={"units": "1", "long_name": "share of the cohort past statutory retirement age"})


def retirement_hazard(share: xr.DataArray) -> xr.DataArray:
    """Share of active members aged x at 1 January of year T (after ageing) who retire in the
    step into T: ``(pi(T, x) - pi(T-1, x-1)) / (1 - pi(T-1, x-1))`` where pi is
    :func:`retired_share`; 1 where the whole cohort was already past the age. The first year
    of ``share`` is the base and has no step into it (its hazard is 0)."""
    pi = share.transpose("sex", "year", "age").values
    prev = np.zeros_like(pi)
    prev[:, 1:, 1:] = pi[:, :-1, :-1]
    prev[:, 1:, -1] = pi[:, :-1, -1]  # open group
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(prev < 1, (pi - prev) / (1 - prev), 1.0)
    h = np.clip(h, 0.0, 1.0)
    h[:, 0, :] = 0.0
    return xr.DataArray(h, dims=("sex", "year", "age"), coords=share.coords,
                        attrs={"units": "fraction per year",
                               "long_name": "share of active members retiring in the step into the year"})


# --------------------------------------------------------------------------------------------
# The cohort-component step (numpy on arrays shaped (..., status, sex, age))
# --------------------------------------------------------------------------------------------


def survive_and_age(pop: np.ndarray, sx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Step 1-2: survivors of ``pop`` (..., status, sex, age) one year on, one age older. The
    open group keeps its survivors and receives the survivors of age 99. Age 0 is left empty
    for the newborns. ``sx`` is (..., sex, age); ``out`` (optional) receives the result."""
    s = sx[..., None, :, :]
    out = np.empty_like(pop) if out is None else out
    np.multiply(pop[..., :-2], s[..., :-2], out=out[..., 1:-1])
    out[..., -1] = pop[..., -2] * s[..., -2] + pop[..., -1] * s[..., -1]
    out[..., 0] = 0.0
    return out


def deaths_among(pop: np.ndarray, sx: np.ndarray) -> np.ndarray:
    """Deaths during the year among ``pop`` (..., status, sex, age), by sex: sum (1 - S_x) N_x."""
    by_sex_age = pop[..., 0, :, :] + pop[..., 1, :, :]
    for i in range(2, pop.shape[-3]):   # statuses: slice sums beat a strided reduction
        by_sex_age += pop[..., i, :, :]
    return np.sum(by_sex_age * (1.0 - sx), axis=-1)


def births(women_start: np.ndarray, women_end: np.ndarray, fertility: np.ndarray) -> np.ndarray:
    """Step 3: births in the year from women of every status: ``sum_x f_x * (W_start + W_end)/2``.
    ``women_*`` are (..., age) summed over status; returns (...)."""
    return np.sum(fertility * 0.5 * (women_start + women_end), axis=-1)


def split_births(total: np.ndarray, srb: np.ndarray) -> np.ndarray:
    """Births by sex (..., sex) from the total and the sex ratio at birth (males per female)."""
    male = total * srb / (1 + srb)
    return np.stack([total - male, male], axis=-1)


def transitions(pop: np.ndarray, entry: np.ndarray, exit_: np.ndarray, retire: np.ndarray,
                eligible: np.ndarray | float, *, inplace: bool = False) -> np.ndarray:
    """Step 4: moves between statuses at the new ages. ``entry`` (resident -> active) and
    ``exit_`` (active -> resident) act first; then ``retire`` (share of remaining actives
    reaching the statutory age); of those retiring, the ``eligible`` share with enough
    contribution years become retirees and the rest join the resident group. Rates are
    (..., sex, age) (``eligible`` broadcasts over sex and age); the status totals are unchanged.
    With ``inplace`` the moves are made in ``pop`` itself (no copy)."""
    out = pop if inplace else pop.copy()
    a, r, o = STATUS_INDEX["active"], STATUS_INDEX["retired"], STATUS_INDEX["resident"]
    act, ret, res = out[..., a, :, :], out[..., r, :, :], out[..., o, :, :]
    net_in = res * entry
    tmp = act * exit_
    net_in -= tmp
    act += net_in
    res -= net_in
    retiring = np.multiply(act, retire, out=net_in)
    act -= retiring
    kept = np.multiply(retiring, np.asarray(eligible)[..., None, None], out=tmp)
    ret += kept
    retiring -= kept
    res += retiring
    return out


def migrate(pop: np.ndarray, migrants: np.ndarray, *, inplace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Step 5: add net migrants (status, sex, age) to ``pop`` (..., status, sex, age); an outflow
    larger than the group is capped at the group so that no count goes negative. Only the
    cells with migrants are touched. Returns the population and the migration applied by sex
    (..., sex)."""
    out = pop if inplace else pop.copy()
    lead = out.shape[:-3]
    flat = out.reshape(lead + (-1,))
    cells = np.flatnonzero(migrants)
    current = flat[..., cells]
    applied = np.maximum(migrants.reshape(-1)[cells], -current)
    flat[..., cells] = current + applied
    sex_of_cell = (cells // migrants.shape[-1]) % migrants.shape[-2]
    by_sex = np.zeros(lead + (migrants.shape[-2],))
    for i in range(migrants.shape[-2]):   # two sexes; cumsum adds strictly in order, so the sums
        seg = applied[..., sex_of_cell == i]   # do not depend on how many draws run at once
        if seg.shape[-1]:
            by_sex[..., i] = np.cumsum(seg, axis=-1)[..., -1]
    return out, by_sex


def enrolled_share(resident_rate, newborn_rate) -> np.ndarray:
    """Share of the resident group enrolled in the resident scheme by age (..., age): the
    newborn rate at age 0 and the general rate at ages 1+."""
    rate = np.repeat(np.asarray(resident_rate, dtype=float)[..., None], AGES.size, axis=-1)
    rate[..., 0] = newborn_rate
    return rate
