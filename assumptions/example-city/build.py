"""Build the example-city assumption set from the UN sources and the public city figures.

Run from the repository root:

    python assumptions/example-city/build.py            # rewrite the tables and assumptions.yaml
    python assumptions/example-city/build.py --check    # fail if the committed files differ
    python build.py --out DIR                           # build into DIR instead (e.g. from a copy)

Writing in place is refused when this file is not the package's own example folder (a copy
made to edit an assumption set would be overwritten), unless ``--here`` is given. Every build
records the hashes of the files it wrote (``.build-manifest.json``); a folder whose files
differ from that record (edited since, or never written by this script) is never built over
unless ``--force`` is given (the package's own example folder is kept by git instead).

Every number written is derived here from ``sources/`` (UN WPP, see sources/README.md) and the
calibration targets below (see README.md beside this file for where each comes from). The
money levels (contribution base, claim-cost levels, opening balances) are solved so that the
base year reproduces the targets *through the projection engine itself*: a first pass gives
the base-year member-years, and every target is linear in the level it sets.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def is_package_example() -> bool:
    """True when this file is the example folder of a checkout of the package
    (``<root>/assumptions/example-city`` beside ``<root>/actuarial``), not a copy made to edit
    an assumption set elsewhere (checked before anything is imported or written)."""
    root = HERE.parents[1]
    return HERE == root / "assumptions" / "example-city" and (root / "actuarial" / "__init__.py").is_file()


if __name__ == "__main__" and not is_package_example() and not {"--check", "--out", "--here", "-h", "--help"} & {
        a.split("=")[0] for a in sys.argv[1:]}:
    print(f"error: {HERE} is not the package's own example folder (a copy?): building here would overwrite "
          f"its files; expected --out DIR, or --here to overwrite them", file=sys.stderr)
    raise SystemExit(2)

from actuarial import demography, lifetable, load_assumptions  # noqa: E402
from actuarial.dims import AGES, SEXES, STATUSES  # noqa: E402
from actuarial.engine.inputs import resolve_inputs  # noqa: E402
from actuarial.engine.kernel import realise_population, run_population  # noqa: E402
from actuarial.schemes import resident, resident_layers  # noqa: E402
from actuarial.schemes.benefits import band_masks, layer_payment  # noqa: E402
from actuarial.uncertainty import zero_deviations  # noqa: E402
from actuarial.params.validation import CROSS_CHECKS, spec_paths  # noqa: E402

_EVERY_CHECK = set(spec_paths()) | set(CROSS_CHECKS)

SOURCES = HERE / "sources"
BASE_YEAR = 2024

# ---- calibration targets (README.md: "Calibration targets") --------------------------------
# National figures: NHSA, 2024年全国医疗保障事业发展统计公报 (statistical bulletin on medical
# security, 2024), in 万人 (10,000 persons) and 亿元 (100 million CNY).
NAT_INSURED = 132662.08           # basic medical insurance, end 2024
NAT_EMPLOYEE = 37948.34           # employee scheme members, end 2024
NAT_IN_SERVICE, NAT_RETIRED = 27491.84, 10457.50   # in service (flexible workers included), retired
NAT_FLEXIBLE = 6615.91            # flexible workers and other individual members
NAT_POOLED_INCOME, NAT_POOLED_SPENDING = 17342.45, 13222.71   # employee pooled fund (maternity incl.)
NAT_POOLED_CLOSING = 30445.50     # employee pooled fund accumulated balance, end 2024
NAT_PA_INCOME, NAT_PA_SPENDING, NAT_PA_CLOSING = 6390.01, 5879.83, 14471.75   # personal accounts
NAT_TOTAL_INCOME, NAT_TOTAL_SPENDING = 34913.37, 29764.03     # basic medical insurance, both schemes
NAT_EMPLOYEE_INCOME, NAT_EMPLOYEE_SPENDING = 23732.47, 19102.54
NAT_POOLED_SURPLUS_ALL, NAT_POOLED_CLOSING_ALL = 4639.17, 38628.52   # both schemes' pooled funds

EMPLOYEE_SHARE = NAT_EMPLOYEE / NAT_INSURED                    # 28.6% of the insured
ACTIVE_PER_RETIREE = NAT_IN_SERVICE / NAT_RETIRED              # 2.63 (flexible workers count as in service)
FLEXIBLE_SHARE = NAT_FLEXIBLE / NAT_EMPLOYEE                   # 17.4% of employee members
POOLED_SPENDING_PER_MEMBER = NAT_POOLED_SPENDING / NAT_EMPLOYEE * 1e4   # CNY per member: 3,484
POOLED_SURPLUS_RATE = 1 - NAT_POOLED_SPENDING / NAT_POOLED_INCOME       # 23.8%
POOLED_OPENING_MONTHS = (NAT_POOLED_CLOSING - (NAT_POOLED_INCOME - NAT_POOLED_SPENDING)) / (NAT_POOLED_SPENDING / 12)
PA_OPENING_PER_MEMBER = (NAT_PA_CLOSING - (NAT_PA_INCOME - NAT_PA_SPENDING)) / NAT_EMPLOYEE * 1e4  # CNY
PA_SPENDING_RATE = NAT_PA_SPENDING / (NAT_PA_CLOSING - NAT_PA_INCOME + NAT_PA_SPENDING + NAT_PA_INCOME)
RES_INCOME = NAT_TOTAL_INCOME - NAT_EMPLOYEE_INCOME           # 11,180.90
RES_SPENDING = NAT_TOTAL_SPENDING - NAT_EMPLOYEE_SPENDING     # 10,661.49
RES_SURPLUS = NAT_POOLED_SURPLUS_ALL - (NAT_POOLED_INCOME - NAT_POOLED_SPENDING)   # 519.42
RES_CLOSING = NAT_POOLED_CLOSING_ALL - NAT_POOLED_CLOSING     # 8,183.02
RESIDENT_SURPLUS_RATE = RES_SURPLUS / RES_INCOME               # 4.6%
RESIDENT_OPENING_MONTHS = (RES_CLOSING - RES_SURPLUS) / (RES_SPENDING / 12)   # 8.6
RETIREE_COST_SHARE = 0.498        # national 2024: retirees' share of employee-scheme medical costs

INSURED = 6_000_000               # the example city: about 6 million insured (assumed)
COVERAGE = 0.95                   # national 2024: coverage kept at 95%
# Region: Yunnan (西部; 云南省2023年国民经济和社会发展统计公报, 2023年云南省常住人口主要数据公报)
REGION_CRUDE_BIRTH_RATE = 8.22e-3  # Yunnan 2023 (2022: 8.14 per 1000)
REGION_AGE_SHARES = {(0, 15): 0.1962, (16, 59): 0.6343, (60, 64): 0.1695 - 0.1194, (65, 100): 0.1194}
REGION_MALE_SHARE = 0.514          # Yunnan 2023: 2,402 of 4,673 ten-thousand persons are men

# ---- illustrative shape settings -----------------------------------------------------------
FEMALE_CADRE_SHARE = 0.4        # share of female active members in cadre posts (retire at 55)
NEWBORN_ENROLMENT = 0.85
BASE_EXIT_RATE = 0.02           # yearly exits from the employee scheme at working ages
FLEXIBLE_EXIT_RATE = 0.08       # yearly exits of flexible workers (they move in and out more)
FLEXIBLE_BASE_SHARE = 0.6       # most flexible workers choose the floor (DESIGN.md section 10)
NET_MIGRATION_TOTAL = -6000.0   # net out-migration of young residents per year

def _ages_from_labels(labels):
    return np.array([int(str(x).split("-")[0].rstrip("+")) for x in labels])


def mortality_table() -> pd.DataFrame:
    """UN WPP 2024 abridged mx, periods 2010-2015 .. 2095-2100, time = period midpoint."""
    df = pd.read_csv(SOURCES / "china_mx_abridged_1950_2100.csv")
    df = df[df["sex"].isin(SEXES)].copy()
    start = df["period"].str.slice(0, 4).astype(int)
    df = df[start >= 2010]
    df["time"] = start[start >= 2010] + 2.5
    df["age"] = _ages_from_labels(df["age"])
    return df[["time", "sex", "age", "mx"]].sort_values(["time", "sex", "age"]).reset_index(drop=True)


def period_values(file: str, column: str, first: int = 2010) -> dict[int, float]:
    """Five-year period values placed at the period's middle year (2020-2025 -> 2022)."""
    df = pd.read_csv(SOURCES / file)
    start = df["period"].str.slice(0, 4).astype(int)
    df = df[start >= first]
    return {int(s) + 2: round(float(v), 4) for s, v in zip(start[start >= first], df[column])}


