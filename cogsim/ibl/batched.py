"""The IBL decision model for many agents at once.

:class:`IBLBatch` holds N agents, each with its own noise, decay, temperature and mismatch
penalty, over one :class:`~cogsim.memory.InstanceMemory`.  A call to :meth:`IBLBatch.choose`
makes one decision for every agent given (or all), with PyIBL 5.2's semantics: the clock
moves past the last learning, each option's value is the blended utility of the instances
that match it (exactly, or partially on attributes with a similarity function), an option
with no matching instance gets the default utility (and stores it as an instance at time 0),
and the highest value wins, ties broken at random.  The only Python loop is over the
options of a decision, never over agents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real

import numpy as np

from cogsim.engine_args import agent_indices, numbers, per_agent
from cogsim.memory import (
    MINIMUM_TEMPERATURE,
    InstanceMemory,
    activation_from,
    blend,
    effective_temperature,
    logistic_noise,
    mismatch_penalty,
    parse_optimized_learning,
    retrieval_probabilities,
    similarity_values,
)
from cogsim.streams import KeyedStreams, skip_draw, uniforms

__all__ = ["IBLBatch", "DelayedOutcomes"]


class IBLBatch:
    """N Instance-Based Learning agents that decide and learn together.

    Parameters
    ----------
    n_agents : int
        Number of agents.
    attributes : sequence of str
        Names of the attributes that describe an option; options are arrays of floats with
        one value per attribute.
    noise, decay : float or array of shape (n_agents,)
        Logistic activation noise s and base-level decay d (both >= 0).
    temperature : float, array or None
        Blending temperature; None means s*sqrt(2) (1 when that is below 0.01).
    mismatch_penalty : float, array or None
        mu for partial matching; None turns partial matching off.
    optimized_learning : bool or int
        See :class:`~cogsim.memory.InstanceMemory`.
    max_instances : int, optional
        Bound on the instances per agent, see :class:`~cogsim.memory.InstanceMemory`.
    default_utility : float, array, callable or None
        Value of an option no instance matches.  A callable gets
        ``(option_index, option_values)`` with option_values of shape (m, n_attributes) and
        returns m values.
    default_utility_populates : bool
        Store the default utility as an instance at time 0 when it is used.
    fixed_noise : bool
        Draw one noise value per instance per decision, shared by all options, instead of a
        fresh value per retrieval.
    seed : int, SeedSequence, Generator or None
        Source of every random draw.
    """

    def __init__(self, n_agents: int, attributes: Sequence[str] = ("option",), *,
                 noise=0.25, decay=0.5, temperature=None, mismatch_penalty=None,
                 optimized_learning=False, max_instances: int | None = None,
                 default_utility=None,
                 default_utility_populates: bool = True, fixed_noise: bool = False,
                 seed=None):
        if not isinstance(n_agents, (int, np.integer)) or n_agents < 1:
            raise ValueError(f"n_agents must be a positive integer, got {n_agents!r}")
        attributes = tuple(attributes)
        if not attributes or len(set(attributes)) != len(attributes):
            raise ValueError(f"attributes must be distinct names, at least one, got {attributes!r}")
        self.n_agents = int(n_agents)
        self.attributes = attributes
        self.optimized_learning = parse_optimized_learning(optimized_learning)
        self.noise = per_agent(noise, "noise", self.n_agents, minimum=0.0)
        self.decay = per_agent(decay, "decay", self.n_agents, minimum=0.0)
        if self.optimized_learning is not None and np.any(self.decay >= 1):
            raise ValueError(f"decay must be less than 1 with optimized_learning, got {decay!r}")
        self.temperature = per_agent(temperature, "temperature", self.n_agents,
                                      minimum=MINIMUM_TEMPERATURE, allow_none=True)
        self.mismatch_penalty = per_agent(mismatch_penalty, "mismatch_penalty",
                                          self.n_agents, minimum=0.0, allow_none=True)
        if default_utility is None or callable(default_utility):
            self.default_utility = default_utility
        else:
            self.default_utility = per_agent(default_utility, "default_utility",
                                              self.n_agents, minimum=None)
        self.default_utility_populates = bool(default_utility_populates)
        self.fixed_noise = bool(fixed_noise)
        #: Sum over instances strictly left to right (``memory.instance_sum``): an agent's
        #: values then do not depend on which agents decide with it.
        self.sequential_sums = False
        self.rng = seed if hasattr(seed, "random") else np.random.default_rng(seed)
        self._similarities: dict[int, tuple[Callable, float]] = {}
        self._explicit_weights: dict[int, float] = {}
        self.memory = InstanceMemory(self.n_agents, len(attributes), self.optimized_learning,
                                     max_instances=max_instances)
        self.time = np.zeros(self.n_agents, dtype=np.int64)
        self._last_learn = np.zeros(self.n_agents, dtype=np.int64)
        self._pending = None
        self._pending_ahead = False
        self.last_blended = None     # (n, n_options) blended values of the last choose()

    # ------------------------------------------------------------ parameters
    @property
    def tau(self) -> np.ndarray:
        """Temperature each agent uses."""
        return effective_temperature(self.temperature, self.noise)

    def similarity(self, attributes: Sequence[str] | str, function: Callable | bool | None = None,
                   weight: float | None = None) -> None:
        """Set (or, with no function and weight, remove) partial matching on attributes.

        ``function(x, y)`` gets two arrays of attribute values and returns similarities in
        [0, 1]; ``True`` means 1 when equal and 0 otherwise.  Weights given explicitly must
        be in (0, 1] and sum to at most 1 over all attributes.
        """
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        idx = []
        for a in names:
            if a not in self.attributes:
                raise ValueError(f"similarity: unknown attribute {a!r}; expected one of "
                                 f"{list(self.attributes)}")
            idx.append(self.attributes.index(a))
        if function is None and weight is None:
            for i in idx:
                self._similarities.pop(i, None)
                self._explicit_weights.pop(i, None)
            return
        if weight is not None:
            if isinstance(weight, bool) or not isinstance(weight, Real) or not 0 < weight <= 1:
                raise ValueError(f"similarity weight must be a number in (0, 1], got {weight!r}")
            others = sum(w for i, w in self._explicit_weights.items() if i not in idx)
            if others + weight * len(idx) > 1 + 1e-12:
                raise ValueError(f"similarity weights must sum to at most 1; with weight "
                                 f"{weight} for {names} they sum to {others + weight * len(idx)}")
        if function is not None and function is not True and not callable(function):
            raise ValueError(f"similarity function must be callable or True, got {function!r}")
        for i in idx:
            old_f, old_w = self._similarities.get(i, (True, 1.0))
            self._similarities[i] = (function if function is not None else old_f,
                                     float(weight) if weight is not None else old_w)
            if weight is not None:
                self._explicit_weights[i] = float(weight)

    @property
    def partial(self) -> bool:
        """Whether partial matching is on (a mismatch penalty and a similarity are set)."""
        return self.mismatch_penalty is not None and bool(self._similarities)

    def always_matches(self, agents, width: int | None = None) -> bool:
        """Whether every option matches an instance of each of ``agents`` (so that a
        decision stores no default utility): partial matching on every attribute, and at
        least one instance each (among the first ``width`` slots, which hold all of them
        when it is the agents' `InstanceMemory.width`)."""
        return (self._partial_everywhere()
                and bool(self.memory.valid[:width, agents].any(axis=0).all()))

    def _partial_everywhere(self) -> bool:
        """Whether every attribute is partially matched (none must be equal)."""
        return (self.mismatch_penalty is not None
                and len(self._similarities) == len(self.attributes))

    def _similarities_broadcast(self) -> bool:
        """Whether every similarity function takes broadcast arrays (True, or a function
        marked ``broadcasts``)."""
        return all(f is True or getattr(f, "broadcasts", False)
                   for f, _ in self._similarities.values())

    # ---------------------------------------------------------------- helpers
    def _agents(self, agents) -> np.ndarray:
        return agent_indices(agents, self.n_agents)

    def _options(self, options, n: int, name: str = "options") -> np.ndarray:
        try:
            opts = np.asarray(options, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric arrays of shape (n_options, "
                             f"{len(self.attributes)}) or (n_agents, n_options, "
                             f"{len(self.attributes)})") from None
        if opts.ndim == 2:
            opts = np.broadcast_to(opts, (n,) + opts.shape)
        if opts.ndim != 3 or opts.shape[0] != n or opts.shape[2] != len(self.attributes):
            raise ValueError(f"{name} must have shape (n_options, {len(self.attributes)}) or "
                             f"({n}, n_options, {len(self.attributes)}) for attributes "
                             f"{list(self.attributes)}, got {np.shape(options)}")
        if opts.shape[1] < 1:
            raise ValueError(f"{name} must hold at least one option")
        if not np.isfinite(opts).all():
            raise ValueError(f"{name} must hold finite attribute values")
        return opts

    def _candidates(self, cols, option, width: int) -> np.ndarray:
        """Instances (width, n) that an option (n, n_attributes) retrieves: equal on the
        exactly matched attributes.  ``cols`` selects the agents' columns."""
        mem = self.memory
        cand = mem.valid[:width, cols].copy()
        for j in range(len(self.attributes)):
            if not (self.mismatch_penalty is not None and j in self._similarities):
                cand &= mem.attributes[:width, j, cols] == option[:, j]
        return cand

    def _penalty(self, cols, option, width: int, valid: np.ndarray | None = None,
                 all_valid: bool | None = None) -> np.ndarray:
        """Partial-matching term (width, n) of each instance for an option (n,
        n_attributes); for several options at once (n_options, n, n_attributes), when the
        similarity functions broadcast, (n_options, width, n).  ``valid`` and
        ``all_valid``: the slots in use and whether all are, when the caller has them."""
        mem = self.memory
        if valid is None:
            valid = mem.valid[:width, cols]
        if all_valid is None:
            all_valid = bool(valid.all())

        def similarities():
            for j, (f, _) in sorted(self._similarities.items()):
                y = option[:, j] if option.ndim == 2 else option[:, None, :, j]
                x = mem.attributes[:width, j, cols]
                if not all_valid:
                    # Empty slots get the option's own value, so that no function sees them.
                    x = np.where(valid, x, y)
                if f is True:
                    yield (x == y).astype(np.float64)
                    continue
                yield similarity_values(f, x, y, valid, f"attribute {self.attributes[j]!r}")

        weights = [w for _, (_, w) in sorted(self._similarities.items())]
        return mismatch_penalty(similarities(), weights, self.mismatch_penalty[cols])

    def _default_values(self, o: int, opts: np.ndarray, rows: np.ndarray,
                        agents: np.ndarray) -> np.ndarray:
        du = self.default_utility
        if du is None:
            raise RuntimeError(f"no experience available for option {o} of agents "
                               f"{agents[rows][:5].tolist()} and no default_utility set")
        if callable(du):
            values = np.asarray(du(o, opts[rows, o]), dtype=np.float64).reshape(-1)
        else:
            values = du[agents[rows]]
        if values.shape != (len(rows),) or not np.all(np.isfinite(values)):
            raise ValueError("default_utility must give one finite number per option")
        return values

    # ----------------------------------------------------------------- choose
    def choose(self, options, agents=None, details: bool = False, ahead=None,
               checked: bool = False):
        """Each agent picks the option with the highest blended value.

        Parameters
        ----------
        options : array (n_options, n_attributes) or (n, n_options, n_attributes)
            The options, shared by all agents or one set per agent.
        agents : array of int, optional
            Which agents decide (default: all), n of them.
        details : bool
            Also return a dict with ``blended`` (n, n_options), ``probabilities``
            (n_options, width, n) over the agents' instance slots and ``candidates``
            (same shape, bool).
        ahead : array of int, optional
            Several decisions per agent in one call, for agents that learn nothing between
            them (keyed streams only): row i is agent ``agents[i]``'s decision after
            ``ahead[i]`` earlier ones of this call, and gets the draws it would get in a
            call of its own.  The same as that many calls of ``choose``, each followed by a
            ``respond`` that learns nothing.  Every option must match an instance (no
            default utility is stored); ``respond`` then takes the rows as one decision.
        checked : bool
            The caller has checked the arguments: ``options`` a float64 array (n,
            n_options, n_attributes) of finite values, ``agents`` an int array of distinct
            agent indices.  Their checks are skipped (for callers on a hot path).

        Returns
        -------
        chosen : array of int, shape (n,)
            Index of the chosen option for each agent (and the details dict if asked).
        """
        if not checked:
            agents = (self._agents(agents) if ahead is None
                      else np.asarray(agents, dtype=np.intp))
        if self._pending is not None:
            raise RuntimeError("choose() called before respond() for the previous decision")
        opts = options if checked else self._options(options, len(agents))
        n, n_opts, _ = opts.shape
        mem = self.memory
        # The clock moves past the latest learning (integer times: the larger of the two).
        t = np.maximum(self.time[agents], self._last_learn[agents] + 1)
        self.time[agents] = t
        decay = self.decay[agents]
        tau = self.tau[agents]
        everyone = n == self.n_agents and np.array_equal(agents, np.arange(n))
        cols = slice(None) if everyone else agents      # a view, not a copy, when all decide
        width = mem.width(agents)
        base = mem.base_level(agents, t, decay, width=width)
        # Without partial matching each instance is retrieved for one option only, so one
        # draw per instance is both "fresh per retrieval" and "fixed".
        shared_noise = self.fixed_noise or not self.partial
        # A decision takes two calls of an agent's stream: the noise, the tie break.
        calls = None if ahead is None else 2 * np.asarray(ahead, dtype=np.int64)
        noise = self._draw_noise(agents, 1 if shared_noise else n_opts, width, calls)
        blended = np.empty((n_opts, n))
        probs, cands = [], []
        # Every option's partial matching in one pass, when no option can store a default
        # utility (which would change the instances between options).
        joint = None
        if (n_opts > 1 and width and self._partial_everywhere()
                and self._similarities_broadcast()):
            valid = mem.valid[:width, cols]
            all_valid = bool(valid.all())
            if all_valid or valid.any(axis=0).all():      # as always_matches(agents)
                joint = self._penalty(cols, opts.transpose(1, 0, 2), width, valid, all_valid)
        if joint is not None and self.sequential_sums:
            # Then every instance is a candidate for every option (every attribute is
            # partially matched: the candidates are the valid slots): all options in one
            # pass, summing in the same order (left to right) as one option at a time.
            act = activation_from(base, noise if not shared_noise else noise[0], joint)
            p = retrieval_probabilities(act, None if all_valid else valid, tau, axis=1,
                                        sequential=True)
            blended = blend(p, mem.utility[:width, cols], axis=1, sequential=True)
            probs, cands = list(p), [valid] * n_opts
        for o in range(n_opts if joint is None or not self.sequential_sums else 0):
            option = opts[:, o]
            cand = self._candidates(cols, option, width)
            missing = np.flatnonzero(~cand.any(axis=0))
            values = None
            if missing.size and ahead is not None:
                raise RuntimeError(f"choose(ahead=...): option {o} matches no instance of "
                                   f"agents {agents[missing][:5].tolist()}; decide one call "
                                   f"at a time")
            if missing.size:
                values = self._default_values(o, opts, missing, agents)
                if self.default_utility_populates:
                    mem.learn(agents[missing], option[missing], values, 0)
                    base = mem.base_level(agents, t, decay)
                    grow = mem.width(agents) - width
                    if grow > 0:
                        extra = self._draw_noise(agents, noise.shape[0], grow)
                        noise = np.concatenate([noise, extra], axis=1)
                        cand, *cands = [np.pad(c, ((0, grow), (0, 0))) for c in [cand] + cands]
                        probs = [np.pad(p, ((0, grow), (0, 0))) for p in probs]
                        width += grow
            penalty = (None if not self.partial else joint[o] if joint is not None
                       else self._penalty(cols, option, width))
            act = activation_from(base, noise[0 if shared_noise else o], penalty)
            p = retrieval_probabilities(act, cand, tau, sequential=self.sequential_sums)
            bv = blend(p, mem.utility[:width, cols], sequential=self.sequential_sums)
            if values is not None:
                bv[missing] = values
            blended[o] = bv
            probs.append(p)
            cands.append(cand)
        chosen = self._break_ties(blended, agents, calls)
        if calls is not None:
            who, decisions = np.unique(agents, return_counts=True)
            self.rng.advance(who, 2 * decisions)
        blended = blended.T
        self._pending = (agents, opts, blended, chosen)
        self._pending_ahead = ahead is not None
        self.last_blended = blended
        if details:
            return chosen, {"blended": blended, "probabilities": np.stack(probs),
                            "candidates": np.stack(cands)}
        return chosen

    def _break_ties(self, blended: np.ndarray, agents: np.ndarray, calls) -> np.ndarray:
        """The option with the highest blended value (n_options, n) for each agent, a
        uniform draw deciding among equal ones (the decision's second stream call).

        Keyed streams draw only when some agent has no single highest value (a tie, or
        NaN): otherwise the draw cannot change the choice, and the counters move on as
        if it had been made, so every later draw is the same.
        """
        top = blended.max(axis=0)
        if isinstance(self.rng, KeyedStreams) and ((blended == top).sum(axis=0) == 1).all():
            if calls is None:
                self.rng.skip(agents)
            return blended.argmax(axis=0)
        tie_break = uniforms(self.rng, blended.shape, agents,
                             ahead=None if calls is None else calls + 1)
        tie_break[blended != top] = -1.0
        return tie_break.argmax(axis=0)

    def _draw_noise(self, agents, n_draws: int, width: int, ahead=None) -> np.ndarray:
        shape = (n_draws, width, len(agents))
        scale = self.noise[agents]
        if not scale.any():
            if ahead is None:
                skip_draw(self.rng, agents)
            return np.zeros(shape, dtype=np.float32)
        return logistic_noise(self.rng, scale, shape, agents, ahead)

    # ---------------------------------------------------------------- respond
    @property
    def pending_options(self) -> np.ndarray | None:
        """The options of the decision awaiting `respond`, (n, n_options, n_attributes) for
        the n agents that chose (in the order they were given); None when none is pending."""
        return None if self._pending is None else self._pending[1]

    def _pending_rows(self, choices):
        if self._pending is None:
            raise RuntimeError("respond() called with no decision pending")
        agents, opts, blended, chosen = self._pending
        if choices is None:
            idx = chosen
        else:
            idx = np.asarray(choices).reshape(-1)
            if (idx.shape != chosen.shape or not np.issubdtype(idx.dtype, np.integer)
                    or np.any(idx < 0) or np.any(idx >= opts.shape[1])):
                raise ValueError(f"choices must be {len(chosen)} option indices in "
                                 f"[0, {opts.shape[1]}), got {choices!r}")
        rows = np.arange(len(agents))
        return agents, opts[rows, idx], blended[rows, idx]

    def respond(self, outcomes, choices=None, learn=None) -> None:
        """Learn the outcome of the pending decision of each agent that chose.

        ``choices`` (option indices) credits another option than the chosen one.  ``learn``
        (a boolean mask over the deciding agents) limits learning to the agents that saw an
        outcome; the others learn nothing (their outcomes may be NaN).
        """
        agents, attrs, _ = self._pending_rows(choices)
        if self._pending_ahead and (learn is None or np.any(learn)):
            raise RuntimeError("decisions made ahead (choose(ahead=...)) learn nothing; "
                               "expected respond(..., learn=<all False>)")
        if learn is not None:
            learn = np.asarray(learn, dtype=bool).reshape(-1)
            if learn.shape != agents.shape:
                raise ValueError(f"learn must be a mask of {len(agents)} values, got shape "
                                 f"{learn.shape}")
            agents, attrs = agents[learn], attrs[learn]
            outcomes = np.asarray(outcomes, dtype=np.float64)
            outcomes = outcomes[learn] if outcomes.ndim else outcomes
        outcomes = numbers(outcomes, "outcomes", len(agents))
        if len(agents):
            self.memory.learn(agents, attrs, outcomes, self.time[agents])
            self._last_learn[agents] = self.time[agents]
        self._pending = None

    def end_decision(self) -> None:
        """End the pending decision without learning (no outcome was seen): what
        ``respond`` does with a ``learn`` mask that is all False."""
        if self._pending is None:
            raise RuntimeError("end_decision() called with no decision pending")
        self._pending = None

    def respond_delayed(self, choices=None) -> DelayedOutcomes:
        """Learn the expected (blended) value now; the real outcomes can follow later."""
        agents, attrs, expected = self._pending_rows(choices)
        if self._pending_ahead:
            raise RuntimeError("decisions made ahead (choose(ahead=...)) learn nothing")
        when = self.time[agents].copy()
        self.memory.learn(agents, attrs, expected, when)
        self._last_learn[agents] = when
        self._pending = None
        return DelayedOutcomes(self, agents, attrs, expected, when)

    # --------------------------------------------------------------- populate
    def populate(self, options, outcome, agents=None, when=None) -> None:
        """Store instances (option, outcome) for the agents, now or at an earlier ``when``."""
        agents = self._agents(agents)
        opts = self._options(options, len(agents))
        outcome = numbers(outcome, "outcome", len(agents))
        if when is None:
            t = self.time[agents]
        else:
            if isinstance(when, bool) or not isinstance(when, (int, np.integer)):
                raise ValueError(f"when must be an integer time, got {when!r}")
            if np.any(when > self.time[agents]):
                raise ValueError(f"when ({when}) must not be in the future (time is "
                                 f"{int(self.time[agents].min())})")
            t = np.full(len(agents), when, dtype=np.int64)
        for o in range(opts.shape[1]):
            self.memory.learn(agents, opts[:, o], outcome, t)
        self._last_learn[agents] = np.maximum(self._last_learn[agents], t)

    # ------------------------------------------------------------------- time
    def advance(self, increment: int = 1, target: int | None = None, agents=None) -> np.ndarray:
        """Move the clock forward by ``increment`` and at least to ``target``."""
        agents = self._agents(agents)
        for value, name in ((increment, "increment"), (target, "target")):
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, np.integer)) or value < 0):
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        t = self.time[agents]
        if increment is not None:
            t = t + increment
        if target is not None:
            if np.any(target < self.time[agents]):
                raise ValueError(f"target ({target}) is earlier than the current time")
            t = np.maximum(t, target)
        self.time[agents] = t
        return t

    def reset(self, preserve_prepopulated: bool = False) -> None:
        """Forget everything and set the time to 0.

        With ``preserve_prepopulated`` (exact learning only, as in PyIBL) keep the instances
        created at time 0 or before, with their references at those times.
        """
        if preserve_prepopulated and self.optimized_learning is None:
            self.memory.keep_prepopulated()
        else:
            self.memory.clear()
        self.time[:] = 0
        self._last_learn[:] = 0
        self._pending = None


class DelayedOutcomes:
    """Outcomes learned as expectations, to be replaced by the real ones via :meth:`update`."""

    def __init__(self, batch: IBLBatch, agents, attributes, expected, when):
        self._batch = batch
        self.agents = agents
        self._attributes = attributes
        self.expectation = expected.copy()
        self.outcome = expected.copy()
        self.when = when
        self.resolved = np.zeros(len(agents), dtype=bool)

    def update(self, outcomes, rows=None) -> np.ndarray:
        """Replace the stored outcome of the given rows (all by default); returns the old."""
        rows = np.arange(len(self.agents)) if rows is None else np.asarray(rows).reshape(-1)
        outcomes = numbers(outcomes, "outcomes", len(rows))
        mem = self._batch.memory
        old = self.outcome[rows].copy()
        agents, attrs, when = self.agents[rows], self._attributes[rows], self.when[rows]
        for r in range(len(rows)):
            slot = mem.find(agents[r:r + 1], attrs[r:r + 1], old[r:r + 1])[0]
            if slot >= 0:
                mem.forget(int(agents[r]), int(slot), int(when[r]))
        mem.learn(agents, attrs, outcomes, when)
        self.outcome[rows] = outcomes
        self.resolved[rows] = True
        return old
