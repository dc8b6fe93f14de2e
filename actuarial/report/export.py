"""Exports that a crash cannot leave half-written: each file is written to a temporary file
in the same folder and moved into place with an atomic rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import xarray as xr


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on failure
    remove it and leave any existing ``path`` untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes the file private; give it normal rights
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write a Dataset as NetCDF4 (compressed), atomically. Returns the path."""
    encoding = {name: {"zlib": True, "complevel": 1} for name, var in ds.data_vars.items()
                if var.dtype.kind == "f"}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    return Path(path)


def write_csv(df: pd.DataFrame, path, **kwargs) -> Path:
    """Write a table as CSV, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(path)
