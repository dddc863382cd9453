"""ACT-R declarative memory for many agents at once: retrieval, blending and latency.

A chunk is an experience: one value per key slot (the attributes of an item) and a ``value``
slot (what the item was worth).  The store is :class:`cogsim.memory.InstanceMemory`, so a
chunk learned again gains a reference instead of a copy, as in ACT-R.  For a request keyed
on slot values, the activation of chunk i at time t (seconds) is ACT-R's

    A_i = B_i + P_i + eps_i
    B_i = ln sum_k (t - t_k)^-d                    base-level learning (decay d)
    P_i = MP * sum_s w_s Sim_s                     partial matching, Sim_s in [-1, 0]
    eps_i ~ logistic(0, s)                         instantaneous noise, one draw per chunk

Single-chunk retrieval (ACT-R's default, as pyactr does it) returns the candidate with the
highest activation if it reaches the retrieval threshold tau, after F e^(-f A); otherwise it
fails after F e^(-f tau).  Blended retrieval (ACT-R's blending module) returns the mean value
of the candidates at or above tau weighted by p_i = e^(A_i/T) / sum_j e^(A_j/T), after
F e^(-f A_b) with A_b = ln sum_i e^(A_i) over those candidates.

Similarities come in two conventions, both ending in ``Sim = S - 1``: numeric functions
return S in [0, 1] as in IBL (:mod:`cogsim.similarity`); symbolic tables hold ACT-R (and
pyactr) similarities in [-1, 0] directly.  Without a declared similarity a slot scores 0 if
equal and -1 if not, which is ACT-R's (and pyactr's) default.  Without partial matching only
chunks equal to the request on every key slot are candidates.

Time is in seconds.  Memory reads and writes happen on a grid of ``time_resolution``
seconds (0.1 ms by default, the grid on which pyactr's clock runs), because the store keeps
integer times; B is converted exactly: ln sum (r a_k)^-d = ln sum a_k^-d - d ln r.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real

import numpy as np

from cogsim.engine_args import agent_indices, flag, numbers, per_agent
from cogsim.memory import (
    MINIMUM_TEMPERATURE,
    InstanceMemory,
    activation_from,
    blend,
    blended_activation,
    effective_temperature,
    logistic_noise,
    mismatch_penalty,
    retrieval_probabilities,
    similarity_values,
)
from cogsim.streams import skip_draw

__all__ = ["DeclarativeMemory", "retrieval_latency", "per_agent"]


def retrieval_latency(activation, latency_factor, latency_exponent) -> np.ndarray:
    """ACT-R retrieval time F e^(-f A), element-wise."""
    with np.errstate(over="ignore"):
        return np.asarray(latency_factor) * np.exp(-np.asarray(latency_exponent)
                                                   * np.asarray(activation))


class DeclarativeMemory:
    """Experience chunks of ``n_agents`` ACT-R agents and batched retrieval from them.

    Parameters
    ----------
    n_agents : int
        Number of agents.
    slots : sequence of str
        Names of the key slots of a chunk (the item attributes); every chunk also has a
        value slot, held apart.
    decay : float or array (n_agents,)
        Base-level decay d (ACT-R ``:bll``), default 0.5.
    instantaneous_noise : float or array
        Logistic noise scale s (ACT-R ``:ans``), default 0 (no noise).
    retrieval_threshold : float or array
        tau (``:rt``), default 0; must be finite.
    latency_factor, latency_exponent : float or array
        F (``:lf``, default 0.1) and f (``:le``, default 1.0), both >= 0.
    partial_matching : bool
        ACT-R's ``:mp`` switch: every chunk is a candidate, penalised by dissimilarity.
    mismatch_penalty : float or array
        MP, default 1.
    blending : bool
        Blended retrieval instead of single-chunk retrieval.
    temperature : float, array or None
        Blending temperature; None means s*sqrt(2) (1 when that is below 0.01, as in IBL).
    optimized_learning : bool or int
        Base-level approximation, see :class:`cogsim.memory.InstanceMemory`.
    max_instances : int, optional
        Bound on the chunks per agent, see :class:`cogsim.memory.InstanceMemory`.
    time_resolution : float
        Grid (seconds) for the times at which memory is read and written; default 1e-4.
    seed : int, SeedSequence, Generator or None
        Source of the noise draws.
    """

    def __init__(self, n_agents: int, slots: Sequence[str] = ("option",), *, decay=0.5,
                 instantaneous_noise=0.0, retrieval_threshold=0.0, latency_factor=0.1,
                 latency_exponent=1.0, partial_matching: bool = False, mismatch_penalty=1.0,
                 blending: bool = False, temperature=None, optimized_learning=False,
                 max_instances: int | None = None, time_resolution: float = 1e-4, seed=None):
        if (isinstance(n_agents, (bool, np.bool_)) or not isinstance(n_agents, (int, np.integer))
                or n_agents < 1):
            raise ValueError(f"n_agents must be a positive integer, got {n_agents!r}")
        if isinstance(slots, str):
            slots = (slots,)
        slots = tuple(slots)
        if (not slots or len(set(slots)) != len(slots)
                or not all(isinstance(s, str) and s for s in slots)):
            raise ValueError(f"slots must be distinct non-empty names, at least one, got {slots!r}")
        if "value" in slots:
            raise ValueError("slots must not include 'value': it is the chunk's value slot")
        n = self.n_agents = int(n_agents)
        self.slots = slots
        self.decay = per_agent(decay, "decay", n, minimum=0.0)
        self.instantaneous_noise = per_agent(instantaneous_noise, "instantaneous_noise", n,
                                             minimum=0.0)
        self.retrieval_threshold = per_agent(retrieval_threshold, "retrieval_threshold", n)
        self.latency_factor = per_agent(latency_factor, "latency_factor", n, minimum=0.0)
        self.latency_exponent = per_agent(latency_exponent, "latency_exponent", n, minimum=0.0)
        self.partial_matching = flag(partial_matching, "partial_matching")
        self.mismatch_penalty = per_agent(mismatch_penalty, "mismatch_penalty", n, minimum=0.0)
        self.blending = flag(blending, "blending")
        self.temperature = per_agent(temperature, "temperature", n,
                                     minimum=MINIMUM_TEMPERATURE, allow_none=True)
        if (isinstance(time_resolution, (bool, np.bool_)) or not isinstance(time_resolution, Real)
                or not np.isfinite(time_resolution) or time_resolution <= 0):
            raise ValueError(f"time_resolution must be a positive number of seconds, "
                             f"got {time_resolution!r}")
        self.time_resolution = float(time_resolution)
        self.rng = seed if hasattr(seed, "random") else np.random.default_rng(seed)
        #: Sum over chunks strictly left to right (``memory.instance_sum``): an agent's
        #: values then do not depend on which agents retrieve with it.
        self.sequential_sums = False
        self.memory = InstanceMemory(n, len(slots), optimized_learning,
                                     max_instances=max_instances)
        if self.memory.optimized_learning is not None and np.any(self.decay >= 1):
            raise ValueError(f"decay must be less than 1 with optimized_learning, got {decay!r}")
        self.time = np.zeros(n)
        # slot index -> ("function", f) or ("table", array); weights per slot (default 1)
        self._similarity: dict[int, tuple[str, object]] = {}
        self._weights = np.ones(len(slots))

    # ------------------------------------------------------------ similarity
    def _slot_index(self, name, what: str = "slot") -> int:
        if name not in self.slots:
            raise ValueError(f"unknown chunk {what} {name!r}; expected one of {list(self.slots)}")
        return self.slots.index(name)

    @property
    def temperatures(self) -> np.ndarray:
        """Blending temperature each agent uses."""
        return effective_temperature(self.temperature, self.instantaneous_noise)

    def similarity(self, slots: Sequence[str] | str, function: Callable | None = None,
                   weight: float | None = None) -> None:
        """Numeric similarity for partial matching on ``slots`` (IBL convention).

        ``function(x, y)`` takes arrays of chunk and requested values and returns S in
        [0, 1] (1 = identical), e.g. :func:`cogsim.similarity.bounded_linear_similarity`;
        the ACT-R similarity is S - 1.  ``weight`` (> 0, default 1) scales the slot's term.
        With neither argument the slot returns to ACT-R's default (0 if equal, else -1).
        """
        names = [slots] if isinstance(slots, str) else list(slots)
        idx = [self._slot_index(s) for s in names]
        if function is not None and not callable(function):
            raise ValueError(f"similarity function must be callable, got {function!r}")
        if weight is not None and (isinstance(weight, (bool, np.bool_))
                                   or not isinstance(weight, Real)
                                   or not np.isfinite(weight) or weight <= 0):
            raise ValueError(f"similarity weight must be a positive number, got {weight!r}")
        for i in idx:
            if function is None and weight is None:
                self._similarity.pop(i, None)
                self._weights[i] = 1.0
                continue
            if function is not None:
                self._similarity[i] = ("function", function)
            if weight is not None:
                self._weights[i] = float(weight)

    def set_similarities(self, slot: str, table, weight: float | None = None) -> None:
        """Symbolic similarity table for ``slot`` (ACT-R and pyactr convention).

        The slot's values are integer codes 0..k-1 and ``table[i, j]`` is the similarity of
        a chunk holding i to a request for j: 0 on the diagonal (identical), at least -1
        (ACT-R's maximum difference) elsewhere.  The term added to the activation is
        MP * weight * table[i, j].
        """
        i = self._slot_index(slot)
        try:
            tab = np.array(table, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"similarity table for slot {slot!r} must be a square array of "
                             f"numbers, got {table!r}") from None
        if tab.ndim != 2 or tab.shape[0] != tab.shape[1] or tab.shape[0] < 1:
            raise ValueError(f"similarity table for slot {slot!r} must be a square array, "
                             f"got shape {tab.shape}")
        if not np.all(np.isfinite(tab)) or np.any(tab > 0) or np.any(tab < -1):
            bad = tab[~(np.isfinite(tab) & (tab <= 0) & (tab >= -1))][0]
            raise ValueError(f"similarity table for slot {slot!r} must hold similarities in "
                             f"[-1, 0] (0 identical, -1 maximally different), got {bad}")
        if np.any(np.diag(tab) != 0):
            raise ValueError(f"similarity table for slot {slot!r} must have 0 on the diagonal "
                             f"(a value is identical to itself)")
        self._similarity[i] = ("table", tab)
        if weight is not None:
            self.similarity(slot, None, weight)

    # --------------------------------------------------------------- helpers
    def agents_index(self, agents) -> np.ndarray:
        """Validated agent indices (all agents when None); no repeats."""
        return agent_indices(agents, self.n_agents)

    def chunk_array(self, chunks, n: int, name: str = "chunks") -> np.ndarray:
        """Slot values as a float array (n, n_slots) from an array or a slot -> values map."""
        k = len(self.slots)
        if isinstance(chunks, Mapping):
            for key in chunks:
                if key not in self.slots:
                    raise ValueError(f"{name}: unknown chunk slot {key!r}; expected the slots "
                                     f"{list(self.slots)}")
            missing = [s for s in self.slots if s not in chunks]
            if missing:
                raise ValueError(f"{name}: missing chunk slot(s) {missing}; every slot of "
                                 f"{list(self.slots)} needs a value")
            try:
                cols = [np.broadcast_to(np.asarray(chunks[s], dtype=np.float64), (n,))
                        for s in self.slots]
            except (TypeError, ValueError):
                raise ValueError(f"{name}: each slot must hold a number or {n} numbers") from None
            arr = np.stack(cols, axis=1)
        else:
            try:
                arr = np.asarray(chunks, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be numbers of shape ({n}, {k}) or ({k},), "
                                 f"got {chunks!r}") from None
            if arr.ndim == 1:
                arr = arr.reshape(1, -1)
            if arr.ndim != 2 or arr.shape[1] != k or arr.shape[0] not in (1, n):
                raise ValueError(f"{name} must have shape ({n}, {k}) or ({k},) for slots "
                                 f"{list(self.slots)}, got {np.shape(chunks)}")
            arr = np.broadcast_to(arr, (n, k))
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite slot values")
        return np.ascontiguousarray(arr)

    def ticks(self, seconds) -> np.ndarray:
        """Seconds to integer times on the ``time_resolution`` grid."""
        ticks = np.rint(np.asarray(seconds, dtype=np.float64) / self.time_resolution)
        return ticks.astype(np.int64)

    # -------------------------------------------------------------- learning
    def learn(self, chunks, values, agents=None, when=None) -> np.ndarray:
        """Add a reference at ``when`` (default: each agent's clock) to chunks of the agents.

        ``chunks`` is an array (n, n_slots) (or one chunk for all) or a mapping slot ->
        values; ``values`` fills the value slot.  A chunk equal to one in memory (all slots
        and value) gains a reference, otherwise it is created.  ``agents`` may repeat here:
        rows are applied in order.  ``when`` (seconds) must not be later than the clock;
        with optimized learning, learn each chunk's references oldest first (its life
        time counts from the first).  Returns the memory slot of each chunk.
        """
        agents_arr = agent_indices(agents, self.n_agents, repeats=True)
        n = len(agents_arr)
        attrs = self.chunk_array(chunks, n)
        vals = numbers(values, "values", n)
        if when is None:
            t = self.time[agents_arr]
        else:
            t = numbers(when, "when", n)
            late = t > self.time[agents_arr] + 1e-12
            if np.any(late):
                a = int(agents_arr[np.argmax(late)])
                raise ValueError(f"when must not be later than the agent's clock "
                                 f"(agent {a}: when {t[np.argmax(late)]}, clock {self.time[a]})")
        self._check_codes(attrs, "chunks")
        return self.memory.learn(agents_arr, attrs, vals, self.ticks(t))

    def advance(self, seconds, agents=None) -> np.ndarray:
        """Move the clocks of the agents forward by ``seconds`` (>= 0); returns the clocks."""
        agents = self.agents_index(agents)
        dt = numbers(seconds, "seconds", len(agents))
        if np.any(dt < 0):
            raise ValueError(f"seconds must not be negative, got {seconds!r}")
        self.time[agents] += dt
        return self.time[agents]

    def chunks(self, agent: int) -> list[dict]:
        """The chunks of one agent: slot values, ``value`` and reference times (seconds)."""
        agent = int(self.agents_index([agent])[0])
        mem = self.memory
        out = []
        for s in np.flatnonzero(mem.valid[:, agent]):
            chunk = {name: float(mem.attributes[s, j, agent]) for j, name in enumerate(self.slots)}
            chunk["value"] = float(mem.utility[s, agent])
            chunk["references"] = tuple(r * self.time_resolution
                                        for r in mem.references(agent, int(s)))
            out.append(chunk)
        return out

    # ------------------------------------------------------------- retrieval
    def _cols(self, agents: np.ndarray):
        """Column selector for the agents: a view (slice) when all agents take part."""
        if len(agents) == self.n_agents and np.array_equal(agents, np.arange(self.n_agents)):
            return slice(None)
        return agents

    def _check_codes(self, values: np.ndarray, name: str, mask=None) -> None:
        """Values of table slots must be integer codes within the table.

        ``values`` is (n, n_slots), or (width, n_slots, n) with ``mask`` (width, n).
        """
        for i, (kind, tab) in self._similarity.items():
            if kind != "table":
                continue
            v = values[:, i] if mask is None else values[:, i][mask]
            k = tab.shape[0]
            bad = (v != np.round(v)) | (v < 0) | (v >= k)
            if np.any(bad):
                raise ValueError(f"{name}: slot {self.slots[i]!r} has a similarity table of "
                                 f"{k} values, so its values must be integer codes 0..{k - 1}, "
                                 f"got {v[bad][0]}")

    def base_levels(self, agents: np.ndarray, ticks: np.ndarray) -> np.ndarray:
        """B (seconds) of the used memory slots (width, n) of the agents at ``ticks``."""
        late = ticks <= self.memory.latest[agents]
        if np.any(late):
            bad = int(np.argmax(late))
            raise ValueError(f"retrieval time must be later than the agent's last learning "
                             f"(agent {int(agents[bad])}, time {ticks[bad] * self.time_resolution}"
                             f" s); advance the clock first")
        return self.memory.base_level(agents, ticks, self.decay[agents], self.time_resolution)

    def _penalty(self, cols, keys, request, width: int) -> np.ndarray:
        """Partial-matching term MP * sum_s w_s (S_s - 1), shape (width, n)."""
        mem = self.memory
        valid = mem.valid[:width, cols]
        all_valid = bool(valid.all())
        idx = [j for j in range(len(self.slots)) if request[j]]

        def similarities():
            for j in idx:
                y = keys[:, j]
                x = mem.attributes[:width, j, cols]
                if not all_valid:
                    x = np.where(valid, x, y)       # empty slots: no function sees them
                kind, f = self._similarity.get(j, (None, None))
                if kind is None:
                    yield (x == y).astype(np.float64)
                elif kind == "table":
                    yield 1.0 + f[x.astype(np.int64), y.astype(np.int64)]
                else:
                    yield similarity_values(f, x, y, valid, f"slot {self.slots[j]!r}")

        cols_mp = self.mismatch_penalty[cols]
        return mismatch_penalty(similarities(), self._weights[idx], cols_mp)

    def activations(self, keys, agents=None, time=None, request: Sequence[str] | None = None,
                    noise: bool = True):
        """Activations (width, n) of the agents' chunks for a request, and the candidates.

        Memory slots are on axis 0 and agents on axis 1, as in :mod:`cogsim.memory`;
        non-candidates (and empty slots) are -inf.  ``noise=False`` leaves the
        instantaneous noise out.
        """
        agents = self.agents_index(agents)
        keys = self.chunk_array(keys, len(agents), "keys")
        ticks = self._request_ticks(agents, time)
        mask = self._request_mask(request)
        return self._activations(agents, keys, ticks, mask, noise)

    def _request_mask(self, request) -> np.ndarray:
        if request is None:
            return np.ones(len(self.slots), dtype=bool)
        names = [request] if isinstance(request, str) else list(request)
        mask = np.zeros(len(self.slots), dtype=bool)
        for s in names:
            mask[self._slot_index(s, "slot in request")] = True
        if not mask.any():
            raise ValueError("request must name at least one slot")
        return mask

    def _request_ticks(self, agents, time) -> np.ndarray:
        t = self.time[agents] if time is None else numbers(time, "time", len(agents))
        return self.ticks(t)

    def _activations(self, agents, keys, ticks, request, noise=True):
        mem = self.memory
        cols = self._cols(agents)
        width = mem.width(agents)
        if self._similarity:
            self._check_codes(keys, "keys")
            self._check_codes(mem.attributes[:width, :, cols], "chunks in memory",
                              mem.valid[:width, cols])
        base = self.base_levels(agents, ticks)
        cand = mem.valid[:width, cols].copy()
        penalty = None
        if self.partial_matching:
            penalty = self._penalty(cols, keys, request, width)
        else:
            for j in np.flatnonzero(request):
                cand &= mem.attributes[:width, j, cols] == keys[:, j]
        eps = None
        if noise:
            s = self.instantaneous_noise[agents]
            if np.any(s > 0):
                eps = logistic_noise(self.rng, s, base.shape, agents)
            else:
                skip_draw(self.rng, agents)
        act = activation_from(base, penalty, eps, out=base)      # B + P + eps, pyactr's order
        act[~cand] = -np.inf
        return act, cand

    def retrieve(self, keys, agents=None, time=None, request: Sequence[str] | None = None,
                 blending: bool | None = None, details: bool = False) -> dict:
        """One retrieval per agent, keyed on slot values, at ``time`` (default: the clock).

        Returns a dict of arrays over the agents: ``success`` (bool), ``value`` (NaN on
        failure), ``chunk`` (memory slot of the retrieved chunk; -1 on failure and in
        blending), ``activation`` (of the retrieved chunk, or A_b when blending; NaN on
        failure) and ``latency`` (seconds).  ``details`` adds ``activations`` and
        ``candidates`` (width, n), plus ``probabilities`` when blending.  The clock does
        not move.
        """
        agents = self.agents_index(agents)
        keys = self.chunk_array(keys, len(agents), "keys")
        ticks = self._request_ticks(agents, time)
        mask = self._request_mask(request)
        blending = self.blending if blending is None else flag(blending, "blending")
        return self._retrieve(agents, keys, ticks, mask, blending, details)

    def _retrieve(self, agents, keys, ticks, request, blending, details=False) -> dict:
        act, cand = self._activations(agents, keys, ticks, request)
        tau = self.retrieval_threshold[agents]
        lf, le = self.latency_factor[agents], self.latency_exponent[agents]
        width = act.shape[0]
        utility = self.memory.utility[:width, self._cols(agents)]
        n = len(agents)
        out = {}
        if width == 0:
            success = np.zeros(n, dtype=bool)
            value = activation = np.full(n, np.nan)
            chunk = np.full(n, -1)
        elif blending:
            above = cand & (act >= tau)
            success = above.any(axis=0)
            seq = self.sequential_sums
            p = retrieval_probabilities(act, above, self.temperatures[agents], sequential=seq)
            value = blend(p, utility, sequential=seq)
            activation = blended_activation(act, above, sequential=seq)
            chunk = np.full(n, -1)
            if details:
                out["probabilities"] = p
        else:
            chunk = np.argmax(act, axis=0)
            top = act[chunk, np.arange(n)]
            success = top >= tau
            value = np.where(success, utility[chunk, np.arange(n)], np.nan)
            activation = np.where(success, top, np.nan)
            chunk = np.where(success, chunk, -1)
        latency = retrieval_latency(np.where(success, activation, tau), lf, le)
        out.update(success=success, value=value, chunk=chunk, activation=activation,
                   latency=latency)
        if details:
            out["activations"] = act
            out["candidates"] = cand
        return out

    def reinforce(self, agents: np.ndarray, chunk: np.ndarray, seconds: np.ndarray) -> None:
        """Add a reference at ``seconds`` to retrieved chunks (slot -1 is skipped)."""
        ok = chunk >= 0
        if not np.any(ok):
            return
        a, c = agents[ok], chunk[ok]
        mem = self.memory
        mem.learn(a, mem.attributes[c, :, a], mem.utility[c, a], self.ticks(seconds[ok]))
