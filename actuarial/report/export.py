"""Exports that a crash cannot leave half-written.

Each file is written to a temporary file in the same folder and moved into place with an
atomic rename (:func:`atomic_path`); a run's whole set of outputs is written into a temporary
folder renamed at the end (:class:`RunFolder`). Temporary files and folders carry the id of
the process that made them, and the next write removes those whose process is gone (a run
killed with SIGKILL cannot clean up after itself)."""

from __future__ import annotations

import glob
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, on failure
    remove it and leave any existing ``path`` untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = stale.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            stale.unlink(missing_ok=True)        # left by a killed write
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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


PERSONS_ON_DISK = "float32"
"""Storage type of person counts (``units: persons``) on disk: 7 significant digits, so a
count of 10 million is kept to about 1 person and the population identity of the stored
numbers holds to a relative 1e-6 (tested); money and rates stay float64."""


def disk_encoding(ds: xr.Dataset, compression: dict) -> dict:
    """Per-variable encoding: ``compression`` for every float variable, and person counts
    (variables whose ``units`` are persons) stored as :data:`PERSONS_ON_DISK`."""
    enc = {}
    for name, var in ds.data_vars.items():
        if var.dtype.kind != "f":
            continue
        enc[name] = dict(compression)
        if var.attrs.get("units") == "persons":
            enc[name]["dtype"] = PERSONS_ON_DISK
    return enc


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write a Dataset as NetCDF4 (compressed; person counts as float32), atomically.
    Returns the path."""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=disk_encoding(ds, {"zlib": True, "complevel": 1}))
    return Path(path)


ZARR_CHUNK_BYTES = 16 * 2**20
"""Largest chunk of a Zarr variable, in bytes before compression (as stored: person counts in
float32). Variables with a ``draw`` dim are cut along ``draw`` only, into the fewest chunks of at
most this size: the population by single age of 10,000 draws (355 MB) into 22 chunks that
compress in parallel, a variable by draw, year and scheme (3.5 MB) into one (a chunk per 1,000
draws made 540 small writes whose fixed cost was a third of the store's time)."""


def zarr_chunks(var: xr.DataArray, stored_itemsize: int) -> tuple[int, ...]:
    """Chunk shape of ``var`` on disk: whole along every dim but ``draw``, and along ``draw``
    as many draws as :data:`ZARR_CHUNK_BYTES` holds (at least one)."""
    per_draw = stored_itemsize * var.size // var.sizes["draw"]
    draws = max(1, ZARR_CHUNK_BYTES // max(per_draw, 1))
    return tuple(min(draws, n) if d == "draw" else n for d, n in var.sizes.items())


def write_zarr(ds: xr.Dataset, path) -> Path:
    """Write a Dataset as a Zarr store (a folder), atomically: the store is written under a
    temporary name and renamed into place, so a crash never leaves a half-written store.

    Variables with a ``draw`` dim are chunked along it (:func:`zarr_chunks`); chunks are
    compressed with Blosc (lz4 level 5, byte shuffle: for 10,000 draws by single age about 3x
    faster than zstd level 1 and smaller, and several times faster than NetCDF's zlib); person
    counts are stored as float32, money and rates as float64 (exactly). The chunks of one
    variable are compressed in parallel: zarr keeps up to ``async.concurrency`` chunks in
    flight and runs each codec call on its thread pool (``threading.max_workers``, default a
    few more threads than cores); Blosc's own threads stay off outside the main thread. Every
    chunk is written (``write_empty_chunks``): zarr's default first compares each chunk with
    the fill value on its one event-loop thread (a check that allocates a new array each time,
    as zarr-python pull request 2429 notes), which cost more than the chunks of fill it could
    skip.

    The store is written in two steps, to the same files (tested). First xarray writes the
    metadata and every one-chunk variable into memory (zarr's ``MemoryStore``), and those keys
    are written out as the files zarr's ``LocalStore`` makes (:func:`_write_keys`): a
    ``LocalStore`` passes each of a few hundred small files through a thread of its own, each
    written to a temporary file and renamed. Then the variables cut into several chunks are
    written into the folder a whole chunk at a time (:func:`_write_by_chunk`): handed a whole
    variable, zarr copies each chunk into a new chunk-sized array filled with the fill value
    before encoding it (zarr-python issue 2038), on its one event-loop thread; for 10,000
    draws that is 355 MB of new memory and a copy of the population. Handed one chunk, zarr
    encodes it from the array as it is. Returns the path; open it with ``xarray.open_zarr``."""
    import shutil

    import numcodecs

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    encoding = disk_encoding(ds, {"compressors": (numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE),)})
    by_chunk = {}
    for name, enc in encoding.items():
        var = ds[name]
        if "draw" in var.dims:
            enc["chunks"] = zarr_chunks(var, np.dtype(enc.get("dtype", var.dtype)).itemsize)
            if enc["chunks"][var.dims.index("draw")] < var.sizes["draw"]:
                by_chunk[name] = enc          # several chunks
    try:
        if any(v.chunks is not None for v in ds.variables.values()):   # dask arrays: xarray writes them chunk by chunk
            ds.to_zarr(tmp, mode="w", encoding=encoding, consolidated=True, zarr_format=2, write_empty_chunks=True)
        else:
            _write_in_two_steps(ds, tmp, encoding, by_chunk)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _write_in_two_steps(ds: xr.Dataset, folder: Path, encoding: dict, by_chunk: dict) -> None:
    """The store of :func:`write_zarr` for a Dataset in memory, in ``folder``: metadata and
    one-chunk variables through a ``MemoryStore`` (:func:`_write_keys`), then the variables
    ``by_chunk`` (name -> encoding) a chunk at a time (:func:`_write_by_chunk`).

    xarray creates the arrays of ``by_chunk`` from lazy stand-ins (``compute=False``, as
    :func:`actuarial.engine.store.project_to_zarr` does; the stand-ins are never computed) in
    a store of their own: building that deferred write, dask tokenizes its target, the store
    and every byte in it, which is cheap while the store holds metadata only (about 0.1 s of
    hashing when it held the other variables of 10,000 draws). Their two metadata keys join
    the rest, and the metadata is consolidated as xarray does it (``zarr.consolidate_metadata``).
    An append to one store would do the same work but checks the coordinates' types again,
    and refuses a numpy string coordinate it has just written as fixed-width."""
    import dask.array
    import zarr

    common = dict(encoding={n: dict(e) for n, e in encoding.items() if n not in by_chunk}, zarr_format=2,
                  write_empty_chunks=True)
    keys = {}
    memory = zarr.storage.MemoryStore(keys)
    if not by_chunk:
        ds.to_zarr(memory, mode="w", consolidated=True, **common)
    else:
        stand_ins = {name: xr.Variable(ds[name].dims, dask.array.empty(ds[name].shape, dtype=ds[name].dtype,
                                                                       chunks=enc["chunks"]),
                                       ds[name].attrs, ds[name].encoding)
                     for name, enc in by_chunk.items()}
        cut = {}
        ds[list(by_chunk)].assign(stand_ins).to_zarr(
            zarr.storage.MemoryStore(cut), mode="w", consolidated=False, compute=False,
            **dict(common, encoding={n: dict(e) for n, e in by_chunk.items()}))
        ds.drop_vars(list(by_chunk)).to_zarr(memory, mode="w", consolidated=False, **common)
        keys.update({key: cut[key] for name in by_chunk for key in (f"{name}/.zarray", f"{name}/.zattrs")})
        zarr.consolidate_metadata(memory, zarr_format=2)
    _write_keys(keys, folder)
    if by_chunk:
        _write_by_chunk(folder, ds, by_chunk)


def _write_keys(keys: dict, folder: Path) -> None:
    """Write a zarr store's keys (key -> zarr ``Buffer``) into ``folder`` as a ``LocalStore``
    lays them out: each key a file at that relative path."""
    from concurrent.futures import ThreadPoolExecutor

    for parent in sorted({os.path.dirname(key) for key in keys}):
        (folder / parent).mkdir(parents=True, exist_ok=True)

    def write(item):
        key, buffer = item
        with open(folder / key, "wb") as f:
            f.write(buffer.as_numpy_array())    # the bytes, without a copy for host memory
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(write, keys.items()):    # re-raises the first failure
            pass


def _write_by_chunk(store, ds: xr.Dataset, encodings: dict) -> None:
    """Write the values of ``ds``'s variables ``encodings`` (name -> their Zarr encoding, with
    ``chunks`` cut along ``draw`` only) into the arrays already created in ``store``, one whole
    chunk per call (stored as the encoding's ``dtype`` when it has one, as xarray does), with as
    many chunks in flight as zarr keeps for a write of a whole array (``async.concurrency``), so
    that their compression runs side by side on zarr's thread pool and overlaps the file writes."""
    from concurrent.futures import ThreadPoolExecutor

    import zarr

    group = zarr.open_group(store, mode="r+", zarr_format=2)
    writes = []
    for name, enc in encodings.items():
        var = ds[name]
        values, target = var.values, group[name]
        dtype = np.dtype(enc.get("dtype", values.dtype))
        axis, step = var.dims.index("draw"), enc["chunks"][var.dims.index("draw")]
        for lo in range(0, var.sizes["draw"], step):
            where = (slice(None),) * axis + (slice(lo, lo + step),)
            writes.append((target, where, values[where], dtype))

    with ThreadPoolExecutor(max_workers=max(1, min(len(writes), zarr.config.get("async.concurrency")))) as pool:
        for _ in pool.map(_write_chunk, writes):    # re-raises the first failure
            pass


def _write_chunk(job) -> None:
    target, where, part, dtype = job
    target[where] = part.astype(dtype, copy=False)


def write_csv(df: pd.DataFrame, path, **kwargs) -> Path:
    """Write a table as CSV, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(path)


# --------------------------------------------------------------------------------------------
# Run folders: a whole set of outputs appears at once, or not at all.
# --------------------------------------------------------------------------------------------

TMP_MARK = ".actuarial-tmp-"       # .<target name>.actuarial-tmp-<pid>-<random>: a run in progress
OLD_MARK = ".actuarial-old-"       # the folder a --force run is replacing, while it swaps
MANIFEST = "run.yaml"              # written last into every run folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_leftovers(parent) -> list[Path]:
    """Remove the temporary folders that killed runs left in ``parent`` (those whose process is
    gone). Returns what was removed."""
    import shutil

    parent = Path(parent)
    removed = []
    if not parent.is_dir():
        return removed
    for p in parent.iterdir():
        for mark in (TMP_MARK, OLD_MARK):
            if p.name.startswith(".") and mark in p.name and p.is_dir():
                try:
                    pid = int(p.name.split(mark, 1)[1].split("-", 1)[0])
                except ValueError:
                    continue
                if pid != os.getpid() and not _pid_alive(pid):
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(p)
    return removed


RUN_FILES = ("summary.csv", "alerts.csv", MANIFEST)


def is_run_folder(folder) -> bool:
    """True when ``folder`` holds a run's outputs (a ``run.yaml``, or only files a run writes):
    the only kind of folder ``--force`` may replace."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return True
    return all(p.is_file() and (p.name in RUN_FILES or p.suffix == ".nc") for p in folder.iterdir())


class RunFolder:
    """Write a run's outputs into a temporary folder beside ``target`` and rename it to
    ``target`` at the end (:meth:`commit`), so that a crash or a kill never leaves a mixed or
    half-written set: ``target`` either does not exist, or holds a previous complete run, or
    holds this one complete.

    :meth:`prepare` does every check before anything is computed: ``target`` must not be a
    file; an existing non-empty ``target`` is replaced only with ``force`` (it is swapped out
    and removed after the new folder is in place); the parent must be writable (the temporary
    folder is created there at once). A folder that holds anything but a run's outputs is never
    replaced. Leftovers of killed runs in the parent are removed.
    Raises :class:`~actuarial.errors.OutputError` with the path and the fix."""

    def __init__(self, target, force: bool = False):
        self.target = Path(target)
        self.force = force
        self.tmp: Path | None = None
        self.cleaned: list[Path] = []

    def prepare(self) -> "RunFolder":
        from ..errors import OutputError

        t = self.target
        if t.exists() and not t.is_dir():
            raise OutputError(f"{t}: output folder is a file; expected a folder (or a new name) for --out")
        if t.is_dir() and any(t.iterdir()):
            if not is_run_folder(t):
                raise OutputError(f"{t}: output folder holds files that are not a run's outputs; expected a new "
                                  f"or empty folder for --out (--force replaces only a previous run's folder)")
            if not self.force:
                raise OutputError(f"{t}: output folder holds a previous run; expected a new or empty --out folder, "
                                  f"or --force to replace that run")
        parent = t.parent if str(t.parent) else Path(".")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputError(f"{parent}: a file stands where the output folder's parent should be; "
                              f"expected a folder") from None
        except OSError as exc:
            raise OutputError(f"{parent}: cannot create the output folder's parent ({exc.strerror or exc}); "
                              f"choose a writable place with --out") from None
        self.cleaned = clean_leftovers(parent)
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{t.name}{TMP_MARK}{os.getpid()}-", dir=parent))
        except OSError as exc:
            raise OutputError(f"{parent}: cannot write there ({exc.strerror or exc}); choose a writable "
                              f"folder with --out") from None
        return self

    def path(self, name: str) -> Path:
        """Where to write file ``name`` of the run (inside the temporary folder)."""
        return self.tmp / name

    def commit(self) -> Path:
        """Give the temporary folder normal rights and rename it to the target."""
        import shutil

        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)   # mkdtemp makes the folder private
        old = None
        if self.target.is_dir():
            if any(self.target.iterdir()):
                old = self.target.parent / f".{self.target.name}{OLD_MARK}{os.getpid()}"
                os.replace(self.target, old)
            else:
                self.target.rmdir()
        os.replace(self.tmp, self.target)
        self.tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.target

    def discard(self) -> None:
        """Remove the temporary folder (after a failure)."""
        import shutil

        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def write_manifest(path, info: dict) -> Path:
    """Write the run's record (``run.yaml``): command, seed, draws, horizon, assumption hash,
    package version, files."""
    import yaml

    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(info, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return Path(path)
