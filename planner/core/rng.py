"""Random number handling: one ``seed`` argument everywhere, no global RNG."""

from __future__ import annotations

import numpy as np

from planner.core.errors import InputError

__all__ = ["Seed", "as_generator", "spawn_generators", "spawn_seeds"]

Seed = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(seed: Seed = 0) -> np.random.Generator:
    """Turn ``seed`` (int, SeedSequence, Generator or None) into a Generator.

    A Generator is returned as is (so callers can share a stream).

    >>> bool(as_generator(3).integers(100) == as_generator(3).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, np.random.SeedSequence):
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise InputError(
                field="seed", expected="an integer >= 0 or a numpy Generator", got=seed
            )
        if seed < 0:
            raise InputError(field="seed", expected="an integer >= 0", got=int(seed))
    return np.random.default_rng(seed)


def spawn_seeds(
    seed: int | np.random.SeedSequence, n: int
) -> list[np.random.SeedSequence]:
    """Spawn ``n`` independent child seed sequences from one seed.

    The i-th child is the same whatever ``n`` is, which gives common random
    numbers across compared scenarios.
    """
    ss = (
        seed
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(seed)
    )
    return [
        np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, i))
        for i in range(n)
    ]


def spawn_generators(
    seed: int | np.random.SeedSequence, n: int
) -> list[np.random.Generator]:
    """``n`` independent generators spawned from ``seed`` (see :func:`spawn_seeds`)."""
    return [np.random.default_rng(s) for s in spawn_seeds(seed, n)]
