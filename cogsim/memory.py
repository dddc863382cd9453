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
    """Logistic activation noise with per-agent scale ``s`` (first axis of ``shape``)."""
    scale = np.asarray(scale, dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
    return scale * rng.logistic(size=shape)


def mismatch_penalty(similarities: np.ndarray, weights: np.ndarray, mu) -> np.ndarray:
    """Partial-matching term mu * sum_j w_j (S_j - 1); similarities on the last axis."""
    per_slot = (similarities - 1.0) * weights
    mu = np.asarray(mu, dtype=np.float64)
    total = per_slot.sum(axis=-1)
    return total * mu.reshape(mu.shape + (1,) * (total.ndim - mu.ndim))


def retrieval_probabilities(activations: np.ndarray, candidates: np.ndarray,
                            temperature) -> np.ndarray:
    """Softmax of activations at temperature over candidate instances (last axis).

    Rows without a candidate give all-zero probabilities.
    """
    a = np.where(candidates, activations, -np.inf)
    top = a.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    tau = np.asarray(temperature, dtype=np.float64)
    tau = tau.reshape(tau.shape + (1,) * (a.ndim - tau.ndim))
    with np.errstate(under="ignore"):
        w = np.exp((a - top) / tau)
    total = w.sum(axis=-1, keepdims=True)
    return w / np.where(total > 0, total, 1.0)


def blend(probabilities: np.ndarray, utilities: np.ndarray) -> np.ndarray:
    """Blended value sum_i p_i u_i / sum_i p_i; NaN where there is no candidate."""
    weight = probabilities.sum(axis=-1)
    num = (probabilities * utilities).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, num / np.where(weight > 0, weight, 1.0), np.nan)


