"""Per-agent random streams, drawn for many agents at once: counter-based and keyed.

A population's judgments must not depend on how its queries are batched: an annotator asked
about 256 pairs in one call must make the same judgments as when asked one pair at a time.
A shared ``numpy.random.Generator`` cannot give that (a batch draws for all annotators in
one call, interleaving their streams), so populations draw from :class:`KeyedStreams`:
every agent has its own stream, and draw number ``c`` of agent ``i`` is a hash of
(key, i, c, position), computed for all agents of a call in a few array passes.

The hash is SplitMix64's finalizer (Steele, Lea & Flood 2014), a bijection of 64-bit
words with full avalanche, applied to the agent's word (key, agent, counter) XOR the
position's word.  Uniforms take the top 53 bits (float64) or 24 bits (float32), as NumPy
does; normals use the Box-Muller transform of two uniforms.  The counters are the whole
state (:meth:`KeyedStreams.state`), so a saved and restored stream continues exactly.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["KeyedStreams", "RandomSource", "mix64", "normals", "skip_draw", "uniforms"]

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
#: Positions along each leading axis are packed into 21 bits per axis (3 axes at most).
_AXIS_BITS = 21


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer on uint64 words (wrapping arithmetic), in place when ``z`` is
    an array: z ^= z >> 30; z *= M1; z ^= z >> 27; z *= M2; z ^= z >> 31."""
    z = np.asarray(z, dtype=np.uint64)       # array arithmetic wraps without a warning
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _position_words(lead: tuple[int, ...]) -> np.ndarray:
    """P = mix64((p_1 2^42 + p_2 2^21 + p_k) G + 1) for every position of ``lead``."""
    position = np.zeros(lead, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for axis, size in enumerate(lead):
            shift = np.uint64(_AXIS_BITS * (len(lead) - 1 - axis))
            index = np.arange(size, dtype=np.uint64) << shift
            position = position + index.reshape((-1,) + (1,) * (len(lead) - 1 - axis))
        return mix64(position * _GOLDEN + np.uint64(1))


@lru_cache(maxsize=256)
def _small_positions(lead: tuple[int, ...]) -> np.ndarray:
    """:func:`_position_words` of a small shape, computed once (read-only)."""
    words = _position_words(lead)
    words.flags.writeable = False
    return words


class KeyedStreams:
    """Independent random streams for ``n_agents`` agents, drawn in bulk.

    Parameters
    ----------
    key : int
        The streams' key (e.g. from the population's seed); different keys give
        independent families of streams.
    n_agents : int
        Number of streams.

    Notes
    -----
    Every draw call names the agents it draws for; the last axis of the requested shape
    runs over them, and each agent's counter then moves on by one.  The value at position
    (p_1, ..., p_k, j) is ``mix64(A_j ^ P)`` with ``A_j = mix64(mix64(key + agents[j] G)
    + counter[agents[j]] G)`` and ``P = mix64((p_1 2^42 + p_2 2^21 + p_k) G + 1)`` (G the
    golden-ratio word): it depends on the agent, its counter and the position, never on
    which other agents share the call, so an agent's draws are the same however calls are
    batched, as long as the agent takes part in the same sequence of calls.
    """

    def __init__(self, key: int, n_agents: int):
        if n_agents < 1:
            raise ValueError(f"n_agents must be at least 1, got {n_agents}")
        self.key = int(key) & 0xFFFFFFFFFFFFFFFF
        self.counters = np.zeros(int(n_agents), dtype=np.uint64)
        with np.errstate(over="ignore"):
            self._agent_words = mix64(np.uint64(self.key)
                                      + np.arange(1, n_agents + 1, dtype=np.uint64) * _GOLDEN)

    @property
    def n_agents(self) -> int:
        return len(self.counters)

    # ----------------------------------------------------------------- state
    def state(self) -> dict[str, np.ndarray | int]:
        """The streams' state: key and counters (a copy)."""
        return {"key": self.key, "counters": self.counters.copy()}

    def set_state(self, state: dict) -> None:
        """Restore a state from :meth:`state`."""
        counters = np.asarray(state["counters"])
        if int(state["key"]) != self.key or counters.shape != self.counters.shape:
            raise ValueError("random stream state belongs to other streams")
        self.counters = counters.astype(np.uint64)

    # ----------------------------------------------------------------- draws
    def _words(self, shape: tuple[int, ...], agents: np.ndarray,
               ahead: np.ndarray | None = None) -> np.ndarray:
        agents = np.asarray(agents, dtype=np.intp).reshape(-1)
        shape = tuple(map(int, shape))
        if not shape or shape[-1] != len(agents):
            raise ValueError(f"the last axis of {shape} must run over the {len(agents)} agents")
        lead = shape[:-1]
        if len(lead) > 3 or max(lead, default=0) >= 2 ** _AXIS_BITS:
            raise ValueError(f"at most 3 leading axes of fewer than 2**{_AXIS_BITS} draws, "
                             f"got {lead}")
        counter = self.counters[agents]
        if ahead is None:
            self.counters[agents] = counter + np.uint64(1)
        else:
            counter += np.asarray(ahead, dtype=np.uint64).reshape(-1)
        own = mix64(self._agent_words[agents] + counter * _GOLDEN)
        size = math.prod(lead)
        position = _small_positions(lead) if size <= 4096 else _position_words(lead)
        return mix64(position[..., None] ^ own)

    def random(self, shape: tuple[int, ...] | int, agents: np.ndarray,
               dtype: type = np.float64, ahead: np.ndarray | None = None) -> np.ndarray:
        """Uniforms in [0, 1): k 2^-53 (float64) or k 2^-24 (float32), like NumPy's.

        ``ahead`` (one count per entry of ``agents``, which may then repeat) draws what
        each agent's call that many calls from now will draw, and moves no counter: the
        caller moves them on with :meth:`advance` once all the calls are drawn.
        """
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        words = self._words(shape, agents, ahead)
        if dtype is np.float32 or np.dtype(dtype) == np.float32:
            words >>= np.uint64(40)
            return words.astype(np.float32) * np.float32(2.0 ** -24)
        words >>= np.uint64(11)
        return words.astype(np.float64) * (2.0 ** -53)

    def normal(self, shape: tuple[int, ...] | int, agents: np.ndarray) -> np.ndarray:
        """Standard normals by Box-Muller: sqrt(-2 ln(1 - u1)) cos(2 pi u2) (two calls)."""
        u1 = self.random(shape, agents)
        u2 = self.random(shape, agents)
        return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)

    def advance(self, agents: np.ndarray, calls: np.ndarray | int) -> None:
        """Move the counters of distinct ``agents`` on by ``calls`` draws each (after draws
        made ``ahead``)."""
        agents = np.asarray(agents, dtype=np.intp).reshape(-1)
        self.counters[agents] += np.asarray(calls, dtype=np.uint64)

    def skip(self, agents: np.ndarray) -> None:
        """Move the agents' counters on as a draw would, without drawing (for a draw that
        is skipped because its scale is 0: the agents' later draws stay the same)."""
        agents = np.asarray(agents, dtype=np.intp).reshape(-1)
        self.counters[agents] += np.uint64(1)


