"""Engine arguments checked once for all engines: a number or one number per agent, a
list of numbers, a flag.  Each raises a ValueError naming the argument."""

from __future__ import annotations

import numpy as np

__all__ = ["per_agent", "numbers", "flag", "agent_indices"]


def per_agent(value, name: str, n: int, *, minimum: float | None = None,
              strictly: bool = False, allow_none: bool = False) -> np.ndarray | None:
    """One finite float per agent from a number or an array of n, or a ValueError naming it."""
    if value is None:
        if allow_none:
            return None
        raise ValueError(f"{name} must be a number, got None")
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or one number per agent, "
                         f"got {value!r}") from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(f"{name} must be a number or {n} numbers (one per agent), "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None:
        bad = arr <= minimum if strictly else arr < minimum
        if np.any(bad):
            word = "greater than" if strictly else "at least"
            raise ValueError(f"{name} must be {word} {minimum}, got {value!r}")
    return np.broadcast_to(arr, (n,)).copy()


def numbers(values, name: str, n: int) -> np.ndarray:
    """A float array of length n from a number or n numbers, or a ValueError naming it."""
    if isinstance(values, (bool, np.bool_)):
        raise ValueError(f"{name} must be numbers, got {values!r}")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {values!r}") from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(f"{name} must be a number or {n} numbers, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {values!r}")
    return np.broadcast_to(arr, (n,)).copy()


def flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def agent_indices(agents, n_agents: int, *, repeats: bool = False) -> np.ndarray:
    """Validated agent indices (all ``n_agents`` when None); each at most once unless
    ``repeats`` (rows applied in order)."""
    if agents is None:
        return np.arange(n_agents)
    try:
        arr = np.asarray(agents)
    except (TypeError, ValueError):
        arr = None
    if arr is None or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"agents must be integer indices, got {agents!r}")
    arr = arr.astype(np.int64).reshape(-1)
    # A few agents are checked as a Python list (no reductions, no sort); many in NumPy.
    few = arr.tolist() if len(arr) <= 64 else None
    if arr.size and (min(few) < 0 or max(few) >= n_agents if few is not None
                     else arr.min() < 0 or arr.max() >= n_agents):
        raise ValueError(f"agents must be indices in [0, {n_agents}), got {agents!r}")
    if not repeats and len(arr) > 1 and (len(set(few)) if few is not None
                                         else len(np.unique(arr))) != len(arr):
        raise ValueError("agents must not repeat within one call")
    return arr
