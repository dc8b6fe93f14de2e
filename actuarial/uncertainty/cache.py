"""Fitted stochastic models kept on disk between runs.

A fit is a deterministic function of the data it reads (:func:`.models.data_hash`) and of the
code that fits it, so :func:`.models.fit` keeps each fitted model in a file named by both and
reads it back in the next process instead of fitting again (a fit imports statsmodels and
takes a second or more; reading the file takes milliseconds).

Folder: ``$ACTUARIAL_CACHE`` when set, else ``$XDG_CACHE_HOME/actuarial``, else
``~/.cache/actuarial``; files ``fit-<key>.pickle``. Set ``ACTUARIAL_CACHE=off`` to turn the
cache off (every process then fits afresh). The folder may be deleted at any time.

The key is the SHA-256 of the data hash, this package's version, the statsmodels, scipy and
numpy versions and the source of the modules that fit (:data:`FIT_MODULES`): changing any of
them changes the key, so a stale fit is never read. Warnings shown while fitting (a root near
the unit circle, ...) are stored with the model and raised again when it is read.

Concurrent runs are safe: a file is written under a temporary name in the same folder and
renamed into place (``os.replace`` is atomic), so a reader sees a whole file or none. A file
that cannot be read (truncated by a full disk, from an older format) is ignored and replaced;
a folder that cannot be written is ignored (the run fits as before). The files are pickles:
keep the folder private to its user, as the default one is.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

FORMAT = 1
"""Version of the file layout; raise it when :class:`~.models.StochasticModel` changes shape."""

FIT_MODULES = ("uncertainty/models.py", "uncertainty/arima.py", "mortality.py", "lee_carter_fit.py")
"""The package's modules whose code decides a fitted model (paths under ``actuarial/``)."""

OFF = {"off", "0", "no", "false", "none"}


def folder() -> Path | None:
    """The cache folder, or None when the cache is turned off (``ACTUARIAL_CACHE=off``)."""
    env = os.environ.get("ACTUARIAL_CACHE")
    if env is not None:
        return None if env.strip().lower() in OFF or not env.strip() else Path(env).expanduser()
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:              # no home folder to be found: no cache
        return None
    return Path(base) / "actuarial"


def _versions() -> str:
    from .._version import __version__

    out = [f"actuarial={__version__}"]
    for dist in ("statsmodels", "scipy", "numpy"):
        try:
            out.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist}=?")
    return ";".join(out)


def key(data_hash: str) -> str:
    """The file key of a fit of data ``data_hash`` by this code and these library versions."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"{FORMAT};{data_hash};{_versions()}".encode())
    for name in FIT_MODULES:
        h.update((root / name).read_bytes())
    return h.hexdigest()


def load(data_hash: str):
    """The model fitted to ``data_hash`` if a cached one can be read (its warnings raised
    again), else None."""
    where = folder()
    if where is None:
        return None
    path = where / f"fit-{key(data_hash)}.pickle"
    try:
        with open(path, "rb") as f:
            stored = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("data_hash") != data_hash:
        return None
    for category, message in stored["warnings"]:
        warnings.warn(message, category, stacklevel=3)
    return stored["model"]


def store(data_hash: str, model, caught) -> Path | None:
    """Write ``model`` (with the warnings ``caught`` while fitting it) for the next process.
    Returns the file, or None when the cache is off or the folder cannot be written."""
    where = folder()
    if where is None:
        return None
    record = {"format": FORMAT, "data_hash": data_hash, "model": model,
              "warnings": [(w.category, str(w.message)) for w in caught]}
    tmp = None
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = where / f"fit-{key(data_hash)}.pickle"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=where)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(record, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)      # atomic: a concurrent reader sees the old file, this one, or none
        return path
    except (OSError, pickle.PicklingError):
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        return None
