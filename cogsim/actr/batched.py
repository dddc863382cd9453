"""ACT-R annotators judging pairs: a small production system over batched declarative memory.

A judgment "which of A and B is better?" runs these productions, each taking one cycle of
``rule_firing`` seconds (ACT-R's 50 ms):

    encode            encode the pair into the goal
    <strategy>        conflict resolution among the strategy productions, by utility:
        evaluate        request a retrieval keyed on the option shown first
                        ... retrieval latency ...
        evaluate-second harvest the value, request a retrieval keyed on the other option
                        ... retrieval latency ...
        recheck         (only if both values came back and differ by less than
                        ``discrimination``, at most ``max_rechecks`` times) evaluate again
        prefer_first    heuristic: choose the option shown first
        prefer_second   heuristic: choose the option shown second
        prefer_larger:a heuristic: choose the option larger on attribute a (matches only
        prefer_smaller:a   when the two differ on a)
    respond           compare the values (or take the heuristic's choice) and respond

so a judgment's response time is (cycles x rule_firing) + retrieval latencies +
``encoding_motor_time``: 4 cycles plus 2 more per recheck when evaluating, 3 for a
heuristic.  Strategy selection adds logistic noise (``utility_noise``) to each applicable
production's utility; the highest wins, ties going to the earlier one (``evaluate`` first).
With utility learning, :meth:`ACTRBatch.reward` applies ACT-R's U <- U + alpha (R - U) to the
strategy production, R being the reward minus the time since that production was selected
(as in ACT-R and pyactr; ``discount_reward_by_time=False`` drops the time).  ``fatigue``
lowers the utility of ``evaluate`` by that much per second on task, so tired annotators fall
back on shortcuts.

Everything is vectorized across annotators; the only loop is over recheck rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np

from cogsim.actr.declarative import DeclarativeMemory
from cogsim.engine_args import flag, numbers, per_agent
from cogsim.memory import logistic_noise
from cogsim.streams import skip_draw, uniforms

__all__ = ["ACTRBatch", "HEURISTICS"]

HEURISTICS = ("prefer_first", "prefer_second", "prefer_larger:<attribute>",
              "prefer_smaller:<attribute>")


class ACTRBatch:
    """N ACT-R annotators that judge pairs of items, learn experiences and learn utilities.

    Parameters
    ----------
    n_agents : int
        Number of annotators.
    attributes : sequence of str
        Attribute names of an item; they are the key slots of the experience chunks.
    key_attributes : sequence of str, optional
        Attributes a retrieval is keyed on (default: all).
    heuristics : sequence of str
        Competing heuristic productions, from ``prefer_first``, ``prefer_second``,
        ``prefer_larger:<attribute>``, ``prefer_smaller:<attribute>``.
    utility : mapping, optional
        Initial utility of each strategy production (``"evaluate"`` and the heuristics),
        a number or one per agent; default 0 (pyactr's default).
    utility_noise : float or array
        Logistic noise scale of utilities (``:egs``), default 0.
    utility_learning : bool
        Allow :meth:`reward` to change utilities (``:ul``).
    utility_alpha : float or array
        Learning rate alpha, default 0.2.
    discount_reward_by_time : bool
        Subtract the time since the strategy was selected from the reward (ACT-R's rule).
    fatigue : float or array
        Utility lost by ``evaluate`` per second on task (see :meth:`rest`), default 0.
    rule_firing : float or array
        Production cycle time in seconds (``:dat``), default 0.05.
    encoding_motor_time : float or array
        Fixed perceptual encoding plus motor response time in seconds, default 0.3.
    discrimination : float or array
        Values closer than this trigger a recheck, default 0 (never).
    max_rechecks : int
        Most rechecks per judgment, default 2.
    failure_value : float or None
        Value of an option whose retrieval failed; None (default) makes the annotator guess.
    retrieval_reinforces : bool
        A retrieved chunk gains a reference when its retrieval completes (single-chunk
        retrieval only), as when ACT-R merges a retrieved chunk back into memory.
    decay, instantaneous_noise, retrieval_threshold, latency_factor, latency_exponent,
    partial_matching, mismatch_penalty, blending, temperature, optimized_learning,
    max_instances, time_resolution
        Declarative memory, see :class:`~cogsim.actr.declarative.DeclarativeMemory`.
    seed : int, SeedSequence, Generator or None
        Source of every random draw.
    """

    def __init__(self, n_agents: int, attributes: Sequence[str] = ("option",), *,
                 key_attributes: Sequence[str] | None = None,
                 heuristics: Sequence[str] = ("prefer_first",),
                 utility: Mapping[str, object] | None = None, utility_noise=0.0,
                 utility_learning: bool = False, utility_alpha=0.2,
                 discount_reward_by_time: bool = True, fatigue=0.0,
                 rule_firing=0.05, encoding_motor_time=0.3, discrimination=0.0,
                 max_rechecks: int = 2, failure_value: float | None = None,
                 retrieval_reinforces: bool = False,
                 decay=0.5, instantaneous_noise=0.0, retrieval_threshold=0.0,
                 latency_factor=0.1, latency_exponent=1.0, partial_matching: bool = False,
                 mismatch_penalty=1.0, blending: bool = False, temperature=None,
                 optimized_learning=False, max_instances: int | None = None,
                 time_resolution: float = 1e-4, seed=None):
        rng = seed if hasattr(seed, "random") else np.random.default_rng(seed)
        self.declarative = DeclarativeMemory(
            n_agents, attributes, decay=decay, instantaneous_noise=instantaneous_noise,
            retrieval_threshold=retrieval_threshold, latency_factor=latency_factor,
            latency_exponent=latency_exponent, partial_matching=partial_matching,
            mismatch_penalty=mismatch_penalty, blending=blending, temperature=temperature,
            optimized_learning=optimized_learning, max_instances=max_instances,
            time_resolution=time_resolution, seed=rng)
        self.rng = rng
        n = self.n_agents = self.declarative.n_agents
        self.attributes = self.declarative.slots
        self.key_attributes = (self.attributes if key_attributes is None
                               else tuple([key_attributes] if isinstance(key_attributes, str)
                                          else key_attributes))
        self._request = self.declarative._request_mask(self.key_attributes)
        self.strategies, self._heuristics = self._parse_heuristics(heuristics)
        self.utility_noise = per_agent(utility_noise, "utility_noise", n, minimum=0.0)
        self.utility_learning = flag(utility_learning, "utility_learning")
        self.utility_alpha = per_agent(utility_alpha, "utility_alpha", n, minimum=0.0)
        if np.any(self.utility_alpha > 1):
            raise ValueError(f"utility_alpha must be in [0, 1], got {utility_alpha!r}")
        self.discount_reward_by_time = flag(discount_reward_by_time, "discount_reward_by_time")
        self.fatigue = per_agent(fatigue, "fatigue", n, minimum=0.0)
        self.rule_firing = per_agent(rule_firing, "rule_firing", n, minimum=0.0, strictly=True)
        if np.any(self.rule_firing < self.declarative.time_resolution):
            raise ValueError(f"rule_firing must be at least time_resolution "
                             f"({self.declarative.time_resolution} s), got {rule_firing!r}")
        self.encoding_motor_time = per_agent(encoding_motor_time, "encoding_motor_time", n,
                                             minimum=0.0)
        self.discrimination = per_agent(discrimination, "discrimination", n, minimum=0.0)
        if (isinstance(max_rechecks, (bool, np.bool_)) or not isinstance(max_rechecks, Integral)
                or max_rechecks < 0):
            raise ValueError(f"max_rechecks must be a non-negative integer, got {max_rechecks!r}")
        self.max_rechecks = int(max_rechecks)
        if failure_value is not None and (isinstance(failure_value, (bool, np.bool_))
                                          or not isinstance(failure_value, Real)
                                          or not np.isfinite(failure_value)):
            raise ValueError(f"failure_value must be a finite number or None, "
                             f"got {failure_value!r}")
        self.failure_value = None if failure_value is None else float(failure_value)
        self.retrieval_reinforces = flag(retrieval_reinforces, "retrieval_reinforces")
        self.utilities = np.zeros((n, len(self.strategies)))
        if utility is not None:
            if not isinstance(utility, Mapping):
                raise ValueError(f"utility must map strategy names to utilities, got {utility!r}")
            for name, u in utility.items():
                if name not in self.strategies:
                    raise ValueError(f"utility: unknown production {name!r}; expected one of "
                                     f"{list(self.strategies)}")
                self.utilities[:, self.strategies.index(name)] = per_agent(
                    u, f"utility[{name!r}]", n)
        self.task_start = np.zeros(n)
        self._pending_strategy = np.full(n, -1)
        self._pending_time = np.zeros(n)

    def _parse_heuristics(self, heuristics):
        if isinstance(heuristics, str):
            heuristics = (heuristics,)
        names, specs = ["evaluate"], []
        for h in heuristics:
            if not isinstance(h, str):
                raise ValueError(f"heuristics must be names such as {HEURISTICS}, got {h!r}")
            kind, _, attr = h.partition(":")
            if kind in ("prefer_first", "prefer_second") and not attr:
                specs.append((kind, -1))
            elif kind in ("prefer_larger", "prefer_smaller") and attr:
                if attr not in self.attributes:
                    raise ValueError(f"heuristic {h!r}: unknown attribute {attr!r}; expected "
                                     f"one of {list(self.attributes)}")
                specs.append((kind, self.attributes.index(attr)))
            else:
                raise ValueError(f"unknown heuristic {h!r}; expected one of {HEURISTICS}")
            if h in names:
                raise ValueError(f"heuristic {h!r} is given twice")
            names.append(h)
        return tuple(names), specs

    # ------------------------------------------------------------ delegation
    @property
    def time(self) -> np.ndarray:
        """Each annotator's clock (seconds)."""
        return self.declarative.time

    def similarity(self, attributes: Sequence[str] | str, function: Callable | None = None,
                   weight: float | None = None) -> None:
        """Numeric similarity (S in [0, 1]) for partial matching; see DeclarativeMemory."""
        self.declarative.similarity(attributes, function, weight)

    def set_similarities(self, attribute: str, table, weight: float | None = None) -> None:
        """Symbolic similarity table (ACT-R values in [-1, 0]); see DeclarativeMemory."""
        self.declarative.set_similarities(attribute, table, weight)

    def learn(self, items, values, agents=None, when=None) -> np.ndarray:
        """Store experiences (item attributes, value) at ``when`` (default: the clock)."""
        return self.declarative.learn(items, values, agents, when)

    def advance(self, seconds, agents=None) -> np.ndarray:
        """Let ``seconds`` pass for the annotators (e.g. between judgments)."""
        return self.declarative.advance(seconds, agents)

    def rest(self, agents=None) -> None:
        """Start a new period on task now: fatigue counts from here."""
        agents = self.declarative.agents_index(agents)
        self.task_start[agents] = self.time[agents]

    # ----------------------------------------------------------------- judge
    def _pairs(self, pairs, n: int) -> np.ndarray:
        k = len(self.attributes)
        try:
            arr = np.asarray(pairs, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"pairs must be numbers of shape ({n}, 2, {k}) or (2, {k})") from None
        if arr.ndim == 2:
            arr = np.broadcast_to(arr, (n,) + arr.shape)
        if arr.ndim != 3 or arr.shape[0] != n or arr.shape[1] != 2 or arr.shape[2] != k:
            raise ValueError(f"pairs must have shape ({n}, 2, {k}) or (2, {k}) for attributes "
                             f"{list(self.attributes)}, got {np.shape(pairs)}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("pairs must hold finite attribute values")
        return arr

    def _first_shown(self, first_shown, n: int) -> np.ndarray:
        arr = np.asarray(first_shown)
        if (arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n)
                or not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool)
                or np.any((arr != 0) & (arr != 1))):
            raise ValueError(f"first_shown must be 0 or 1 (which item of the pair is shown "
                             f"first), or {n} of them, got {first_shown!r}")
        return np.broadcast_to(arr.astype(np.int64), (n,)).copy()

    def _select_strategy(self, agents, pairs) -> np.ndarray:
        """Conflict resolution among the strategy productions: highest noisy utility."""
        u = self.utilities[agents].copy()
        u[:, 0] -= self.fatigue[agents] * (self.time[agents] - self.task_start[agents])
        for h, (_kind, attr) in enumerate(self._heuristics, start=1):
            if attr >= 0:
                u[pairs[:, 0, attr] == pairs[:, 1, attr], h] = -np.inf
        s = self.utility_noise[agents]
        if np.any(s > 0):
            u += logistic_noise(self.rng, s, u.shape[::-1], agents).T
        else:
            skip_draw(self.rng, agents)
        return np.argmax(u, axis=1)

    def judge(self, pairs, first_shown=0, agents=None) -> dict:
        """Each annotator judges one pair; all in one vectorized call.

        Parameters
        ----------
        pairs : array (n, 2, n_attributes) or (2, n_attributes)
            The two items of each annotator's pair (or one pair for all).
        first_shown : int or array of n ints in {0, 1}
            Which item of the pair is shown first.
        agents : array of int, optional
            Which annotators judge (default: all), n of them, no repeats.

        Returns
        -------
        dict of arrays over the n annotators:
            ``choice`` (index 0/1 into the pair), ``values`` (n, 2) evaluated values (NaN
            when not evaluated or failed), ``rt`` (seconds), ``strategy`` (index into
            :attr:`strategies`), ``chunk`` (n, 2) memory slot retrieved (-1: none),
            ``activation`` and ``latency`` (n, 2) of the last retrievals (NaN: none),
            ``evaluations`` (0 for a heuristic), ``guess`` (chosen at random).
        """
        dm = self.declarative
        agents = dm.agents_index(agents)
        n = len(agents)
        pairs = self._pairs(pairs, n)
        first = self._first_shown(first_shown, n)
        t0 = self.time[agents].copy()
        rf = self.rule_firing[agents]
        strategy = self._select_strategy(agents, pairs)
        choice = np.zeros(n, dtype=np.int64)
        values = np.full((n, 2), np.nan)
        chunk = np.full((n, 2), -1)
        activation = np.full((n, 2), np.nan)
        latency = np.full((n, 2), np.nan)
        evaluations = np.zeros(n, dtype=np.int64)
        guess = np.zeros(n, dtype=bool)
        t_end = t0 + 3 * rf                      # encode, heuristic, respond
        for h, (kind, attr) in enumerate(self._heuristics, start=1):
            r = strategy == h
            if kind == "prefer_first":
                choice[r] = first[r]
            elif kind == "prefer_second":
                choice[r] = 1 - first[r]
            else:
                larger = (pairs[r, 1, attr] > pairs[r, 0, attr]).astype(np.int64)
                choice[r] = larger if kind == "prefer_larger" else 1 - larger
        ev = np.flatnonzero(strategy == 0)
        if ev.size:
            self._evaluate(agents, pairs, first, ev, t0, rf, values, chunk, activation,
                           latency, evaluations, t_end, choice, guess)
        rt = t_end - t0 + self.encoding_motor_time[agents]
        self.time[agents] = t0 + rt
        self._pending_strategy[agents] = strategy
        self._pending_time[agents] = t0 + rf
        return {"choice": choice, "values": values, "rt": rt, "strategy": strategy,
                "chunk": chunk, "activation": activation, "latency": latency,
                "evaluations": evaluations, "guess": guess}

    def _evaluate(self, agents, pairs, first, ev, t0, rf, values, chunk, activation, latency,
                  evaluations, t_end, choice, guess) -> None:
        """The evaluate strategy for rows ``ev``: retrievals, rechecks, comparison."""
        dm = self.declarative
        order = np.stack([first, 1 - first], axis=1)        # pair index of 1st/2nd shown
        active = ev
        t = t0 + 2 * rf                                      # encode + evaluate fired
        for round_ in range(self.max_rechecks + 1):
            a = agents[active]
            got = []
            for k in range(2):
                item = order[active, k]
                res = dm._retrieve(a, pairs[active, item], dm.ticks(t[active]), self._request,
                                   dm.blending)
                t[active] += res["latency"]
                if self.retrieval_reinforces and not dm.blending:
                    dm.reinforce(a, res["chunk"], t[active])
                values[active, item] = res["value"]
                chunk[active, item] = res["chunk"]
                activation[active, item] = res["activation"]
                latency[active, item] = res["latency"]
                got.append(res)
                if k == 0:
                    t[active] += rf[active]                  # evaluate-second fires
            evaluations[active] += 1
            if round_ == self.max_rechecks:
                break
            both = got[0]["success"] & got[1]["success"]
            close = np.abs(got[0]["value"] - got[1]["value"]) < self.discrimination[a]
            unsure = both & close
            if not unsure.any():
                break
            active = active[unsure]
            t[active] += rf[active]                          # recheck fires
        t_end[ev] = t[ev] + rf[ev]                           # respond fires
        v = values[ev]
        if self.failure_value is not None:
            v = np.where(np.isnan(v), self.failure_value, v)
        coin = uniforms(self.rng, (len(ev),), agents[ev]) < 0.5
        undecided = np.isnan(v).any(axis=1) | (v[:, 0] == v[:, 1])
        choice[ev] = np.where(undecided, coin, v[:, 1] > v[:, 0]).astype(np.int64)
        guess[ev] = undecided

    # ---------------------------------------------------------------- reward
    def reward(self, rewards, agents=None) -> np.ndarray:
        """Utility learning for the strategy of each annotator's last judgment.

        U <- U + alpha (R - U) with R = reward - (clock - time the strategy was selected)
        (without the time term if ``discount_reward_by_time`` is False).  Each judgment
        can be rewarded once.  Returns the updated utilities of those strategies.
        """
        if not self.utility_learning:
            raise RuntimeError("reward() needs utility_learning=True")
        agents = self.declarative.agents_index(agents)
        r = numbers(rewards, "rewards", len(agents))
        s = self._pending_strategy[agents]
        if np.any(s < 0):
            bad = agents[s < 0][:5].tolist()
            raise ValueError(f"agents {bad} have no judgment waiting for a reward")
        if self.discount_reward_by_time:
            r = r - (self.time[agents] - self._pending_time[agents])
        u = self.utilities[agents, s]
        u = u + self.utility_alpha[agents] * (r - u)
        self.utilities[agents, s] = u
        self._pending_strategy[agents] = -1
        return u