def fertility_pattern() -> pd.DataFrame:
    """UN WPP 2024 age pattern of fertility in 2024 (percent of TFR by 5-year group of mother),
    graduated to single ages 10..54 with totals kept (actuarial.demography.graduate_counts)."""
    df = pd.read_csv(SOURCES / "china_asfr_percent_5y.csv")
    df = df[df["year"] == BASE_YEAR]
    lower = _ages_from_labels(df["age_group"])
    single = demography.graduate_counts(df["percent_of_tfr"].to_numpy(), lower, open_last=False,
                                        top=int(lower[-1]) + 5)
    share = np.round(single / single.sum(), 8)
    share[np.argmax(share)] += 1 - share.sum()
    return pd.DataFrame({"age": np.arange(lower[0], lower[-1] + 5), "share_of_tfr": share})


def national_population_2024() -> xr.DataArray:
    """UN WPP 2019 population of China by sex and 5-year group in 2020, graduated to single
    ages and carried to 1 January 2024 with the package's own cohort-component step
    (UN mortality and fertility, no migration). Mid-2020 is taken as 1 January 2020."""
    df = pd.read_csv(SOURCES / "china_population_5y_1950_2020.csv")
    df = df[df["year"] == 2020]
    pop = []
    for sex in SEXES:
        part = df[df["sex"] == sex]
        pop.append(demography.graduate_counts(part["population_thousands"].to_numpy() * 1000.0,
                                              _ages_from_labels(part["age_group"])))
    pop = np.array(pop)                                      # (sex, age)
    years = np.arange(2020, BASE_YEAR)
    mx = xr.DataArray.from_series(mortality_table().set_index(["time", "sex", "age"])["mx"])
    surv = lifetable.survival_ratios(demography.mortality_path(mx, years).transpose("year", "sex", "age"))
    tfr = period_values("china_tfr_1950_2100.csv", "tfr")
    srb = period_values("china_sex_ratio_at_birth.csv", "males_per_female")
    pattern = fertility_pattern()
    f = np.zeros(AGES.size)
    f[pattern["age"]] = pattern["share_of_tfr"]
    interp = lambda d, y: np.interp(y, list(d), list(d.values()))  # noqa: E731
    for i, y in enumerate(years):
        state = pop[None]                                    # one status
        aged = demography.survive_and_age(state, surv["sx"].values[i])[0]
        b = demography.births(pop[0], aged[0], interp(tfr, y) * f)
        aged[:, 0] = demography.split_births(b, interp(srb, y)) * surv["birth_survival"].values[i]
        pop = aged
    return xr.DataArray(pop, dims=("sex", "age"), coords={"sex": list(SEXES), "age": AGES})


