"""Demography: graduation, mortality and fertility paths, the retirement schedule, and the
yearly cohort-component step over (status, sex, age 0..100+). Life tables and survival ratios
are in :mod:`actuarial.lifetable`.

Conventions
-----------
* Ages are completed years; the last age (100) is open (100 and over).
* Population stocks are at 1 January; a step moves them to 1 January of the next year.
* Survival uses the life-table survivorship ratios of :mod:`actuarial.lifetable`.
* Births during a year come from women of every status: ``sum_x f_x * (W_x(start) + W_x(end)) / 2``
  where ``W_x(end)`` are the survivors aged x at the end of the year (the same average of
  start and end female populations as in Preston et al. Box 6.2).

Every function here is vectorised over any leading dimensions (draws, years); none loops over
ages or sexes in Python.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import date

import numpy as np
import xarray as xr
from scipy import special

from .dims import AGES, SEX_INDEX, SEXES, STATUS_INDEX
from .errors import AssumptionError
from .lifetable import life_table
from .params import Retirement

# --------------------------------------------------------------------------------------------


def pchip(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Monotone piecewise-cubic Hermite interpolation (PCHIP, Fritsch & Butland 1984) of ``y``
    (..., n) given at the increasing points ``x`` (n,), evaluated at ``at`` within
    ``[x[0], x[-1]]``. The arithmetic of ``scipy.interpolate.PchipInterpolator`` (tested equal to
    it), written here because importing scipy.interpolate costs a run about 0.4 s.

    Slopes: at an interior point the weighted harmonic mean of the two secant slopes
    ``m_{k-1}, m_k`` (weights ``2h_k + h_{k-1}``, ``h_k + 2h_{k-1}``), zero where they differ in
    sign or either is zero; at the ends the one-sided three-point estimate, set to zero when its
    sign differs from the end secant's and limited to three times it when the first two secants
    differ in sign. On [x_k, x_{k+1}] with s = t - x_k: ``y_k + d_k s + c_1 s^2 + c_0 s^3``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    h = np.diff(x)
    m = np.diff(y, axis=-1) / h
    if x.size == 2:
        d = np.concatenate([m, m], axis=-1)
    else:
        w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
        flat = (np.sign(m[..., 1:]) != np.sign(m[..., :-1])) | (m[..., 1:] == 0) | (m[..., :-1] == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = np.where(flat, 0.0, 1.0 / ((w1 / m[..., :-1] + w2 / m[..., 1:]) / (w1 + w2)))

        def end(h0, h1, m0, m1):
            e = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
            limit = (np.sign(m0) != np.sign(m1)) & (np.abs(e) > 3.0 * np.abs(m0))
            return np.where(np.sign(e) != np.sign(m0), 0.0, np.where(limit, 3.0 * m0, e))
        d = np.concatenate([end(h[0], h[1], m[..., :1], m[..., 1:2]), inner,
                            end(h[-1], h[-2], m[..., -1:], m[..., -2:-1])], axis=-1)
    t = (d[..., :-1] + d[..., 1:] - 2 * m) / h
    c0, c1 = t / h, (m - d[..., :-1]) / h - t
    k = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
    s = at - x[k]
    s2 = s * s
    return ((y[..., :-1][..., k] + d[..., :-1][..., k] * s) + c1[..., k] * s2) + c0[..., k] * (s2 * s)


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
        single = np.diff(pchip(edges, cum, grid), axis=-1)
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
    single_log_l = pchip(ages.astype(float), log_l, np.arange(top + 1.0))
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


_MORTALITY_PATHS: "OrderedDict[bytes, xr.DataArray]" = OrderedDict()


def _path_key(table: xr.DataArray, years: np.ndarray, improvement) -> bytes:
    """A digest of everything :func:`mortality_path` reads: the table's values, dims and
    coordinates, the years and the improvement."""
    h = hashlib.sha256(repr((table.dims, table.dtype.str, table.shape)).encode())
    for name in sorted(table.coords):
        c = table.coords[name]
        h.update(repr((name, c.dims, c.dtype.str)).encode())
        h.update(np.ascontiguousarray(c.values).tobytes() if c.dtype.kind != "O" else repr(c.values.tolist()).encode())
    h.update(np.ascontiguousarray(table.values).tobytes())
    h.update(years.tobytes())
    h.update(b"-" if improvement is None else np.ascontiguousarray(np.asarray(improvement.values, dtype=float)).tobytes())
    return h.digest()


def mortality_path(table: xr.DataArray, years, improvement: xr.DataArray | None = None) -> xr.DataArray:
    """Single-year death rates for each calendar year.

    ``table`` holds mx by ``time`` (decimal year of the reference point, e.g. 2022.5 for the
    period 2020-2025), sex and age. Year t takes the rates at time t + 0.5 by linear
    interpolation of log mx between time points (held flat outside them). ``improvement``
    (fraction per year, by year) then lowers every rate by a further factor
    ``prod_{s=first+1..t} (1 - improvement_s)``.

    The path of the same table, years and improvement is computed once per process and handed
    out as a copy: resolving a projection's inputs spent a third of its time here (the
    abridged life tables and their graduation), again for every variant a solver or a policy
    comparison projects.
    """
    years = np.asarray(years, dtype=int)
    key = _path_key(table, years, improvement)
    hit = _MORTALITY_PATHS.get(key)
    if hit is None:
        hit = _MORTALITY_PATHS[key] = _mortality_path(table, years, improvement)
        while len(_MORTALITY_PATHS) > 32:
            _MORTALITY_PATHS.popitem(last=False)
    else:
        _MORTALITY_PATHS.move_to_end(key)
    return hit.copy(deep=True)


def _mortality_path(table: xr.DataArray, years: np.ndarray, improvement: xr.DataArray | None) -> xr.DataArray:
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


def retirement_keep_share(mean_years, minimum, spread, pay_up) -> np.ndarray:
    """Share of a retiring cohort that keeps employee-scheme membership under the
    contribution-years rule: ``P(Y >= minimum) + (1 - P(Y >= minimum)) * pay_up`` with the
    years ``Y`` of the cohort's members normal around the cohort mean ``mean_years`` with
    standard deviation ``spread`` (a step at the minimum when ``spread`` is 0); ``pay_up`` is
    the share of those short of the minimum who pay the missing years. Years, broadcast."""
    z = np.asarray(mean_years, dtype=float) - minimum
    if spread > 0:
        meet = 0.5 * (1.0 + special.erf(z / (spread * np.sqrt(2.0))))
    else:
        meet = (z >= 0).astype(float)
    return meet + (1.0 - meet) * pay_up


def transitions(pop: np.ndarray, entry: np.ndarray, exit_: np.ndarray, retire: np.ndarray,
                eligible: np.ndarray | float, *, flexible: tuple | None = None, years: np.ndarray | None = None,
                rule: tuple | None = None, inplace: bool = False) -> np.ndarray:
    """Step 4: moves between statuses at the new ages. ``entry`` (resident -> active) and
    ``exit_`` (active -> resident) and, with ``flexible = (entry, exit)``, resident -> flexible
    and flexible -> resident act first, all on the stocks after ageing; then ``retire`` (share of
    remaining active and flexible members reaching the statutory age); of those retiring, the
    ``eligible`` share with enough contribution years become retirees and the rest join the
    resident group. Rates are (..., sex, age) (``eligible`` broadcasts over sex and age); the
    total over statuses is unchanged. With ``inplace`` the moves are made in ``pop`` itself.

    ``years`` (same shape as ``pop``): total contribution years held by each cell's persons,
    moved with them (movers carry their cell's mean) and updated in place. With ``rule =
    (minimum (..., sex), spread, pay_up)`` the kept share of each retiring cell is
    :func:`retirement_keep_share` of the cell's mean years instead of ``eligible``."""
    out = pop if inplace else pop.copy()
    a, f, r, o = (STATUS_INDEX[k] for k in ("active", "flexible", "retired", "resident"))
    act, flx, ret, res = out[..., a, :, :], out[..., f, :, :], out[..., r, :, :], out[..., o, :, :]
    fe, fx = flexible if flexible is not None else (0.0, 0.0)
    if years is not None:
        za, zf, zr, zo = years[..., a, :, :], years[..., f, :, :], years[..., r, :, :], years[..., o, :, :]
        z_in_a, z_in_f = zo * entry, zo * fe
        z_net_a, z_net_f = z_in_a - za * exit_, z_in_f - zf * fx
        za += z_net_a
        zf += z_net_f
        zo -= z_net_a
        zo -= z_net_f
    net_in = res * entry
    net_flex = res * fe - flx * fx
    tmp = act * exit_
    net_in -= tmp
    act += net_in
    res -= net_in
    flx += net_flex
    res -= net_flex
    if rule is not None:
        minimum, spread, pay_up = rule
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_a = np.where(act > 0, za / np.where(act > 0, act, 1.0), 0.0)
            mean_f = np.where(flx > 0, zf / np.where(flx > 0, flx, 1.0), 0.0)
        keep_a = retirement_keep_share(mean_a, np.asarray(minimum)[..., None], spread, pay_up)
        keep_f = retirement_keep_share(mean_f, np.asarray(minimum)[..., None], spread, pay_up)
    else:
        keep_a = keep_f = np.asarray(eligible)[..., None, None]
    retiring = np.multiply(act, retire, out=net_in)
    act -= retiring
    kept = np.multiply(retiring, keep_a, out=tmp)
    ret += kept
    retiring -= kept
    res += retiring
    retiring_f = flx * retire
    flx -= retiring_f
    kept_f = retiring_f * keep_f
    ret += kept_f
    retiring_f -= kept_f
    res += retiring_f
    if years is not None:
        for z, keep in ((za, keep_a), (zf, keep_f)):
            z_out = z * retire
            z -= z_out
            zr += z_out * keep
            zo += z_out * (1.0 - keep)
    return out


def survive_and_age_years(years: np.ndarray, pop: np.ndarray, sx: np.ndarray, contributing,
                          out: np.ndarray | None = None) -> np.ndarray:
    """Total contribution years (..., status, sex, age) one year on: every member of a
    ``contributing`` status (indices) at 1 January accrues one year, and the survivors keep
    their years as they age (the cohort's mean years of the dead equal the survivors')."""
    z = years.copy()
    z[..., list(contributing), :, :] += pop[..., list(contributing), :, :]
    return survive_and_age(z, sx, out=out)


def migrate_years(years: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Contribution years after migration, in place: migrants carry their cell's mean years
    (a cell that was empty receives migrants with none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        years *= np.where(before > 0, after / np.where(before > 0, before, 1.0), 0.0)
    return years


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
