"""Batched instance memory: the instances of many agents at once, and the activation math.

The store is a structure of arrays with one row per agent and one column per instance slot.
An instance is a distinct (attribute values, utility) pair of one agent; every time it is
learned again it gains a reference (an occurrence time).  Activation follows ACT-R/IBL:

    A_i = B_i + eps_i + mu * sum_j w_j (S_ij - 1)
    B_i = ln sum_k (t - t_k)^-d                       (exact base-level learning)

with the optimized-learning approximations of PyIBL 5.2 and logistic noise eps.  Retrieval
probabilities are a softmax of the activations at temperature tau and the blended value is
the probability-weighted mean utility.  Everything is vectorized across agents and
instances; nothing here loops over agents.
"""

from __future__ import annotations

import math

import numpy as np

SQRT2 = math.sqrt(2.0)
MINIMUM_TEMPERATURE = 0.01

__all__ = [
    "InstanceMemory",
    "effective_temperature",
    "logistic_noise",
    "mismatch_penalty",
    "retrieval_probabilities",
    "blend",
    "parse_optimized_learning",
]


def parse_optimized_learning(value: bool | int | None) -> int | None:
    """Normalise PyIBL's ``optimized_learning``: None (exact), 0 (full approximation) or k.

    ``True`` selects the full approximation ln(n/(1-d)) - d ln(L); a positive integer k
    keeps the k most recent references exact and approximates the older ones.
    """
    if value is None or value is False:
        return None
    if value is True or (isinstance(value, (int, np.integer)) and value == 0):
        return 0
    if isinstance(value, (int, np.integer)) and value >= 1:
        return int(value)
    raise ValueError(
        f"optimized_learning must be a bool or a positive integer, got {value!r}")


def effective_temperature(temperature, noise) -> np.ndarray:
    """Temperature actually used: the given one, else sigma*sqrt(2); 1 when that is < 0.01.

    This is PyIBL's rule: with no temperature and a noise too small to give one of at
    least 0.01, the temperature is 1.
    """
    noise = np.asarray(noise, dtype=np.float64)
    if temperature is None:
        t = SQRT2 * noise
        return np.where(t < MINIMUM_TEMPERATURE, 1.0, t)
    return np.broadcast_to(np.asarray(temperature, dtype=np.float64), noise.shape).copy()


def logistic_noise(rng: np.random.Generator, scale: np.ndarray, shape: tuple) -> np.ndarray:
    """Logistic activation noise with per-agent scale s; agents on the last axis of ``shape``.

    Drawn by inverting the logistic CDF of a 24-bit uniform (single precision, several
    times faster than double-precision ``Generator.logistic``): the noise is exact to about
    1e-7 relative and its tails are cut at about +-16.6 s, where the probability is < 1e-7.
    """
    u = rng.random(shape, dtype=np.float32)
    np.maximum(u, np.float32(2.0 ** -25), out=u)
    ratio = u / (np.float32(1.0) - u)
    np.log(ratio, out=ratio)
    ratio *= np.asarray(scale, dtype=np.float32)
    return ratio


def mismatch_penalty(similarities, weights, mu) -> np.ndarray:
    """Partial-matching term mu * sum_j w_j (S_j - 1).

    ``similarities`` is a sequence (or iterable) of arrays S_j, one per partially matched
    attribute, agents on the last axis (as ``mu``); they are consumed one at a time so that
    only one is held in memory.
    """
    total = None
    for s, w in zip(similarities, weights):
        term = np.subtract(s, 1.0)
        term *= w
        if total is None:
            total = term
        else:
            total += term
    total *= np.asarray(mu, dtype=np.float64)
    return total


