"""The example city's base year (2024) lies within published ranges.

National ranges: NHSA, 2024年全国医疗保障事业发展统计公报 (and the 2023 bulletin; DESIGN.md
section 10): employee pooled fund current surplus 23.8% of income in 2024 (about 20-30% in
2023-2024), accumulated pooled balance 27.6 months of pooled spending at the end of 2024, pooled
spending per employee member 3,484 CNY against 1,126 CNY per resident enrollee (3.1x; total
employee spending with the personal accounts 5,034 CNY, 4.5x). The ranges asserted are wider:
surplus rate 5-30%, reserves 6-36 months, 2-4.5x.

Region: Yunnan. Crude birth rate 8.14 per 1000 in 2022 and 8.22 in 2023 (云南省2023年国民经济和
社会发展统计公报; 2023年云南省常住人口主要数据公报). The employee scheme's active:retired ratio
(在职退休比, flexible workers counted in service) is not published for Yunnan in the documents at
hand: the national values stand for it, 2.63 in 2024 and 2.78-2.80 in 2019-2021 (NHSA bulletins).
"""

import pytest

from actuarial.schemes import member_years


@pytest.fixture(scope="module")
def base(example_projection):
    return example_projection.sel(year=2024)


def test_employee_pooled_surplus_rate_is_within_the_national_range(base):
    assert 0.05 <= float(base["surplus_rate"].sel(scheme="employee")) <= 0.30


def test_employee_pooled_reserves_are_within_the_national_range(base):
    assert 6 <= float(base["reserve_months"].sel(scheme="employee")) <= 36


def test_spending_per_employee_member_against_a_resident(base):
    employee = float(base["spending"].sel(scheme="employee")) / float(member_years(base, "employee"))
    resident = float(base["spending"].sel(scheme="resident")) / float(member_years(base, "resident"))
    assert 2.0 <= employee / resident <= 4.5


def test_crude_birth_rate_is_the_regions(example_projection):
    pop = example_projection["population_total"].sum(("status", "sex"))
    mean = 0.5 * (pop.sel(year=2024) + pop.sel(year=2025))
    cbr = float(example_projection["births"].sum("sex").sel(year=2024) / mean) * 1000
    assert 8.0 <= cbr <= 8.4                      # Yunnan 8.14 (2022), 8.22 (2023) per 1000


def test_active_to_retired_ratio_is_the_published_one(base):
    assert 2.6 <= float(base["dependency_ratio"]) <= 2.85     # national 2.63 (2024) .. 2.80 (2021)


def test_flexible_workers_are_about_a_sixth_of_employee_members(base):
    share = float(base["member_years"].sel(status="flexible") / member_years(base, "employee"))
    assert 0.15 <= share <= 0.19                  # national 17.4% in 2024 (12.8% in 2018)


def test_the_example_switches_the_new_structure_on(example):
    cfg = example.config
    assert cfg.employee.flexible is not None
    assert cfg.demography.retirement.contribution_years is not None
    assert cfg.employee.personal_accounts.outpatient_pooling is not None
