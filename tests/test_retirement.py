"""The 2025 retirement-age reform schedule and the retirement hazard."""

import numpy as np
import pytest

from actuarial.params import Retirement
from actuarial.demography import retired_share, retirement_age_months, retirement_hazard


def month(y, m):
    return y * 12 + (m - 1)


@pytest.mark.parametrize("birth,start,target,per,expected_months", [
    (month(1964, 12), 60, 63, 4, 60 * 12),        # retired in Dec 2024: before the reform
    (month(1965, 1), 60, 63, 4, 60 * 12 + 1),     # men born Jan-Apr 1965: +1 month
    (month(1965, 4), 60, 63, 4, 60 * 12 + 1),
    (month(1965, 5), 60, 63, 4, 60 * 12 + 2),     # May-Aug 1965: +2 months
    (month(1976, 12), 60, 63, 4, 63 * 12),        # capped at 63
    (month(1975, 1), 50, 55, 2, 50 * 12 + 1),     # women workers born Jan-Feb 1975: +1
    (month(1975, 3), 50, 55, 2, 50 * 12 + 2),     # Mar-Apr 1975: +2
    (month(1970, 1), 55, 58, 4, 55 * 12 + 1),     # women cadres born Jan 1970
])
def test_reform_schedule(birth, start, target, per, expected_months):
    got = retirement_age_months(np.array([birth]), start, target, per, 2025)
    assert got[0] == expected_months


def _retirement(start, target, per=4, reform=2025):
    return Retirement.model_validate({
        "reform_start": reform, "source": "test",
        "groups": {"m": {"sex": "male", "share_of_sex": 1, "start_age": start, "target_age": target,
                         "months_of_birth_per_month_of_delay": per},
                   "f": {"sex": "female", "share_of_sex": 1, "start_age": 55, "target_age": 55,
                         "months_of_birth_per_month_of_delay": per}},
        "share_meeting_minimum_contribution_years": {"unit": "fraction", "source": "t", "values": {2024: 1}},
    })


def test_without_reform_everyone_retires_in_the_step_to_their_age():
    share = retired_share(_retirement(60, 60), np.arange(2020, 2030))
    hazard = retirement_hazard(share).sel(sex="male")
    # people aged 60 at 1 January were all born 60-61 years before: all past 60
    assert np.all(share.sel(sex="male", age=60) == 1)
    assert np.all(share.sel(sex="male", age=59) == 0)
    np.testing.assert_array_equal(hazard.isel(year=slice(1, None)).sel(age=60), 1.0)
    assert float(hazard.isel(year=slice(1, None)).sel(age=slice(0, 59)).max()) == 0


def test_reform_spreads_retirement_and_every_cohort_retires_once():
    r = _retirement(60, 63)
    years = np.arange(2024, 2060)
    share = retired_share(r, years).sel(sex="male")
    hazard = retirement_hazard(retired_share(r, years)).sel(sex="male")
    # men born in 1965 retire in 2025-2026 (delays of 1-3 months): at 1 January 2026 part
    # of them (aged 60) are past the new age ...
    assert 0 < float(share.sel(year=2026, age=60)) < 1
    assert float(share.sel(year=2025, age=60)) == 1  # born 1964: retired in 2024
    # ... and once the reform is complete the age is 63
    assert float(share.sel(year=2045, age=62)) == 0
    assert float(share.sel(year=2045, age=63)) == 1
    # following one cohort, the shares that retire each year add up to the whole cohort
    cohort_births = 1975
    remaining = 1.0
    for y in range(2024 + 1, 2060):
        age = y - cohort_births - 1
        if 0 <= age <= 100:
            remaining *= 1 - float(hazard.sel(year=y, age=age))
    assert remaining == pytest.approx(0.0, abs=1e-12)