def similarity_values(function, x: np.ndarray, y: np.ndarray, valid: np.ndarray,
                      name: str) -> np.ndarray:
    """Similarities S(x, y) in [0, 1] from a user or built-in function, as PyIBL uses them.

    Equal values have similarity 1 whatever the function says; a result outside [0, 1]
    (over valid instances) raises a ValueError naming ``name``.  Built-ins marked
    ``exact_on_equal`` are trusted and skip the checks.
    """
    s = np.asarray(function(x, y), dtype=np.float64)
    if getattr(function, "exact_on_equal", False):
        return s
    equal = x == y
    s = np.where(equal, 1.0, s)
    out = ((s < 0) | (s > 1) | np.isnan(s)) & valid & ~equal
    if np.any(out):
        raise ValueError(f"similarity of {name} must be in [0, 1], the function returned "
                         f"{s[out][0]}")
    return s


def retrieval_probabilities(activations: np.ndarray, candidates: np.ndarray,
                            temperature) -> np.ndarray:
    """Softmax of activations at temperature over candidate instances (axis 0).

    Instances are on axis 0 and agents on the last axis (as ``temperature``).  Columns
    without a candidate give all-zero probabilities.
    """
    a = np.where(candidates, activations, -np.inf)
    if a.shape[0] == 0:
        return np.zeros(a.shape)
    tau = np.asarray(temperature, dtype=np.float64)
    scaled = a / tau
    top = scaled.max(axis=0)
    # exp(A/tau) as PyIBL computes it (bit for bit), shifted only where it would overflow.
    shift = np.where(np.isfinite(top) & (top > 700.0), top, 0.0)
    with np.errstate(under="ignore"):
        w = np.exp(scaled - shift) if np.any(shift) else np.exp(scaled)
    total = w.sum(axis=0)
    return w / np.where(total > 0, total, 1.0)


def blend(probabilities: np.ndarray, utilities: np.ndarray) -> np.ndarray:
    """Blended value sum_i p_i u_i / sum_i p_i over axis 0; NaN where there is no candidate."""
    weight = probabilities.sum(axis=0)
    num = (probabilities * utilities).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, num / np.where(weight > 0, weight, 1.0), np.nan)


