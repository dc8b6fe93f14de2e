"""Contribution and crediting rules of the two schemes (money in, per year).

Employee scheme (UEBMI)
    contributions   = active member-years * contribution base * (employer + employee rate) * collection
    active credits  = employee part * employee_contribution_to_account
                      (+ employer part * employer_share_to_account before the reform year)
    retiree credits = retiree member-years * retiree credit (from the pooled fund)
    pooled income   = contributions - active credits - retiree credits
Retirees pay nothing.

Resident scheme (URRBMI)
    premium income  = enrolled member-years * premium * collection
    subsidy income  = enrolled member-years * subsidy * collection

All amounts in CNY per year; every function broadcasts over leading dims (draw, year).
"""

from __future__ import annotations

import numpy as np


def employee_contributions(active_years, base, employer_rate, employee_rate, collection):
    """Employer and employee contributions collected, CNY: returns (employer, employee)."""
    wage_bill = active_years * base * collection
    return wage_bill * employer_rate, wage_bill * employee_rate


def personal_account_credits(employer, employee, retiree_years, *, year, reform_year,
                             employee_to_account, employer_share_before, retiree_credit_before,
                             retiree_credit_after):
    """Credits into personal accounts, CNY: returns (active credits, retiree credits).

    Before ``reform_year`` active accounts also receive a share of the employer contribution;
    from it on (the 2021 outpatient mutual-aid reform) they receive only the member's own
    contribution, and the retiree credit switches to its post-reform amount."""
    after = np.asarray(year) >= reform_year
    active = employee * employee_to_account + np.where(after, 0.0, employer * employer_share_before)
    retiree = retiree_years * np.where(after, retiree_credit_after, retiree_credit_before)
    return active, retiree


def resident_income(enrolled_years, premium, subsidy, collection):
    """Premium and subsidy income of the resident scheme, CNY: returns (premiums, subsidies)."""
    return enrolled_years * premium * collection, enrolled_years * subsidy * collection
