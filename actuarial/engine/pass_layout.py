"""How the compiled pass (:mod:`actuarial.engine.fused`) gets its inputs: per-draw arrays as
rows, the stock weights as their nonzero values, and the ages each step of a year needs.

Plain numpy, run once per chunk before the pass; no numbers change here, only which cells the
pass visits.
"""

from __future__ import annotations

import numpy as np


def rows(x: np.ndarray) -> np.ndarray:
    """A per-draw array as C-contiguous rows: one row when every draw shares it (an array
    broadcast along draws, as the best-estimate survival is), so the compiled pass is compiled
    for one memory layout only (each layout is a compilation of its own on first use)."""
    return np.ascontiguousarray(x[:1] if x.shape[0] > 1 and x.strides[0] == 0 else x, dtype=float)


def sparse_weights(weights: np.ndarray, lanes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nonzero weights (status, sex, age, K) of each (status, column), column by column:
    ``vals[ptr[s, k]:ptr[s, k + 1]]`` are column k's nonzero weights for status s in (sex,
    age) order and ``rows`` the offsets of their cells in a group's stocks (status, sex, age,
    lane) flattened. A weight that is zero (a profile no scheme reads for that status, an age
    outside a band) costs nothing."""
    S, X, A, K = weights.shape
    cell = np.arange(S * X * A).reshape(S, X * A) * lanes
    rows, vals, ptr = [], [], np.zeros((S, K + 1), dtype=np.int64)
    for s in range(S):
        for k in range(K):
            nz = np.flatnonzero(weights[s, ..., k].reshape(-1))
            rows.append(cell[s, nz])
            vals.append(weights[s, ..., k].reshape(-1)[nz])
            ptr[s, k + 1] = ptr[s, k] + nz.size
        if s + 1 < S:
            ptr[s + 1, 0] = ptr[s, K]
    return (np.concatenate(rows).astype(np.int64), np.concatenate(vals).astype(float), ptr)


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
