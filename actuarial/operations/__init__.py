"""Monthly fund operations: the ledger, budget execution, the year-end outturn forecast, the
regional global budget and the DIP point value (docs/operations.md)."""

from .execution import execution, plot_execution, seasonal_share
from .ledger import (LINES, annual_totals, check_against_annual, load_budget, load_ledger, monthly_series,
                     select_region)
from .nowcast import backtest, backtest_summary, forecast_series, outturn

__all__ = ["LINES", "annual_totals", "backtest", "backtest_summary", "check_against_annual", "execution",
           "forecast_series", "load_budget", "load_ledger", "monthly_series", "outturn", "plot_execution",
           "seasonal_share", "select_region"]