#: What the engines draw from: NumPy's Generator, or keyed per-agent streams.
RandomSource = np.random.Generator | KeyedStreams


def uniforms(rng: RandomSource, shape: tuple[int, ...], agents: np.ndarray | None = None,
             dtype: type = np.float64, ahead: np.ndarray | None = None) -> np.ndarray:
    """Uniform draws in [0, 1) of ``shape`` from a ``numpy.random.Generator``, or from
    :class:`KeyedStreams` (then ``agents``, the agents of the last axis, choose the
    streams, and an agent's draws do not depend on who shares the call; ``ahead``: see
    :meth:`KeyedStreams.random`)."""
    if isinstance(rng, np.random.Generator):
        if ahead is not None:
            raise ValueError("draws ahead need keyed streams, not a numpy Generator")
        return rng.random(shape, dtype=dtype)
    return rng.random(shape, agents, dtype, ahead)


def normals(rng: RandomSource, n: int, agents: np.ndarray | None = None) -> np.ndarray:
    """``n`` standard normal draws, one per agent of ``agents`` for keyed streams."""
    if isinstance(rng, np.random.Generator):
        return rng.normal(0.0, 1.0, n)
    return rng.normal((n,), agents)


def skip_draw(rng: RandomSource, agents: np.ndarray) -> None:
    """A draw left out because its scale is 0: keyed streams move the agents' counters on
    as the draw would have (so that later draws do not depend on the batch); a Generator
    has nothing to do."""
    if not isinstance(rng, np.random.Generator):
        rng.skip(agents)
