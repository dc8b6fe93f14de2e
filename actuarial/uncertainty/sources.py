"""Sources of uncertainty: seeded random streams and the deviations from the best estimate
they drive.

Every source is a zero-mean deviation from the best-estimate path in the assumption file,
starting at zero in the base year. With every shock at zero a stochastic run therefore equals
the deterministic best estimate, draw by draw.

Seeding: one ``numpy.random.SeedSequence(seed)``; each *stream* (economy, mortality,
enrolment, employment) has a fixed spawn key, so adding or switching off a source never changes
another's numbers. Each stream draws all its normals as one (draws, years, ...) array, so draw
d's numbers do not depend on how many draws are run or how they are chunked.
"""

from __future__ import annotations

import threading

import numpy as np

from ..dims import SEXES
from ..errors import ProjectionError
from ..params import ECONOMIC_COMPONENTS
from .arima import simulate_deviation
from .models import AR1Params, StochasticModel

SOURCES = ECONOMIC_COMPONENTS + ("mortality", "enrolment", "employment")
STREAM_KEYS = {"economy": 1, "mortality": 2, "enrolment": 3, "employment": 4}


def _ar1_path(innovations: np.ndarray, p: AR1Params) -> np.ndarray:
    """(draws, years) deviations with dev[:, 0] = 0 and dev_t = phi dev_{t-1} + sigma z_t."""
    return simulate_deviation(innovations, p)   # AR(1) as before; ARIMA(p, d, q) when fitted so


SKIP_BLOCK = 4096   # draws of normals generated at once when skipping to a chunk's first draw


def _stream(seed, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM_KEYS[name],)))


def _shapes(n_years: int) -> dict[str, tuple]:
    """The normals each stream draws per draw."""
    return {"economy": (n_years, len(ECONOMIC_COMPONENTS)), "mortality": (n_years,),
            "enrolment": (n_years,), "employment": (n_years,)}


def _normals(seed, name: str, start: int, count: int, shape: tuple, state: dict | None = None) -> np.ndarray:
    """Standard normals of draws ``start .. start + count - 1`` of stream ``name``, each draw
    ``shape``: exactly the rows a single ``(draws,) + shape`` array of the stream would hold
    there. The generator fills arrays in order, so the draws before ``start`` are generated in
    blocks of :data:`SKIP_BLOCK` and discarded (memory stays bounded by the chunk), unless
    ``state`` gives the generator's state at ``start`` (see :func:`stream_states`)."""
    rng = _stream(seed, name)
    if state is not None:
        rng.bit_generator.state = state
    else:
        _skip(rng, int(start), shape)
    return rng.standard_normal((count,) + shape)


def _skip(rng: np.random.Generator, draws: int, shape: tuple) -> None:
    """Advance ``rng`` past ``draws`` draws of normals of ``shape`` each, generated in blocks
    of :data:`SKIP_BLOCK` draws and discarded."""
    while draws > 0:
        n = min(draws, SKIP_BLOCK)
        rng.standard_normal((n,) + shape)
        draws -= n


def stream_states(seed, starts, n_years: int) -> dict[int, dict[str, dict]]:
    """The state of every stream's generator at each of ``starts`` (increasing draw numbers),
    from one pass that generates and discards the normals in between. A chunk handed its
    states starts its streams there instead of skipping from draw 0: the same numbers, without
    the cost of skipping, which grows with the square of the number of draws."""
    cursor = StreamStates(seed, starts, n_years)
    return {int(start): cursor.get(start) for start in starts}


class StreamStates:
    """:func:`stream_states` found on demand: ``get(start)`` advances the streams (under a
    lock, so threads may ask in any order) to the furthest start asked for, recording the
    states at every start on the way. The chunks of a run in this process ask as they begin,
    so the normals are skipped while earlier chunks compute instead of before any does."""

    def __init__(self, seed, starts, n_years: int):
        self._starts = sorted({int(s) for s in starts})
        self._shapes = _shapes(n_years)
        self._rngs = {name: _stream(seed, name) for name in STREAM_KEYS}
        self._at, self._states = 0, {}
        self._lock = threading.Lock()

    def get(self, start: int, default=None):
        """The states at ``start`` (one of the starts given), or ``default`` for any other."""
        with self._lock:
            for s in self._starts:
                if s > start or s in self._states:
                    continue
                for name, rng in self._rngs.items():
                    _skip(rng, s - self._at, self._shapes[name])
                self._at = s
                self._states[s] = {name: rng.bit_generator.state for name, rng in self._rngs.items()}
            return self._states.get(int(start), default)


def zero_deviations(draws: int, n_years: int) -> dict[str, np.ndarray]:
    """Every deviation at zero: the best estimate, in the shapes :func:`draw_deviations` gives."""
    dev = {name: np.zeros((draws, n_years)) for name in SOURCES if name != "mortality"}
    dev["mortality"] = np.zeros((draws, n_years, len(SEXES)))
    return dev


def check_sources(sources) -> tuple[str, ...]:
    """The sources as a tuple, or a :class:`ProjectionError` naming the unknown ones."""
    sources = tuple(sources)
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ProjectionError(f"unknown source(s) of uncertainty {sorted(unknown)}; expected some of {list(SOURCES)}")
    return sources


def draw_deviations(model: StochasticModel, draws: int, n_years: int, seed,
                    sources=SOURCES, *, start: int = 0, states: dict | None = None) -> dict[str, np.ndarray]:
    """Deviations from the best estimate for draws ``start .. start + draws - 1`` of every
    source, each (draws, n_years) except ``mortality`` (draws, n_years, sex); year 0 (the base
    year) is always 0. Sources not in ``sources`` are zero. Draw d gets the same numbers
    whatever ``start`` and ``draws`` of the call that computes it. ``states``: the streams'
    states at ``start`` from :func:`stream_states` (saves skipping; same numbers)."""
    states = states or {}
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise ProjectionError(f"draws must be a whole number of at least 1 (got {draws!r})")
    sources = check_sources(sources)
    dev = zero_deviations(draws, n_years)
    shapes = _shapes(n_years)
    z = _normals(seed, "economy", start, draws, shapes["economy"], states.get("economy"))
    correlated = z @ model.factor.T
    for j, name in enumerate(ECONOMIC_COMPONENTS):
        if name in sources:
            dev[name] = _ar1_path(correlated[..., j], model.ar1[name])
    zm = _normals(seed, "mortality", start, draws, shapes["mortality"], states.get("mortality"))  # column 0: drift error
    zk, zd = zm[:, 1:], zm[:, 0]
    if "mortality" in sources and n_years > 1:
        for i, sex in enumerate(SEXES):   # common shocks for both sexes
            dev["mortality"][:, 1:, i] = model.lee_carter[sex].kt_deviation(zk, zd)
    for name in ("enrolment", "employment"):
        zz = _normals(seed, name, start, draws, shapes[name], states.get(name))
        if name in sources:
            dev[name] = _ar1_path(zz, model.ar1[name])
    return dev
