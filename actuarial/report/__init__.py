"""Reports: summary tables and exports (NetCDF, CSV)."""

from .export import write_csv, write_netcdf
from .summary import summary_table

__all__ = ["summary_table", "write_csv", "write_netcdf"]