class InstanceMemory:
    """Instances of ``n_agents`` agents, each an (attributes, utility) pair with references.

    Parameters
    ----------
    n_agents : int
        Number of agents.
    n_attributes : int
        Number of attribute values per instance.
    optimized_learning : bool or int
        ``False``: exact base-level learning over every reference; ``True``: PyIBL's
        full approximation; ``k``: the k most recent references exact, the rest
        approximated as PyIBL 5.2 does it.
    capacity : int
        Initial instance slots per agent; grows by doubling.

    Arrays are slot-major: ``utility[slot, agent]``, ``attributes[slot, j, agent]``, so that
    a reduction over an agent's instances runs along axis 0, contiguous for all agents at
    once.  Slots are used in insertion order and never reused, so the order of an agent's
    instances is the order in which they were first learned (as in PyIBL).  Forgetting the
    last reference of an instance empties its slot.
    """

    def __init__(self, n_agents: int, n_attributes: int, optimized_learning=False,
                 capacity: int = 8):
        if n_agents < 1:
            raise ValueError(f"n_agents must be at least 1, got {n_agents}")
        self.n_agents = int(n_agents)
        self.n_attributes = int(n_attributes)
        self.optimized_learning = parse_optimized_learning(optimized_learning)
        capacity = max(1, int(capacity))
        n, a, k = self.n_agents, self.n_attributes, self.optimized_learning
        self.attributes = np.zeros((capacity, a, n))
        self.utility = np.zeros((capacity, n))
        self.created = np.zeros((capacity, n), dtype=np.int64)
        self.count = np.zeros((capacity, n), dtype=np.int64)
        self.valid = np.zeros((capacity, n), dtype=bool)
        self.size = np.zeros(n, dtype=np.int64)
        # Exact mode: the references of each agent, one column per agent: time and flat
        # instance index slot*n_agents + agent.  Unused entries and forgotten references
        # have time -inf, so that their (t - time)^-d is 0.
        self.occ_time = np.full((4 * capacity, n), -np.inf)
        self.occ_index = np.broadcast_to(np.arange(n, dtype=np.int64), (4 * capacity, n)).copy()
        self.occ_size = np.zeros(n, dtype=np.int64)
        self.latest = np.full(n, np.iinfo(np.int64).min)
        # Integer optimized learning: the k most recent references, oldest first.
        self.recent = np.zeros((capacity, k if k else 0, n), dtype=np.int64)

    # ----------------------------------------------------------------- storage
    @property
    def capacity(self) -> int:
        return self.utility.shape[0]

    def _grow_instances(self, needed: int) -> None:
        cap = self.capacity
        if needed <= cap:
            return
        pad = max(needed, 2 * cap) - cap
        for name in ("attributes", "utility", "created", "count", "valid", "recent"):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.zeros((pad,) + old.shape[1:], old.dtype)]))

    def _grow_occurrences(self, needed: int) -> None:
        cap = self.occ_time.shape[0]
        if needed <= cap:
            return
        pad = max(needed, 2 * cap) - cap
        self.occ_time = np.concatenate([self.occ_time, np.full((pad, self.n_agents), -np.inf)])
        agents = np.broadcast_to(np.arange(self.n_agents, dtype=np.int64), (pad, self.n_agents))
        self.occ_index = np.concatenate([self.occ_index, agents])

    def nbytes_per_instance(self) -> float:
        """Bytes the store uses per allocated agent-instance slot (references included)."""
        arrays = [self.attributes, self.utility, self.created, self.count, self.valid,
                  self.recent, self.occ_time, self.occ_index]
        return sum(a.nbytes for a in arrays) / (self.n_agents * self.capacity)

    def width(self, agents) -> int:
        """Number of slots in use by the fullest of the given agents."""
        return int(self.size[agents].max()) if len(agents) else 0

    # ---------------------------------------------------------------- learning
    def find(self, agents: np.ndarray, attributes: np.ndarray,
             utility: np.ndarray) -> np.ndarray:
        """Slot of the instance equal to (attributes, utility) for each agent, or -1.

        ``attributes`` has shape (len(agents), n_attributes).
        """
        w = self.width(agents)
        same = self.utility[:w, agents] == utility
        if w == 0 or not same.any():
            return np.full(len(agents), -1)
        same &= self.valid[:w, agents]
        for j in range(self.n_attributes):
            same &= self.attributes[:w, j, agents] == attributes[:, j]
        return np.where(same.any(axis=0), same.argmax(axis=0), -1)

    def learn(self, agents, attributes, utility, time) -> np.ndarray:
        """Add a reference at ``time`` to instance (attributes, utility) of each agent.

        Creates the instance (created = time) when the agent has none equal to it.  Rows
        are applied in order, so an agent may appear more than once.  Returns the slots.
        """
        agents = np.asarray(agents, dtype=np.int64).reshape(-1)
        attributes = np.asarray(attributes, dtype=np.float64).reshape(len(agents), -1)
        utility = np.asarray(utility, dtype=np.float64).reshape(len(agents))
        time = np.broadcast_to(np.asarray(time, dtype=np.int64), agents.shape)
        slots = np.empty(len(agents), dtype=np.int64)
        for rows in _rounds(agents):
            slots[rows] = self._learn_unique(agents[rows], attributes[rows], utility[rows],
                                             time[rows])
        return slots

    def _learn_unique(self, agents, attributes, utility, time) -> np.ndarray:
        slot = self.find(agents, attributes, utility)
        new = slot < 0
        if new.any():
            na = agents[new]
            self._grow_instances(int(self.size[na].max()) + 1)
            ns = self.size[na]
            self.attributes[ns, :, na] = attributes[new]
            self.utility[ns, na] = utility[new]
            self.created[ns, na] = time[new]
            self.count[ns, na] = 0
            self.valid[ns, na] = True
            self.size[na] += 1
            slot[new] = ns
        self._cite(agents, slot, time)
        return slot

    def _cite(self, agents, slot, time) -> None:
        k = self.optimized_learning
        if k is None:
            self._grow_occurrences(int(self.occ_size[agents].max()) + 1)
            pos = self.occ_size[agents]
            self.occ_time[pos, agents] = time
            self.occ_index[pos, agents] = slot * self.n_agents + agents
            self.occ_size[agents] += 1
        elif k > 0:
            c = self.count[slot, agents]
            full = c >= k
            fa, fs = agents[full], slot[full]
            self.recent[fs, :-1, fa] = self.recent[fs, 1:, fa]
            self.recent[fs, -1, fa] = time[full]
            ea, es = agents[~full], slot[~full]
            self.recent[es, c[~full], ea] = time[~full]
        self.count[slot, agents] += 1
        self.latest[agents] = np.maximum(self.latest[agents], time)

    def forget(self, agent: int, slot: int, time: int) -> bool:
        """Remove one reference at ``time`` from an instance (exact mode only).

        Returns False when the instance has no such reference.  An instance left without
        references is removed.
        """
        if self.optimized_learning is not None:
            raise RuntimeError("forget() cannot be used with optimized learning")
        n = self.occ_size[agent]
        hit = np.flatnonzero((self.occ_index[:n, agent] == slot * self.n_agents + agent)
                             & (self.occ_time[:n, agent] == time))
        if hit.size == 0:
            return False
        self.occ_time[hit[0], agent] = -np.inf
        self.count[slot, agent] -= 1
        if self.count[slot, agent] == 0:
            self.valid[slot, agent] = False
        return True

    def references(self, agent: int, slot: int) -> tuple[int, ...]:
        """Reference times kept for an instance, in the order they were made."""
        k = self.optimized_learning
        if k is None:
            n = self.occ_size[agent]
            times = self.occ_time[:n, agent]
            keep = (self.occ_index[:n, agent] == slot * self.n_agents + agent) & np.isfinite(times)
            return tuple(int(t) for t in times[keep])
        if k == 0:
            return ()
        c = min(int(self.count[slot, agent]), k)
        return tuple(int(t) for t in self.recent[slot, :c, agent])

    def keep_prepopulated(self) -> None:
        """Keep only instances created at time <= 0, with their references at those times."""
        inst_keep = self.valid & (self.created <= 0)
        occ_keep = (self.occ_time <= 0) & np.isfinite(self.occ_time)
        occ_keep &= inst_keep.ravel()[self.occ_index]
        self.occ_time[~occ_keep] = -np.inf
        counts = np.bincount(self.occ_index[occ_keep], minlength=self.count.size)
        self.count = counts.reshape(self.count.shape).astype(np.int64)
        self.valid = inst_keep & (self.count > 0)
        self.latest = np.where(self.valid.any(axis=0), 0, np.iinfo(np.int64).min)

    def clear(self) -> None:
        """Forget every instance of every agent."""
        self.valid[:] = False
        self.count[:] = 0
        self.size[:] = 0
        self.occ_size[:] = 0
        self.occ_time[:] = -np.inf
        self.latest[:] = np.iinfo(np.int64).min

    # -------------------------------------------------------------- activation
    def base_level(self, agents, time, decay) -> np.ndarray:
        """Base-level activation B of the used slots of the given agents at their ``time``.

        Returns an array (width, len(agents)) with -inf in empty slots.
        """
        agents = np.asarray(agents, dtype=np.int64)
        t = np.asarray(time, dtype=np.int64).reshape(1, -1)
        d = np.asarray(decay, dtype=np.float64).reshape(1, -1)
        if np.any(self.latest[agents] >= t.ravel()):
            raise RuntimeError("an instance has a reference that is not in the past; "
                               "advance the time before computing activations")
        w = self.width(agents)
        valid = self.valid[:w, agents]
        k = self.optimized_learning
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if k is None:
                total = self._exact_sums(agents, t, d, w)
            elif k == 0:
                counts = self.count[:w, agents].astype(np.float64)
                ages = (t - self.created[:w, agents]).astype(np.float64)
                b = np.log(counts / (1 - d)) - d * np.log(ages)
                return np.where(valid, b, -np.inf)
            else:
                total = self._partial_sums(agents, t, d, k, w, valid)
            b = np.log(total)
        return np.where(valid, b, -np.inf)

    def _exact_sums(self, agents, t, d, w) -> np.ndarray:
        """Sum of (t - t_k)^-d over each instance's references, in three array passes."""
        n = len(agents)
        depth = int(self.occ_size[agents].max()) if n else 0
        if n == self.n_agents and np.array_equal(agents, np.arange(n)):
            times, index = self.occ_time[:depth], self.occ_index[:depth]
        else:
            times = self.occ_time[:depth, agents]
            slots = (self.occ_index[:depth, agents] - agents) // self.n_agents
            index = slots * n + np.arange(n, dtype=np.int64)
        ages = self._scratch(times.shape)
        np.subtract(t.astype(np.float64), times, out=ages)
        if d.min() == d.max():
            np.power(ages, -float(d.flat[0]), out=ages)
        else:
            np.power(ages, -d, out=ages)
        if np.any(d == 0):
            ages[~np.isfinite(times)] = 0.0
        total = np.bincount(index.ravel(), weights=ages.ravel(), minlength=self.capacity * n)
        return total.reshape(self.capacity, n)[:w]

    def _scratch(self, shape) -> np.ndarray:
        """A reusable float buffer: fresh multi-megabyte arrays cost more in page faults
        than the arithmetic done on them."""
        size = int(np.prod(shape))
        if getattr(self, "_buffer", None) is None or self._buffer.size < size:
            self._buffer = np.empty(max(size, 2 * getattr(self, "_buffer", np.empty(0)).size))
        return self._buffer[:size].reshape(shape)

    def _partial_sums(self, agents, t, d, k, w, valid) -> np.ndarray:
        counts = self.count[:w, agents]
        recent = self.recent[:w, :, agents]                     # (w, k, n)
        kept = np.minimum(counts, k)
        live = np.arange(k)[None, :, None] < kept[:, None, :]
        ages = (t[:, None, :] - recent).astype(np.float64)
        ages[~live] = 1.0
        powers = ages ** -d[:, None, :]
        powers[~live] = 0.0
        total = powers.sum(axis=1)
        # Older references, approximated as PyIBL 5.2 does: with L the life time and m
        # the *time* (not age) of the oldest reference kept,
        # (n - k) (L^(1-d) - m^(1-d)) / ((1-d) (L - m)).
        older = counts > k
        dd = 1 - d
        life = (t - self.created[:w, agents]).astype(np.float64)
        middle = recent[:, 0, :].astype(np.float64)
        diff = (life - middle) * dd
        approx = ((life ** dd - middle ** dd) * (counts - k)) / diff
        # PyIBL computes this on masked arrays, where an undefined value (a division by
        # zero, a power of a negative time) is masked and then counted as 0.
        approx[~np.isfinite(approx)] = 0.0
        return total + np.where(older, approx, 0.0)


def _rounds(agents: np.ndarray):
    """Split row indices so that no agent appears twice within one round, keeping order."""
    if len(agents) == 0:
        return []
    if np.bincount(agents).max() == 1:
        return [np.arange(len(agents))]
    order = np.argsort(agents, kind="stable")
    sorted_agents = agents[order]
    starts = np.r_[True, sorted_agents[1:] != sorted_agents[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(agents)), 0))
    rank = np.empty(len(agents), dtype=np.int64)
    rank[order] = np.arange(len(agents)) - group_start
    if rank.max() == 0:
        return [np.arange(len(agents))]
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]
