"""Life tables and projection survival ratios from central death rates.

* a_x: a0 by a named rule (:data:`A0_RULES`: Andreev-Kingkade, the HMD's rule since protocol
  v6, by default; Coale-Demeny; a fixed one half) or given values; Coale-Demeny for 4a1; one
  half in single-year intervals; the constant-force value in wider intervals.
* Sex labels are 'female' and 'male'; any other label is an error (it never falls back on a
  blended rule unnoticed). ``sex=None`` asks for the mean of the two sexes' rules on purpose.
* An open age group with no survivors (l = 0) or no one observed in it (m = 0) lives no
  person-years there (L = 0), as R's ``vital::life_table`` does.
* Survival in the projection uses period life-table survivorship ratios
  ``S_x = L_{x+1} / L_x`` (persons aged x at the start of the year alive and aged x+1 a year
  later), ``T_100 / T_99`` for the two oldest groups going into the open group, and
  ``L_0 / l_0`` for births during the year surviving to 1 January (Preston, Heuveline &
  Guillot 2001, ch. 6); :func:`survival_from_mx` computes them elementwise for many draws.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .dims import SEXES
from .errors import AssumptionError

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


def a0_coale_demeny(m0, sex: str | None = None):
    """a0 by the Coale-Demeny rule (Preston, Heuveline & Guillot 2001, Table 3.3): males
    0.045 + 2.684 m0, females 0.053 + 2.800 m0 when m0 < 0.107, else 0.330 and 0.350; None
    gives the mean of the two (0.049 + 2.742 m0, else 0.340), the rule ``vital`` applies to
    labels other than 'female'/'male'."""
    m0 = np.asarray(m0, dtype=float)
    male = np.where(m0 >= 0.107, 0.330, 0.045 + 2.684 * m0)
    female = np.where(m0 >= 0.107, 0.350, 0.053 + 2.800 * m0)
    if sex == "male":
        return male
    if sex == "female":
        return female
    return (male + female) / 2


def a0_half(m0, sex: str | None = None):
    """a0 = 1/2, the rule used for every other single-year interval."""
    return np.full(np.shape(m0), 0.5)


A0_RULES = {"andreev-kingkade": a0_andreev_kingkade, "coale-demeny": a0_coale_demeny, "half": a0_half}


def get_a0_rule(name: str):
    """The a0 function of a rule named in :data:`A0_RULES`."""
    if name not in A0_RULES:
        raise AssumptionError(f"unknown a0 rule {name!r}", field="a0_rule", expected=f"one of {sorted(A0_RULES)}")
    return A0_RULES[name]


def check_sex(sex) -> None:
    """A sex label must be 'female' or 'male' (or None for the mean of both rules)."""
    if sex is not None and sex not in SEXES:
        raise AssumptionError(f"unknown sex label {sex!r}", field="sex",
                              expected="'female' or 'male' (lower case), or None for the mean of both rules")


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
        for s in m0.sex.values:
            check_sex(s)
        parts = [xr.DataArray(rule(m0.sel(sex=s).values, s), dims=m0.sel(sex=s).dims) for s in m0.sex.values]
        return xr.concat(parts, dim="sex").assign_coords(sex=m0.sex.values).transpose(*m0.dims)
    return xr.DataArray(rule(m0.values, sex), dims=m0.dims, coords=m0.coords)


def life_table(mx, ages=None, *, sex: str | None = None, a0=None, ax=None,
               radix: float = 1.0, a0_rule: str = "andreev-kingkade") -> xr.Dataset:
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
        Average years lived in [0, 1) by those who die there (user values; overrides
        ``a0_rule``).
    a0_rule : 'andreev-kingkade' (default), 'coale-demeny' or 'half'
        The rule giving a0 from m0 when ``a0`` is not given (see :data:`A0_RULES`).
    ax : DataArray, optional
        Average years lived in each interval by those who die in it, for every age (overrides
        every default, including ``a0``).
    radix : float
        l_0.

    Default a_x rule: a0 by ``a0_rule`` (Andreev & Kingkade 2015, HMD protocol v6); 4a1 by Coale-Demeny
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
    check_sex(sex)
    rule = a0_rule if callable(a0_rule) else get_a0_rule(a0_rule)
    if (mx < 0).any() or not np.isfinite(mx.values).all():
        raise AssumptionError("death rates must be finite and non-negative at every age", field="mx")
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
                     else _sex_rule(rule, m0, sex).values)
        if width.size > 2 and width[0] == 1 and width[1] == 4:
            a[..., 1] = _sex_rule(a1_coale_demeny, m0, sex).values
        with np.errstate(divide="ignore"):
            a[..., -1] = np.where(m[..., -1] > 0, 1.0 / np.where(m[..., -1] > 0, m[..., -1], 1.0), 0.0)
    n = np.broadcast_to(width, m.shape)
    with np.errstate(invalid="ignore"):
        q = np.where(np.isinf(n), 1.0, n * m / (1 + (n - a) * m))
    q = np.clip(q, 0.0, 1.0)
    p = 1.0 - q
    lx = radix * np.concatenate([np.ones(m.shape[:-1] + (1,)), np.cumprod(p[..., :-1], axis=-1)], axis=-1)
    dx = lx * q
    l_next = np.concatenate([lx[..., 1:], np.zeros(m.shape[:-1] + (1,))], axis=-1)
    Lx = np.where(np.isinf(n), 0.0, n) * l_next + a * dx
    open_m = m[..., -1]
    Lx[..., -1] = np.where(open_m > 0, lx[..., -1] / np.where(open_m > 0, open_m, 1.0), 0.0)
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


def a0_by_sex(m0: np.ndarray, rule: str = "andreev-kingkade") -> np.ndarray:
    """a0 by a named rule (default Andreev-Kingkade) for an array whose last axis is sex
    (female, male)."""
    f = a0_andreev_kingkade if rule == "andreev-kingkade" else get_a0_rule(rule)
    return np.stack([f(m0[..., i], s) for i, s in enumerate(SEXES)], axis=-1)


def survival_ratios(mx: xr.DataArray, a0_rule: str = "andreev-kingkade") -> xr.Dataset:
    """Projection survival ratios from single-year death rates (ages 0..100, 100 open), with a
    ``sex`` dim (female, male) for the sex-specific a0.

    Returns ``sx`` (..., age): the share of persons aged x at 1 January alive a year later
    (aged x+1, or still 100+), with ``sx[99] = sx[100] = T_100/T_99``; and ``birth_survival``
    (...): ``L_0 / l_0``, the share of the year's births alive at the next 1 January. Equal to
    the ratios of :func:`life_table`'s L_x and T_x (tested), computed by :func:`survival_from_mx`."""
    mx = mx.transpose(..., "sex", "age")
    m = mx.values
    for s in mx.sex.values:
        check_sex(s)
    sx, bs = survival_from_mx(m, a0_by_sex(m[..., 0], a0_rule))
    coords = {k: v for k, v in mx.coords.items()}
    return xr.Dataset({
        "sx": (mx.dims, sx, {"units": "1", "long_name": "one-year survival ratio from age x to x+1"}),
        "birth_survival": (mx.dims[:-1], bs, {"units": "1", "long_name": "share of births alive at the next 1 January"}),
    }, coords=coords)


