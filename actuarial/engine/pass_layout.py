"""How the compiled pass (:mod:`actuarial.engine.fused`) gets its inputs: per-draw arrays as
rows, the stock weights as segments of ages over their distinct nonzero values, and the ages
each step of a year needs.

Plain numpy, run before the pass; nothing here changes a number beyond rounding, only which
cells the pass visits and in which order it adds them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def rows(x: np.ndarray) -> np.ndarray:
    """A per-draw array as C-contiguous rows: one row when every draw shares it (an array
    broadcast along draws, as the best-estimate survival is), so the compiled pass is compiled
    for one memory layout only (each layout is a compilation of its own on first use)."""
    return np.ascontiguousarray(x[:1] if x.shape[0] > 1 and x.strides[0] == 0 else x, dtype=float)


def stock_segments(weights: np.ndarray, lanes: int) -> tuple[np.ndarray, ...]:
    """:func:`segments_of` the weights, cached by their values (every chunk of a run, and every
    run of the same assumptions, has the same weights; finding the segments takes a few
    milliseconds, looking them up a fraction of one). The arrays returned are read-only."""
    w = np.ascontiguousarray(weights, dtype=float)
    return _cached_segments(w.tobytes(), w.shape, lanes)


@lru_cache(maxsize=16)
def _cached_segments(data: bytes, shape: tuple, lanes: int) -> tuple[np.ndarray, ...]:
    out = segments_of(np.frombuffer(data, dtype=float).reshape(shape), lanes)
    for x in out:
        x.flags.writeable = False
    return out


def segments_of(weights: np.ndarray, lanes: int) -> tuple[np.ndarray, ...]:
    """How the compiled pass sums the stocks against the weights (status, sex, age, K): as sums
    of a few *segments*, each a run of ages of one sex against one *base* weight vector.

    Many columns share their weights: persons and the indicators' age bands are 1 over a
    range of ages, the critical-illness bands are the claim cost over a range of ages. So
    each column is matched, in order, to a base (the vector of ones over every cell comes
    first; else an earlier column whose weights equal it wherever it is nonzero; else it
    becomes a base itself), and each base's cells are cut at every edge of the ages its
    columns cover. A column is then the sum of its segments (sex by sex, in age order),
    and the totals by status and sex the sums of the ones' segments: about 3,100 products a
    date instead of 5,200 for the example, with the same sums to rounding.

    Returns ``(offsets, vals, ptr, col_segs, col_ptr, tot_segs, tot_ptr)``: segment g covers
    ``vals[ptr[g]:ptr[g + 1]]`` (the base's weights, a value per person) at ``offsets`` in a
    group's stocks (status, sex, age, lane) flattened; ``col_segs[col_ptr[s, k]:col_ptr[s, k +
    1]]`` are the segments of column k of status s, ``tot_segs[tot_ptr[s, x]:tot_ptr[s, x +
    1]]`` those of the totals of status s and sex x. A zero weight costs nothing."""
    S, X, A, K = weights.shape
    cell = np.arange(S * X * A).reshape(S, X, A) * lanes
    offsets, vals, ptr = [], [], [0]
    col_segs = [[[] for _ in range(K)] for _ in range(S)]
    tot_segs = [[[] for _ in range(X)] for _ in range(S)]
    for s in range(S):
        cols = [weights[s, ..., k] for k in range(K)]
        bases, members = [np.ones((X, A))], [[]]     # each base's weights and its columns
        for k, w in enumerate(cols):
            nz = w != 0
            for b, base in enumerate(bases):
                if np.all(w[nz] == base[nz]):
                    members[b].append(k)
                    break
            else:
                bases.append(w)
                members.append([k])
        for b, base in enumerate(bases):
            for x in range(X):
                edges = {0, A}
                for k in members[b]:
                    on = np.concatenate([[False], cols[k][x] != 0, [False]])
                    edges.update(np.flatnonzero(on[1:] != on[:-1]).tolist())
                edges = sorted(edges)
                for lo, hi in zip(edges[:-1], edges[1:]):
                    ages = lo + np.flatnonzero(base[x, lo:hi] != 0)
                    if ages.size == 0:
                        continue
                    g = len(ptr) - 1
                    offsets.append(cell[s, x, ages])
                    vals.append(base[x, ages])
                    ptr.append(ptr[-1] + ages.size)
                    if b == 0:
                        tot_segs[s][x].append(g)
                    for k in members[b]:
                        if cols[k][x, ages[0]] != 0:
                            col_segs[s][k].append(g)
    return (np.concatenate(offsets).astype(np.int64), np.concatenate(vals).astype(float), np.array(ptr, dtype=np.int64),
            *_ragged(col_segs), *_ragged(tot_segs))


def _ragged(lists: list) -> tuple[np.ndarray, np.ndarray]:
    """Lists ``lists[s][k]`` of segment numbers as one flat array and pointers (S, n + 1):
    ``flat[ptr[s, k]:ptr[s, k + 1]]`` is ``lists[s][k]``."""
    sizes = np.array([[len(x) for x in row] for row in lists], dtype=np.int64)
    ends = np.cumsum(sizes).reshape(sizes.shape)
    flat = np.array([g for row in lists for x in row for g in x], dtype=np.int64)
    return flat, np.concatenate([ends[:, :1] - sizes[:, :1], ends], axis=1)


def age_spans(pop0, fert, entry, exit_, flex_entry, flex_exit, retire, migration, contributors) -> np.ndarray:
    """The ages each step of a year needs, ``[lo, hi, f_lo, f_hi]``: moves between statuses
    (and contribution years) at ages ``lo:hi``, births from women of ages ``f_lo:f_hi``.
    Elsewhere a step changes nothing, so skipping it gives the same numbers, bit for bit.

    ``lo`` is the first age with any move (entry, exit, retirement). From some age on, the
    retirement hazard is 1 in every year for both sexes (whoever is still a contributor
    retires); above it, and above the last age at which anyone becomes a contributor (an entry,
    a contributing migrant or a contributor at the base date, who ages a year first),
    contributors are always zero: nothing moves there, and their contribution years are never
    read. ``hi`` is one past that age (about two ages in three); all ages when the hazard never
    reaches 1."""
    A = pop0.shape[-1]

    def ages(x):
        return np.flatnonzero(np.any(np.asarray(x).reshape(-1, A) != 0, axis=0))

    def last(x, shift=0):
        found = ages(x)
        return int(found[-1]) + shift if found.size else 0
    moving = ages(np.concatenate([np.asarray(r).reshape(-1, A) for r in (entry, exit_, flex_entry, flex_exit, retire)]))
    partial = np.flatnonzero(~np.all(np.asarray(retire).reshape(-1, A) >= 1.0, axis=0))
    top = max(int(partial[-1]) + 1 if partial.size else 0, last(entry), last(flex_entry),
              last(np.asarray(migration)[list(contributors)], 1), last(np.asarray(pop0)[list(contributors)], 1))
    fertile = ages(fert)
    return np.array([int(moving[0]) if moving.size else 0, min(top + 1, A) if moving.size else 0,
                     int(fertile[0]) if fertile.size else 0, int(fertile[-1]) + 1 if fertile.size else 0],
                    dtype=np.int64)