class InstanceMemory:
    """Instances of ``n_agents`` agents, each an (attributes, utility) pair with references.

    Parameters
    ----------
    n_agents : int
        Number of agents (rows).
    n_attributes : int
        Number of attribute values per instance.
    optimized_learning : bool or int
        ``False``: exact base-level learning over every reference; ``True``: PyIBL's
        full approximation; ``k``: the k most recent references exact, the rest
        approximated as PyIBL 5.2 does it.
    capacity : int
        Initial instance slots per agent; grows by doubling.

    Slots are used in insertion order and never reused, so the order of an agent's
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
        self._alloc(max(1, int(capacity)))

    # ----------------------------------------------------------------- storage
    def _alloc(self, capacity: int) -> None:
        n, a = self.n_agents, self.n_attributes
        self.attributes = np.zeros((n, capacity, a))
        self.utility = np.zeros((n, capacity))
        self.created = np.zeros((n, capacity), dtype=np.int64)
        self.count = np.zeros((n, capacity), dtype=np.int64)
        self.valid = np.zeros((n, capacity), dtype=bool)
        self.size = np.zeros(n, dtype=np.int64)
        k = self.optimized_learning
        # Exact mode: one row of occurrences per agent (time, slot); slot -1 marks a hole.
        self.occ_time = np.zeros((n, 4 * capacity), dtype=np.int64)
        self.occ_slot = np.full((n, 4 * capacity), -1, dtype=np.int32)
        self.occ_size = np.zeros(n, dtype=np.int64)
        # Integer optimized learning: the k most recent references, oldest first.
        self.recent = np.zeros((n, capacity, k if k else 0), dtype=np.int64)

    @property
    def capacity(self) -> int:
        return self.utility.shape[1]

    def _grow_instances(self, needed: int) -> None:
        cap = self.capacity
        if needed <= cap:
            return
        new = max(needed, 2 * cap)
        pad = new - cap
        self.attributes = np.concatenate(
            [self.attributes, np.zeros((self.n_agents, pad, self.n_attributes))], axis=1)
        self.utility = np.concatenate([self.utility, np.zeros((self.n_agents, pad))], axis=1)
        self.created = np.concatenate(
            [self.created, np.zeros((self.n_agents, pad), dtype=np.int64)], axis=1)
        self.count = np.concatenate(
            [self.count, np.zeros((self.n_agents, pad), dtype=np.int64)], axis=1)
        self.valid = np.concatenate(
            [self.valid, np.zeros((self.n_agents, pad), dtype=bool)], axis=1)
        self.recent = np.concatenate(
            [self.recent, np.zeros((self.n_agents, pad, self.recent.shape[2]), dtype=np.int64)],
            axis=1)

    def _grow_occurrences(self, needed: int) -> None:
        cap = self.occ_time.shape[1]
        if needed <= cap:
            return
        pad = max(needed, 2 * cap) - cap
        self.occ_time = np.concatenate(
            [self.occ_time, np.zeros((self.n_agents, pad), dtype=np.int64)], axis=1)
        self.occ_slot = np.concatenate(
            [self.occ_slot, np.full((self.n_agents, pad), -1, dtype=np.int32)], axis=1)

    def nbytes_per_instance(self) -> float:
        """Bytes the store uses per allocated agent-instance slot (occurrences included)."""
        arrays = [self.attributes, self.utility, self.created, self.count, self.valid,
                  self.recent, self.occ_time, self.occ_slot]
        return sum(a.nbytes for a in arrays) / (self.n_agents * self.capacity)

    # ---------------------------------------------------------------- learning
    def find(self, agents: np.ndarray, attributes: np.ndarray,
             utility: np.ndarray) -> np.ndarray:
        """Slot of the instance equal to (attributes, utility) for each agent, or -1."""
        same = (self.valid[agents]
                & (self.utility[agents] == utility[:, None])
                & np.all(self.attributes[agents] == attributes[:, None, :], axis=-1))
        found = same.any(axis=1)
        return np.where(found, same.argmax(axis=1), -1)

    def learn(self, agents, attributes, utility, time) -> np.ndarray:
        """Add a reference at ``time`` to instance (attributes, utility) of each agent.

        Creates the instance (created = time) when the agent has none equal to it.  Rows
        are applied in order, so an agent may appear more than once.  Returns the slots.
        """
        agents = np.asarray(agents, dtype=np.int64)
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
            self.attributes[na, ns] = attributes[new]
            self.utility[na, ns] = utility[new]
            self.created[na, ns] = time[new]
            self.count[na, ns] = 0
            self.valid[na, ns] = True
            self.size[na] += 1
            slot[new] = ns
        self._cite(agents, slot, time)
        return slot

    def _cite(self, agents, slot, time) -> None:
        k = self.optimized_learning
        if k is None:
            self._grow_occurrences(int(self.occ_size[agents].max()) + 1)
            pos = self.occ_size[agents]
            self.occ_time[agents, pos] = time
            self.occ_slot[agents, pos] = slot
            self.occ_size[agents] += 1
        elif k > 0:
            c = self.count[agents, slot]
            full = c >= k
            fa, fs = agents[full], slot[full]
            self.recent[fa, fs, :-1] = self.recent[fa, fs, 1:]
            self.recent[fa, fs, -1] = time[full]
            ea, es = agents[~full], slot[~full]
            self.recent[ea, es, c[~full]] = time[~full]
        self.count[agents, slot] += 1

    def forget(self, agent: int, slot: int, time: int) -> bool:
        """Remove one reference at ``time`` from an instance (exact mode only).

        Returns False when the instance has no such reference.  An instance left without
        references is removed.
        """
        if self.optimized_learning is not None:
            raise RuntimeError("forget() cannot be used with optimized learning")
        n = self.occ_size[agent]
        hit = np.flatnonzero((self.occ_slot[agent, :n] == slot) & (self.occ_time[agent, :n] == time))
        if hit.size == 0:
            return False
        self.occ_slot[agent, hit[0]] = -1
        self.count[agent, slot] -= 1
        if self.count[agent, slot] == 0:
            self.valid[agent, slot] = False
        return True

    def references(self, agent: int, slot: int) -> tuple[int, ...]:
        """Reference times kept for an instance, in the order they were made."""
        k = self.optimized_learning
        if k is None:
            n = self.occ_size[agent]
            keep = self.occ_slot[agent, :n] == slot
            return tuple(int(t) for t in self.occ_time[agent, :n][keep])
        if k == 0:
            return ()
        c = min(int(self.count[agent, slot]), k)
        return tuple(int(t) for t in self.recent[agent, slot, :c])

    def keep(self, agent_mask_fn) -> None:
        """Keep only instances and references for which ``agent_mask_fn`` says so.

        ``agent_mask_fn(created, occ_time)`` returns (instance mask, occurrence mask).
        Used by reset(preserve_prepopulated=True).
        """
        inst_keep, occ_keep = agent_mask_fn(self.created, self.occ_time)
        occ_keep = occ_keep & (self.occ_slot >= 0)
        occ_keep &= np.take_along_axis(inst_keep & self.valid, np.maximum(self.occ_slot, 0),
                                       axis=1)
        self.occ_slot[~occ_keep] = -1
        counts = np.zeros_like(self.count)
        rows, cols = np.nonzero(occ_keep)
        np.add.at(counts, (rows, self.occ_slot[rows, cols]), 1)
        self.count = counts
        self.valid &= inst_keep & (counts > 0)

    def clear(self, agents=None) -> None:
        """Forget every instance of the given agents (all by default)."""
        agents = slice(None) if agents is None else agents
        self.valid[agents] = False
        self.count[agents] = 0
        self.size[agents] = 0
        self.occ_size[agents] = 0
        self.occ_slot[agents] = -1

    # -------------------------------------------------------------- activation
    def base_level(self, agents, time, decay) -> np.ndarray:
        """Base-level activation B of every slot of the given agents at their ``time``.

        Returns an array (len(agents), capacity) with -inf in empty slots.
        """
        agents = np.asarray(agents, dtype=np.int64)
        t = np.asarray(time, dtype=np.int64).reshape(-1, 1)
        d = np.asarray(decay, dtype=np.float64).reshape(-1, 1)
        valid = self.valid[agents]
        k = self.optimized_learning
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if k is None:
                total = self._exact_sums(agents, t, d)
            elif k == 0:
                counts = self.count[agents].astype(np.float64)
                ages = (t - self.created[agents]).astype(np.float64)
                self._check_ages(ages, valid)
                b = np.log(counts / (1 - d)) - d * np.log(ages)
                return np.where(valid, b, -np.inf)
            else:
                total = self._partial_sums(agents, t, d, k, valid)
            b = np.log(total)
        return np.where(valid, b, -np.inf)

    @staticmethod
    def _check_ages(ages, valid) -> None:
        if np.any((ages <= 0) & valid):
            raise RuntimeError("an instance has a reference that is not in the past; "
                               "advance the time before computing activations")

    def _exact_sums(self, agents, t, d) -> np.ndarray:
        width = int(self.occ_size[agents].max()) if len(agents) else 0
        slots = self.occ_slot[agents, :width]
        live = slots >= 0
        ages = (t - self.occ_time[agents, :width]).astype(np.float64)
        self._check_ages(ages, live)
        ages[~live] = 1.0
        powers = ages ** -d
        powers[~live] = 0.0
        cap = self.capacity
        flat = (np.arange(len(agents))[:, None] * cap + np.maximum(slots, 0)).ravel()
        total = np.bincount(flat, weights=powers.ravel(), minlength=len(agents) * cap)
        return total.reshape(len(agents), cap)

    def _partial_sums(self, agents, t, d, k, valid) -> np.ndarray:
        counts = self.count[agents]
        recent = self.recent[agents]
        kept = np.minimum(counts, k)
        live = np.arange(k)[None, None, :] < kept[:, :, None]
        ages = (t[:, :, None] - recent).astype(np.float64)
        self._check_ages(ages, live & valid[:, :, None])
        ages[~live] = 1.0
        powers = ages ** -d[:, :, None]
        powers[~live] = 0.0
        total = powers.sum(axis=2)
        # Older references, approximated as PyIBL 5.2 does: with L the life time and m
        # the *time* (not age) of the oldest reference kept,
        # (n - k) (L^(1-d) - m^(1-d)) / ((1-d) (L - m)).
        older = counts > k
        dd = 1 - d
        life = (t - self.created[agents]).astype(np.float64)
        middle = recent[:, :, 0].astype(np.float64)
        diff = (life - middle) * dd
        approx = ((life ** dd - middle ** dd) * (counts - k)) / diff
        bad = older & valid & ~np.isfinite(approx)
        if bad.any():
            raise RuntimeError("optimized learning approximation is undefined here "
                               "(division by zero), as it is in PyIBL 5.2")
        return total + np.where(older, approx, 0.0)


def _rounds(agents: np.ndarray):
    """Split row indices so that no agent appears twice within one round, keeping order."""
    if len(agents) == 0:
        return []
    order = np.argsort(agents, kind="stable")
    sorted_agents = agents[order]
    starts = np.r_[True, sorted_agents[1:] != sorted_agents[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(agents)), 0))
    rank = np.empty(len(agents), dtype=np.int64)
    rank[order] = np.arange(len(agents)) - group_start
    if rank.max() == 0:
        return [np.arange(len(agents))]
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]