def regional_population(national: xr.DataArray) -> np.ndarray:
    """The national single-age shape reweighted to the region's published broad age groups
    and sex split (REGION_AGE_SHARES, REGION_MALE_SHARE), scaled to the city's population.
    The weight is smooth in age (linear between the groups' middle ages, found by iterative
    proportional fitting, so the pyramid shows no step at a group boundary), then each group
    is scaled to its share exactly (what remains is a step of a fraction of a percent).
    (sex, age) persons."""
    pop = national.values.copy()
    bands = list(REGION_AGE_SHARES.items())
    mids = np.array([(lo + hi) / 2 for (lo, hi), _ in bands])
    in_band = [(AGES >= lo) & (AGES <= hi) for (lo, hi), _ in bands]
    nodes = np.ones(len(bands))
    for _ in range(200):
        weighted = pop * np.interp(AGES, mids, nodes)
        total = weighted.sum()
        nodes *= [share / (weighted[:, band].sum() / total) for (_, share), band in zip(bands, in_band)]
    pop = pop * np.interp(AGES, mids, nodes)
    for (_, share), band in zip(bands, in_band):
        pop[:, band] *= share / (pop[:, band].sum() / pop.sum())
    male = SEXES.index("male")
    for i, target in ((male, REGION_MALE_SHARE), (1 - male, 1 - REGION_MALE_SHARE)):
        pop[i] *= target / pop[i].sum()
    return pop * INSURED / COVERAGE


def working_curve(sex: str) -> np.ndarray:
    """Relative share of each age who would be active employee-scheme members were there no
    retirement (1 at the men's plateau; the level is set by the calibration)."""
    a = AGES.astype(float)
    ramp = 1 / (1 + np.exp(-(a - 22.5) / 1.8))
    decline = np.where(a >= 50, 1 - 0.015 * (a - 50), 1.0)
    curve = ramp * decline * (a >= 16) * (a < 65)
    return curve * (1.0 if sex == "male" else 0.92)


def flexible_curve(sex: str) -> np.ndarray:
    """Relative share of each age who would be flexible workers were there no retirement:
    older than employees on average (a ramp centred at 27, flat to 55)."""
    a = AGES.astype(float)
    ramp = 1 / (1 + np.exp(-(a - 27.0) / 3.0))
    curve = ramp * np.where(a >= 55, 1 - 0.03 * (a - 55), 1.0) * (a >= 18) * (a < 65)
    return curve * (1.0 if sex == "male" else 0.9)


def before_retirement(sex: str) -> np.ndarray:
    """Share of each age not yet at the statutory retirement age in 2024 (men 60; women
    cadres 55, women workers 50)."""
    if sex == "male":
        return (AGES < 60).astype(float)
    return np.where(AGES < 50, 1.0, np.where(AGES < 55, FEMALE_CADRE_SHARE, 0.0))


def retired_curve(sex: str) -> np.ndarray:
    """Relative share of each age who are employee-scheme retirees in 2024 (older cohorts had
    less employee-scheme cover)."""
    a = AGES.astype(float)
    if sex == "male":
        return np.where(a >= 60, np.maximum(0.35, 1 - 0.018 * (a - 60)), 0.0)
    workers = np.where(a >= 50, np.maximum(0.35, 1 - 0.018 * (a - 50)), 0.0)
    return workers * np.where(a >= 55, 1.0, 1 - FEMALE_CADRE_SHARE)


def split_status(pop: np.ndarray):
    """Split the city population (sex, age) into the four statuses: employee members are
    EMPLOYEE_SHARE of the insured, in service : retired = ACTIVE_PER_RETIREE, flexible workers
    FLEXIBLE_SHARE of the members; each group along its age curve. Returns the table (status,
    sex, age), the resident enrolment rate that gives the insured total, and the curve levels."""
    employee = INSURED * EMPLOYEE_SHARE
    in_service = employee * ACTIVE_PER_RETIREE / (1 + ACTIVE_PER_RETIREE)
    targets = {"flexible": employee * FLEXIBLE_SHARE, "retired": employee - in_service}
    targets["active"] = in_service - targets["flexible"]
    curves = {"active": np.array([working_curve(x) * before_retirement(x) for x in SEXES]),
              "flexible": np.array([flexible_curve(x) * before_retirement(x) for x in SEXES]),
              "retired": np.array([retired_curve(x) for x in SEXES])}
    table, levels = np.zeros((len(STATUSES),) + pop.shape), {}
    for status, curve in curves.items():
        levels[status] = targets[status] / (curve * pop).sum()
        table[STATUSES.index(status)] = curve * pop * levels[status]
    resident_group = pop - table.sum(axis=0)
    if (resident_group < 0).any():
        raise RuntimeError("status split leaves a negative resident group; lower the curves")
    table[STATUSES.index("resident")] = resident_group
    res_target = INSURED - employee
    newborn = resident_group[:, 0].sum() * NEWBORN_ENROLMENT
    enrolment = (res_target - newborn) / resident_group[:, 1:].sum()
    return table, enrolment, levels


def _keep_on_curve(w: np.ndarray, exit_rate: float, outside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit rates that keep each cohort's share on the curve ``w`` (by age): after
    ageing, people now aged x were in the group in share w(x-1) and in the resident group in
    share ``outside``(x-1); entries e(x) (a share of the resident group) and exits x0 bring it
    to w(x); where the curve falls faster than x0, entries stop and exits rise."""
    prev = np.concatenate([[0.0], w[:-1]])
    pool = np.concatenate([[1.0], outside[:-1]])
    entry = np.where(w >= prev * (1 - exit_rate), (w - prev * (1 - exit_rate)) / np.maximum(pool, 1e-9), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        exit_ = np.where(w >= prev * (1 - exit_rate), exit_rate, np.where(prev > 0, 1 - w / prev, 0.0))
    working = (AGES >= 16) & (AGES < 65)
    return np.where(working, entry, 0.0), np.where(working, exit_, 0.0)


def transition_rates(levels: dict, population: np.ndarray) -> pd.DataFrame:
    """Employment (resident <-> active) and flexible (resident <-> flexible) entry and exit
    rates that keep each cohort's share on its working-age curve (:func:`_keep_on_curve`),
    entries drawn from the base year's resident group at each age."""
    rows = []
    total = population.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        outside = np.where(total > 0, population[STATUSES.index("resident")] / total, 1.0)
    for j, sex in enumerate(SEXES):
        entry, exit_ = _keep_on_curve(levels["active"] * working_curve(sex), BASE_EXIT_RATE, outside[j])
        f_entry, f_exit = _keep_on_curve(levels["flexible"] * flexible_curve(sex), FLEXIBLE_EXIT_RATE, outside[j])
        scale = np.maximum(1.0, (entry + f_entry) / 0.95)      # both entries come from the same group
        entry, f_entry = entry / scale, f_entry / scale
        for age in AGES:
            rows.append((sex, int(age), round(float(entry[age]), 6), round(float(exit_[age]), 6),
                         round(float(f_entry[age]), 6), round(float(f_exit[age]), 6)))
    return pd.DataFrame(rows, columns=["sex", "age", "employment_entry_rate", "employment_exit_rate",
                                       "flexible_entry_rate", "flexible_exit_rate"])


def migration_table() -> pd.DataFrame:
    """Illustrative net out-migration of young residents: triangular over ages 18-35, peak 22,
    split evenly by sex."""
    a = AGES.astype(float)
    shape = np.where((a >= 18) & (a <= 35), np.where(a <= 22, (a - 17) / 5, (36 - a) / 14), 0.0)
    per_sex = NET_MIGRATION_TOTAL / 2 * shape / shape.sum()
    rows = [(status, sex, int(age), round(float(per_sex[age]) if status == "resident" else 0.0, 3))
            for status in STATUSES for sex in SEXES for age in AGES]
    return pd.DataFrame(rows, columns=["status", "sex", "age", "net_migrants"])


def cost_shape(sex: str) -> tuple[np.ndarray, np.ndarray]:
    """Relative base-year claim cost by age: (inpatient, outpatient). A J-shaped curve: high in
    infancy, lowest in childhood, rising about 3.8% a year of age from 20, flat after 90; women
    20-39 carry a maternity-related bump; men 50+ cost 10% more."""
    a = AGES.astype(float)
    total = np.select([a == 0, a < 5, a < 15, a < 20],
                      [2.0, 0.9, 0.45, 0.5], 0.55 * np.exp(0.038 * (np.minimum(a, 90) - 20)))
    if sex == "female":
        total = total + np.where((a >= 20) & (a < 40), 0.35, 0.0)
    else:
        total = total * np.where(a >= 50, 1.1, 1.0)
    inpatient_share = np.where(a == 0, 0.6, 0.40 + 0.30 * np.clip((a - 15) / 60, 0, 1))
    return total * inpatient_share, total * (1 - inpatient_share)


def claim_cost_table(levels: dict[str, float]) -> pd.DataFrame:
    """Claim cost per member-year by status: the age-sex shape of :func:`cost_shape` times the
    status's level (flexible workers: the active members' level, assumed)."""
    rows = []
    for status in STATUSES:
        for sex in SEXES:
            inp, out = cost_shape(sex)
            for age in AGES:
                rows.append((status, sex, int(age), round(float(inp[age] * levels[status]), 2),
                             round(float(out[age] * levels[status]), 2)))
    return pd.DataFrame(rows, columns=["status", "sex", "age", "inpatient", "outpatient"])


# ---- history for the stochastic components (README.md: "Histories") -----------------------
HISTORY_YEARS = np.arange(2012, BASE_YEAR + 1)
HISTORY_SEED = 20241122
HISTORY_MODELS = {  # long-run mean, AR(1) phi, innovation sd: the truth the fit should find
    "medical_inflation": (0.035, 0.5, 0.008),
    "utilisation_growth": (0.030, 0.4, 0.012),
}
HISTORY_SHOCKS = {2020: ("utilisation_growth", -0.10),   # care deferred during the epidemic
                  2023: ("utilisation_growth", +0.09)}   # demand released after it


def cost_history() -> pd.DataFrame:
    """Synthetic yearly growth of medical prices and of use per person, 2012-2024: AR(1) paths
    with the parameters above, plus the 2020 and 2023 epidemic shocks (flagged)."""
    rng = np.random.default_rng(HISTORY_SEED)
    out = {"year": HISTORY_YEARS}
    for name, (mean, phi, sd) in HISTORY_MODELS.items():
        dev = np.zeros(HISTORY_YEARS.size)
        dev[0] = rng.normal(0, sd / np.sqrt(1 - phi ** 2))
        for t in range(1, HISTORY_YEARS.size):
            dev[t] = phi * dev[t - 1] + rng.normal(0, sd)
        out[name] = mean + dev
    for year, (name, size) in HISTORY_SHOCKS.items():
        out[name][HISTORY_YEARS == year] += size
    out["shock_year"] = np.isin(HISTORY_YEARS, list(HISTORY_SHOCKS)).astype(int)
    df = pd.DataFrame(out)
    for name in HISTORY_MODELS:
        df[name] = df[name].round(5)
    return df


def mortality_history() -> pd.DataFrame:
    """UN WPP 2024 abridged death rates, estimates for the periods 1980-1985 .. 2020-2025."""
    df = pd.read_csv(SOURCES / "china_mx_abridged_1950_2100.csv")
    df = df[df["sex"].isin(SEXES)].copy()
    start = df["period"].str.slice(0, 4).astype(int)
    df = df[(start >= 1980) & (start <= 2020)]
    df["time"] = start[(start >= 1980) & (start <= 2020)] + 2.5
    df["age"] = _ages_from_labels(df["age"])
    return df[["time", "sex", "age", "mx"]].sort_values(["time", "sex", "age"]).reset_index(drop=True)


# ---- monthly operating indicators (README.md: "Monthly operating table") -------------------
MONTHS = pd.period_range("2021-01", "2024-12", freq="M")
DISTRICTS = {"central": 1.0, "north": 0.7, "south": 0.55, "county": 0.45}   # relative size
# seasonal factors, Jan..Dec: winter respiratory peak, Spring Festival dip, summer lull
SEASON = np.array([1.08, 0.90, 1.02, 1.00, 0.98, 0.96, 0.97, 0.98, 0.99, 1.00, 1.03, 1.09])


def monthly_operations() -> pd.DataFrame:
    """Synthetic monthly operating indicators by district, 2021-2024: a level scaled to the
    base-year totals, steady growth, the seasonal shape above and AR(1) log noise (sd 2.5%),
    seeded. No epidemic shock is put in: it is the 'clean' history the monitor must not flag."""
    rng = np.random.default_rng(HISTORY_SEED + 1)
    t = np.arange(MONTHS.size)
    month_of_year = MONTHS.month.to_numpy() - 1
    base = {  # whole-city monthly level in January 2021 and yearly growth
        "outpatient_visits": (3.2e6, 0.05), "admissions": (9.5e4, 0.04),
        "cost_per_admission": (7800.0, 0.03), "drug_share": (0.34, -0.03),
    }
    frames = []
    for name, size in DISTRICTS.items():
        out = {"district": name, "month": MONTHS.astype(str)}
        for ind, (level, growth) in base.items():
            noise = np.zeros(t.size)
            for i in range(1, t.size):
                noise[i] = 0.3 * noise[i - 1] + rng.normal(0, 0.025)
            seasonal = SEASON[month_of_year] if ind in ("outpatient_visits", "admissions") else 1.0
            scale = size / sum(DISTRICTS.values()) if ind in ("outpatient_visits", "admissions") else 1.0
            out[ind] = level * scale * (1 + growth) ** (t / 12) * seasonal * np.exp(noise)
        # fund spending: inpatient (admissions x cost x 72%) + outpatient (visits x 160 CNY x 50%)
        out["fund_spending"] = (out["admissions"] * out["cost_per_admission"] * 0.72
                                + out["outpatient_visits"] * 160 * (1.04 ** (t / 12)) * 0.5)
        frames.append(pd.DataFrame(out))
    df = pd.concat(frames, ignore_index=True)
    for col in ("outpatient_visits", "admissions"):
        df[col] = df[col].round(0)
    df["cost_per_admission"] = df["cost_per_admission"].round(2)
    df["drug_share"] = df["drug_share"].round(4)
    df["fund_spending"] = df["fund_spending"].round(0)
    return df


# ---- fund history (README.md: "Fund history") ----------------------------------------------
FUND_HISTORY_YEARS = np.arange(2015, BASE_YEAR + 1)
MEMBER_GROWTH = {"employee": 0.02, "resident": -0.008}   # yearly, backcast
EMPLOYEE_INCOME_GROWTH = 0.055                            # pooled income per member, yearly
RESIDENT_FUNDING_EARLY = {2015: (120, 380), 2016: (150, 420), 2017: (180, 450)}  # premium, subsidy before 2018 (approximate)
ACTIVE_PER_RETIREE_2015 = 2.95                            # backcast of the active:retired ratio
HOLIDAY_2020 = 0.5 * 5 / 12                                 # employer contributions halved for five months


FLEXIBLE_SHARE_2015 = 0.11                                  # flexible workers' share of members, backcast (12.8% in 2018)
DETAIL = ("active_years", "flexible_years", "retired_years", "enrolled_years", "income_employer", "income_employee",
          "income_flexible",
          "personal_account_credits", "income_premium", "income_subsidy", "spending_inpatient",
          "spending_outpatient", "spending_critical_illness", "income_large_amount_premium", "spending_maternity",
          "spending_large_amount_claims", "spending_ltc_transfer", "income_assistance_premiums")


def fund_history(folder: Path) -> pd.DataFrame:
    """Synthetic fund history 2015-2024 consistent with the assumption set: the 2024 row is
    the engine's own base year; earlier years are backcast with the cost history's price and
    volume growth (a shock year departs from the path for that year only: 2020 down, 2023 up),
    the engine's ageing drift, member growth, income growth
    (detail by status, source and category at the base year's shares; the employee
    active:retired ratio moving from 2.95 in 2015 to its 2024 value)
    (resident: the national premium + subsidy path) and 1% log noise; balances before 2024 are
    the base year's opening months of reserves applied to each year's spending."""
    from actuarial.calibration import ageing_drift
    from actuarial.schemes import member_years as scheme_members
    from actuarial.engine import project

    a = load_assumptions(folder)
    base = project(a, years=0).sel(year=BASE_YEAR)
    drift = ageing_drift(a)
    costs = cost_history().set_index("year")
    rng = np.random.default_rng(HISTORY_SEED + 2)
    funding = dict(RESIDENT_FUNDING_EARLY)
    premium, subsidy = a.config.resident.premium, a.config.resident.subsidy
    for y in range(2018, BASE_YEAR + 1):
        funding[y] = (premium.resolve([y])[0], subsidy.resolve([y])[0])
    per_head = {y: sum(v) for y, v in funding.items()}
    # detail shares of the base year, held through the history
    src = base["income_by_source"]
    emp_income = float(base["income"].sel(scheme="employee"))
    employer_share = float(src.sel(scheme="employee", source="employer")) / emp_income
    employee_share = float(src.sel(scheme="employee", source="employee")) / emp_income
    flexible_share = float(src.sel(scheme="employee", source="flexible")) / emp_income
    large_share = float(src.sel(scheme="employee", source="large_amount_premium")) / emp_income
    res_src = src.sel(scheme="resident")
    assisted = float(res_src.sel(source="assistance_premiums") / (res_src.sel(source="premium")
                                                                 + res_src.sel(source="assistance_premiums")))
    cat = base["spending_by_category"]
    spending_share = {s: {c: float(cat.sel(scheme=s, category=c) / base["spending"].sel(scheme=s))
                          for c in cat["category"].values if float(cat.sel(scheme=s, category=c)) != 0}
                      for s in ("employee", "resident")}
    my = base["member_years"]
    ratio_2024 = float((my.sel(status="active") + my.sel(status="flexible")) / my.sel(status="retired"))
    flex_2024 = float(my.sel(status="flexible") / my.sel(status=["active", "flexible", "retired"]).sum("status"))
    rows = []
    total = costs["medical_inflation"] + costs["utilisation_growth"]
    ordinary = float(total[costs["shock_year"] == 0].mean())
    trend_growth = {k: (ordinary if costs.loc[k, "shock_year"] else float(total[k])) for k in costs.index}
    departure = {k: ((1 + float(total[k])) / (1 + ordinary) if costs.loc[k, "shock_year"] else 1.0) for k in costs.index}
    reserve_months = {s: float(base["opening_balance"].sel(scheme=s) / (base["spending"].sel(scheme=s) / 12))
                      for s in ("employee", "resident")}
    for scheme in ("employee", "resident"):
        members = float(scheme_members(base, scheme))
        spend_pm = float(base["spending"].sel(scheme=scheme)) / members
        income_pm = float(base["income"].sel(scheme=scheme)) / members
        closing = float(base["balance"].sel(scheme=scheme))
        for y in FUND_HISTORY_YEARS[::-1]:
            back = BASE_YEAR - y
            m_y = members / (1 + MEMBER_GROWTH[scheme]) ** back
            # growth into each year; a shock year departs from the path for that year only
            growth = np.prod([(1 + trend_growth[k]) * (1 + drift[scheme]) for k in range(y + 1, BASE_YEAR + 1)])
            spend = m_y * spend_pm / growth * departure[y]
            if y < BASE_YEAR:
                spend *= np.exp(rng.normal(0, 0.01))
            if scheme == "employee":
                inc = m_y * income_pm / (1 + EMPLOYEE_INCOME_GROWTH) ** back
                if y == 2020:
                    inc *= 1 - HOLIDAY_2020 * 0.75 / 0.75   # the pooled fund keeps the employer part
            else:
                inc = m_y * income_pm * per_head[y] / per_head[BASE_YEAR]
            if y < BASE_YEAR:
                inc *= np.exp(rng.normal(0, 0.005))
            detail = dict.fromkeys(DETAIL, np.nan)
            detail.update({f"spending_{c}": spend * share for c, share in spending_share[scheme].items()})
            if scheme == "employee":
                ratio = ACTIVE_PER_RETIREE_2015 + (ratio_2024 - ACTIVE_PER_RETIREE_2015) * (y - 2015) / (BASE_YEAR - 2015)
                flex = FLEXIBLE_SHARE_2015 + (flex_2024 - FLEXIBLE_SHARE_2015) * (y - 2015) / (BASE_YEAR - 2015)
                detail.update(active_years=m_y * (ratio / (1 + ratio) - flex), flexible_years=m_y * flex,
                              retired_years=m_y / (1 + ratio),
                              income_employer=inc * employer_share, income_employee=inc * employee_share,
                              income_flexible=inc * flexible_share, income_large_amount_premium=inc * large_share,
                              personal_account_credits=inc * (employer_share + employee_share + flexible_share
                                                              + large_share - 1))
            else:
                p_share = funding[y][0] / per_head[y]
                detail.update(enrolled_years=m_y, income_premium=inc * p_share * (1 - assisted),
                              income_assistance_premiums=inc * p_share * assisted, income_subsidy=inc * (1 - p_share))
            rows.append((int(y), scheme, m_y, inc, spend, closing, int(costs.loc[y, "shock_year"]),
                         *detail.values()))
            # earlier balances: the base year's months of reserves on that year's spending (the
            # synthetic flows alone would not add up to the 2024 balance; real histories carry
            # transfers to and from adjustment funds that this table does not itemise)
            closing = reserve_months[scheme] * spend / 12
    df = pd.DataFrame(rows, columns=["year", "scheme", "member_years", "income", "spending", "balance",
                                     "shock_year", *DETAIL])
    for col in ("member_years", "income", "spending", "balance", *DETAIL):
        df[col] = df[col].round(0)
    return df.sort_values(["year", "scheme"]).reset_index(drop=True)


def ltc_disability() -> pd.DataFrame:
    """Share of persons severely disabled (dependent in several activities of daily living) by
    sex and age: an assumed smooth logistic curve, about 0.7% at 65, 5% at 80 and 18% at 90 for
    women (men 85% of that), 0.2% at young ages; the order of magnitude of published estimates
    of severe ADL dependence among older Chinese (CHARLS, CLHLS). README, "Layers"."""
    a = AGES.astype(float)
    women = 0.002 + 0.6 / (1 + np.exp(-(a - 95.4) / 6.3))
    rows = [(sex, int(age), round(float(v * (1.0 if sex == "female" else 0.85)), 6))
            for sex in SEXES for age, v in zip(AGES, women)]
    return pd.DataFrame(rows, columns=["sex", "age", "prevalence"])


def maternity_spending(cfg, a, py, base) -> float:
    """Base-year maternity spending of the pooled fund (medical costs and allowance): insured
    births = TFR x fertility pattern x women member-years of the maternity statuses."""
    if cfg.maternity is None:
        return 0.0
    m, first = cfg.maternity, (lambda p: float(p.resolve([BASE_YEAR])[0]))
    status = [STATUSES.index(s) for s in m.statuses]
    births = first(cfg.demography.total_fertility_rate) * float(
        (py[status, SEXES.index("female")] * a.tables["fertility_pattern"].values).sum())
    return births * (first(m.medical_cost_per_birth) + first(m.allowance_claim_share) * first(m.leave_days) * base / 365)


def resident_level(cfg, enrolled, shape, res_share, resident_spending, y_resident, enrolled_years) -> float:
    """The resident claim-cost level k with k x Y + critical illness(k) = the resident spending
    target: the flat transfer, or the critical-illness model (its premium grows faster than k:
    solved by bisection on the same closed form the engine uses)."""
    ci = cfg.critical_illness
    if ci is None:
        return (resident_spending - enrolled_years * cfg.resident.critical_illness_transfer.resolve([BASE_YEAR])[0]) / y_resident
    masks = band_masks(resident_layers.BANDS)                               # (band, age)
    persons = (enrolled.sum(axis=0)[None] * masks).sum(axis=-1)
    remaining = ((enrolled[..., None] * shape * (1 - res_share)).sum(axis=(0, -1))[None] * masks).sum(axis=-1)
    r = lambda path: getattr(ci, path).resolve([BASE_YEAR])[0]  # noqa: E731
    cap = r("cap") if ci.cap is not None else None

    def excess(k):
        pay = layer_payment(k * remaining / persons, ci.cost_cv.value, r("deductible"), r("reimbursement_ratio"), cap)
        return k * y_resident + float((persons * pay).sum()) / r("loss_ratio") - resident_spending
    lo, hi = 0.0, resident_spending / y_resident
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def write_tables(folder: Path, population: np.ndarray, curve_levels: dict, levels: dict[str, float]) -> None:
    rows = [(status, sex, int(age), round(float(population[i, j, age]), 3))
            for i, status in enumerate(STATUSES) for j, sex in enumerate(SEXES) for age in AGES]
    pd.DataFrame(rows, columns=["status", "sex", "age", "persons"]).to_csv(folder / "population.csv", index=False)
    mortality_table().to_csv(folder / "mortality.csv", index=False)
    fertility_pattern().to_csv(folder / "fertility_pattern.csv", index=False)
    transition_rates(curve_levels, population).to_csv(folder / "transitions.csv", index=False)
    migration_table().to_csv(folder / "migration.csv", index=False)
    claim_cost_table(levels).to_csv(folder / "claim_costs.csv", index=False)
    cost_history().to_csv(folder / "cost_history.csv", index=False)
    mortality_history().to_csv(folder / "mortality_history.csv", index=False)
    monthly_operations().to_csv(folder / "monthly_operations.csv", index=False)
    ltc_disability().to_csv(folder / "ltc_disability.csv", index=False)


def _fmt_values(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" for k, v in d.items()) + "}"


def write_yaml(folder: Path, v: dict) -> None:
    text = (HERE / "assumptions.template.yaml").read_text(encoding="utf-8")
    for key, value in v.items():
        text = text.replace("{{" + key + "}}", value if isinstance(value, str) else f"{value:.10g}")
    if "{{" in text:
        raise RuntimeError("unfilled placeholder in assumptions.template.yaml")
    (folder / "assumptions.yaml").write_text(text, encoding="utf-8")


def _base_year_run(folder: Path):
    """The engine's base year on the set in ``folder`` (money levels may be placeholders, so
    the plausibility checks are off): (assumptions, inputs, population (2, status, sex, age) at
    1 January 2024 and 2025, births in 2024)."""
    a = load_assumptions(folder, accept_unusual=_EVERY_CHECK)
    inp = resolve_inputs(a, np.array([BASE_YEAR]))
    run = run_population(inp, realise_population(inp, zero_deviations(1, 1), None))
    return a, inp, run["population"][0], float(run["births"].sum())


def fertility_factor(folder: Path) -> float:
    """The factor on the national TFR path that gives the region's crude birth rate in the base
    year: births / mean of the two 1 January populations. Births are proportional to the
    factor, and so are the newborns alive at the end of the year (n), so with the births b and
    population P1 at the end of the year under the national path,
    ``f = cbr (P0 + P1 - n) / (2 b - cbr n)``."""
    _, _, pop, b = _base_year_run(folder)
    p0, p1, n = pop[0].sum(), pop[1].sum(), pop[1][..., 0].sum()
    return REGION_CRUDE_BIRTH_RATE * (p0 + p1 - n) / (2 * b - REGION_CRUDE_BIRTH_RATE * n)


def build(folder: Path) -> dict:
    population, enrolment, curve_levels = split_status(regional_population(national_population_2024()))
    national_tfr = period_values("china_tfr_1950_2100.csv", "tfr")
    values = {
        "tfr": _fmt_values(national_tfr), "tfr_factor": "1",
        "srb": _fmt_values(period_values("china_sex_ratio_at_birth.csv", "males_per_female")),
        "enrolment_rate": round(enrolment, 6),
        "newborn_enrolment_rate": NEWBORN_ENROLMENT,
        "contribution_base": 50000, "average_wage": 50000, "pooled_opening": 0, "pa_opening": 0,
        "resident_opening": 0, "pa_spending_rate": round(PA_SPENDING_RATE, 4),
    }
    write_tables(folder, population, curve_levels, {s: 1.0 for s in STATUSES})
    write_yaml(folder, values)

    # pass 1: the regional fertility level (births are linear in the TFR)
    factor = fertility_factor(folder)
    values["tfr"] = _fmt_values({y: round(v * factor, 4) for y, v in national_tfr.items()})
    values["tfr_factor"] = f"{factor:.4f}"
    write_yaml(folder, values)

    # pass 2: member-years of the base year from the engine, then every money level
    a, inp, pop, _ = _base_year_run(folder)
    py = 0.5 * (pop[0] + pop[1])                                # (status, sex, age)
    res = STATUSES.index("resident")
    rates = resident.enrolment_rates(inp.schemes["resident"], np.zeros((1, 1)))
    py[res] *= resident.enrolled_share(rates[0][0, 0], rates[1][0, 0])[None, :]  # enrolled only
    years = {s: float(py[i].sum()) for i, s in enumerate(STATUSES)}
    members = years["active"] + years["flexible"] + years["retired"]

    cfg = a.config
    first = lambda p: float(p.resolve([BASE_YEAR])[0])  # noqa: E731
    per_head = first(cfg.resident.premium) + first(cfg.resident.subsidy)
    resident_income = years["resident"] * per_head * first(cfg.resident.collection_rate)
    resident_spending = (1 - RESIDENT_SURPLUS_RATE) * resident_income
    pooled_spending = POOLED_SPENDING_PER_MEMBER * members
    pooled_income = pooled_spending / (1 - POOLED_SURPLUS_RATE)
    e, pa, flex = cfg.employee, cfg.employee.personal_accounts, cfg.employee.flexible
    collection, employer, employee_rate = first(e.collection_rate), first(e.employer_rate), first(e.employee_rate)
    flex_rate = employer + employee_rate                       # the template gives no own rate
    retiree_credit = first(pa.retiree_credit_after_reform)
    flex_kept = FLEXIBLE_BASE_SHARE * flex_rate * collection * years["flexible"] * (1 - first(flex.account_share_after_reform))
    # pooled income = base x (employer x collection x active + flexible part) - retiree credits
    base = round((pooled_income + years["retired"] * retiree_credit)
                 / (employer * collection * years["active"] + flex_kept))
    credits = (base * collection * years["active"] * employee_rate * first(pa.employee_contribution_to_account)
               + years["retired"] * retiree_credit
               + base * FLEXIBLE_BASE_SHARE * flex_rate * collection * years["flexible"] * first(flex.account_share_after_reform))

    # claim-cost levels: costs before fund share (X) and fund spending (Y) per unit level, with
    # the fund shares the engine applies in the base year (the account reform's included)
    share = {s: np.stack([inp.schemes[s]["fund_share"][c][0] for c in ("inpatient", "outpatient")])
             for s in ("employee", "resident")}
    shape = np.array([np.stack(cost_shape(x), axis=-1) for x in SEXES])   # (sex, age, cat)
    X = {s: float((py[i][..., None] * shape).sum()) for i, s in enumerate(STATUSES)}
    Y = {s: float((py[i][..., None] * shape * share["resident" if s == "resident" else "employee"]).sum())
         for i, s in enumerate(STATUSES)}
    ratio = RETIREE_COST_SHARE / (1 - RETIREE_COST_SHARE) * (X["active"] + X["flexible"]) / X["retired"]
    # the pooled fund's claims: its spending target less maternity (part of the pooled fund since 2019)
    claims = pooled_spending - maternity_spending(cfg, a, py, base)
    k_active = claims / (Y["active"] + Y["flexible"] + ratio * Y["retired"])
    k_resident = resident_level(cfg, py[res], shape, share["resident"], resident_spending, Y["resident"], years["resident"])
    levels = {"active": k_active, "flexible": k_active, "retired": k_active * ratio, "resident": k_resident}

    values.update(
        contribution_base=base,
        average_wage=base,                                       # assumed: the average base is the average wage
        pooled_opening=round(POOLED_OPENING_MONTHS * pooled_spending / 12, -6),
        pa_opening=round(PA_OPENING_PER_MEMBER * float(pop[0][[STATUSES.index(s) for s in ("active", "flexible", "retired")]].sum()), -6),
        resident_opening=round(RESIDENT_OPENING_MONTHS * resident_spending / 12, -6),
    )
    write_tables(folder, population, curve_levels, levels)
    write_yaml(folder, values)
    fund_history(folder).to_csv(folder / "fund_history.csv", index=False)
    values["account_credits"] = credits
    return values


MANIFEST = ".build-manifest.json"


def _digest(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edited_files(folder: Path, files) -> list[str]:
    """The files in ``folder`` that differ from what this script last wrote there (every
    existing one when the folder has no record of a build)."""
    import json
    record = json.loads((folder / MANIFEST).read_text(encoding="utf-8")) if (folder / MANIFEST).is_file() else {}
    return [f for f in files if (folder / f).is_file() and record.get(f) != _digest(folder / f)]


def write_build_manifest(folder: Path, files) -> None:
    import json
    record = {f: _digest(folder / f) for f in files if (folder / f).is_file()}
    (folder / MANIFEST).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _refuse_edited(folder: Path, files, force: bool) -> bool:
    edited = edited_files(folder, files)
    if edited and not force:
        print(f"error: {folder} holds files that build.py did not write or that were edited since "
              f"({', '.join(edited[:4])}{', ...' if len(edited) > 4 else ''}); building would overwrite them; "
              f"expected a new folder, or --force to overwrite them", file=sys.stderr)
        return True
    return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--out", help="build into this folder instead of the one holding build.py")
    parser.add_argument("--here", action="store_true",
                        help="overwrite the files beside build.py even when it is not the package's example folder")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files edited since the last build (or not written by it)")
    args = parser.parse_args(argv)
    files = ["assumptions.yaml", "population.csv", "mortality.csv", "fertility_pattern.csv",
             "transitions.csv", "migration.csv", "claim_costs.csv", "cost_history.csv",
             "mortality_history.csv", "monthly_operations.csv", "fund_history.csv", "ltc_disability.csv"]
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            print(f"error: --out {out} is a file; expected a folder", file=sys.stderr)
            return 2
        out.mkdir(parents=True, exist_ok=True)
        if _refuse_edited(out, files, args.force):
            return 2
        build(out)
        write_build_manifest(out, files)
        print(f"wrote {', '.join(files)} in {out}")
        return 0
    if not args.check:
        if not (is_package_example() or args.here):
            print(f"error: {HERE} is not the package's own example folder (a copy?): building here would "
                  f"overwrite its files; expected --out DIR, or --here to overwrite them", file=sys.stderr)
            return 2
        if not is_package_example() and _refuse_edited(HERE, files, args.force):
            return 2
        build(HERE)
        write_build_manifest(HERE, files)
        print(f"wrote {', '.join(files)} in {HERE}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build(tmp)
        differ = [f for f in files if (tmp / f).read_bytes() != (HERE / f).read_bytes()]
    if differ:
        print(f"out of date: {', '.join(differ)}; run python assumptions/example-city/build.py")
        return 1
    print("example-city assumption files are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
