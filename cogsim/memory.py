"""The activation math of instance-based memory, and the batched instance store.

This module is the one place where cogsim computes activations, retrieval probabilities
and blended values; the IBL models (`cogsim.ibl`), ACT-R (`cogsim.actr`) and the
calibrated models of described gambles and of repeated choice all call it.  The
equations are those of ACT-R as PyIBL 5.2 and pyactr implement them.

Activation of instance (chunk) i at time t::

    A_i = B_i + eps_i + P_i
    B_i = ln sum_k (t - t_k)^-d                      base-level learning (exact)
    B_i ~ ln(n_i / (1 - d)) - d ln(t - c_i)           optimized learning (full approximation)
    eps_i = s ln(u / (1 - u)),  u ~ U(0, 1)           logistic noise of scale s
    P_i = mu sum_j w_j (S_ij - 1)                     partial matching, S_ij in [0, 1]

with t_k the times of the instance's references, n_i their number, c_i its creation time.
Retrieval probabilities are a softmax at temperature tau, and the blended value the
probability-weighted mean of the utilities u_i::

    P_i = exp(A_i / tau) / sum_j exp(A_j / tau)       over the candidate instances
    V = sum_i P_i u_i
    tau = sqrt(2) s when no temperature is given, and 1 when that is below 0.01

An explicit temperature below 0.01 is an error (PyIBL's `MINIMUM_TEMPERATURE`).  ACT-R's
blended activation is A_b = ln sum_i exp(A_i).

The functions are pure NumPy, vectorized, and axis-agnostic where models need it: the
batched engines hold instances on axis 0 and agents on the last axis; the calibrated
models put many trials, problems and agents on other axes.  Two evaluation orders of the
softmax exist, both here, so that every model keeps its numbers bit for bit:

* double precision, PyIBL's order (`retrieval_weights` with a temperature): exp(A / tau)
  as PyIBL computes it, shifted by the largest value only where it would overflow;
* single precision (`scaled_activations`, then `retrieval_weights(..., stable=True)`):
  A / tau formed as B * (1/tau) + (s/tau) * eps and always shifted by its maximum, as the
  float32 description model does for millions of retrievals at once.

:class:`InstanceMemory` is the batched store of the IBL and ACT-R engines: the instances
of many agents as a structure of arrays, with their references, and their base levels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from cogsim.streams import uniforms

SQRT2 = math.sqrt(2.0)
MINIMUM_TEMPERATURE = 0.01
#: exp overflows above about 709.78 in double precision; PyIBL's exp(A/tau) is shifted
#: by its maximum only beyond this.
_OVERFLOW = 700.0

__all__ = [
    "MINIMUM_TEMPERATURE",
    "SQRT2",
    "InstanceMemory",
    "activation_from",
    "base_level",
    "blend",
    "blended_activation",
    "blended_values",
    "check_temperature",
    "default_temperature",
    "effective_temperature",
    "logistic_noise",
    "mismatch_penalty",
    "noise_term",
    "optimized_base_level",
    "parse_optimized_learning",
    "power_decay",
    "retrieval_probabilities",
    "retrieval_weights",
    "scaled_activations",
    "similarity_values",
    "standard_logistic",
    "temperature_parameter",
]


# --------------------------------------------------------------------- base level
def power_decay(age: ArrayLike, decay: ArrayLike) -> np.ndarray:
    """Weight of a reference of age a in base-level learning: a^-d, and 0 if a <= 0.

    Parameters
    ----------
    age : array_like
        a = t - t_k, the time since the reference; a reference not yet made (a <= 0)
        weighs 0.
    decay : float or array_like
        d >= 0, broadcast against ``age``.

    Returns
    -------
    ndarray of float64
        (t - t_k)^-d, the terms that `base_level` sums: B = ln sum_k (t - t_k)^-d.
    """
    age = np.asarray(age, dtype=np.float64)
    made = age > 0
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(made, np.power(np.where(made, age, 1.0), -np.asarray(decay)), 0.0)


def base_level(sums: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Base-level activation B = ln sum_k (t - t_k)^-d from the summed reference weights.

    Parameters
    ----------
    sums : ndarray
        sum_k (t - t_k)^-d of each instance, the `power_decay` weights of its references
        (times their counts, where a model counts references per event time).
    out : ndarray, optional
        Where to write B; may be ``sums``.

    Returns
    -------
    ndarray
        B in the precision of ``sums``; -inf for an instance without references (sum 0).
    """
    with np.errstate(divide="ignore"):
        return np.log(sums, out=out)


def optimized_base_level(count: ArrayLike, life: ArrayLike, decay: ArrayLike) -> np.ndarray:
    """PyIBL's full optimized-learning approximation B = ln(n / (1 - d)) - d ln L.

    Parameters
    ----------
    count : array_like
        n, the number of references of each instance.
    life : array_like
        L = t - c, the time since the instance was created.
    decay : float or array_like
        d < 1.

    Returns
    -------
    ndarray of float64
        The approximate B (-inf where n = 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(count / (1 - decay)) - decay * np.log(life)


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


# -------------------------------------------------------------------------- noise
def standard_logistic(rng: np.random.Generator, shape: tuple[int, ...],
                      agents: np.ndarray | None = None,
                      ahead: np.ndarray | None = None) -> np.ndarray:
    """Standard logistic draws eps = ln(u / (1 - u)), u uniform, in single precision.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the uniforms (one float32 draw per element).
    shape : tuple of int
        Shape of the result.

    Returns
    -------
    ndarray of float32
        The draws.  The uniforms are NumPy's 24-bit float32 ones (u = k 2^-24, k < 2^24),
        clipped to [2^-25, 1 - 2^-24] so that u = 0 gives a finite draw: the noise is
        exact to about 1e-7 relative and its tails are cut at -17.3 and +16.6, where the
        probability is below 1e-7.  Several times faster than double-precision
        ``Generator.logistic``.
    """
    u = uniforms(rng, shape, agents, np.float32, ahead)
    np.maximum(u, np.float32(2.0 ** -25), out=u)        # np.clip, without its wrapper
    np.minimum(u, np.float32(1 - 2.0 ** -24), out=u)
    ratio = u / (np.float32(1) - u)
    np.log(ratio, out=ratio)
    return ratio


def logistic_noise(rng: np.random.Generator, scale: ArrayLike,
                   shape: tuple[int, ...], agents: np.ndarray | None = None,
                   ahead: np.ndarray | None = None) -> np.ndarray:
    """Activation noise s * eps, eps standard logistic, in single precision.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the draws (`standard_logistic`); drawn whatever ``scale`` is.
    scale : float or array_like
        s >= 0, broadcast against ``shape`` (per-agent scales on the last axis).
    shape : tuple of int
        Shape of the result.
    agents : array of int, optional
        The agents of the last axis, for keyed streams (:func:`uniforms`).
    ahead : array of int, optional
        Keyed streams only: draw each agent's call that many calls ahead
        (:meth:`~cogsim.streams.KeyedStreams.random`).

    Returns
    -------
    ndarray of float32
        float32(s) * eps.
    """
    eps = standard_logistic(rng, shape, agents, ahead)
    eps *= np.asarray(scale, dtype=np.float32)
    return eps


def noise_term(standard: np.ndarray, scale: float) -> np.ndarray:
    """s * eps in double precision, for standard draws kept across parameter values.

    Parameters
    ----------
    standard : ndarray
        eps, `standard_logistic` draws made once (common random numbers).
    scale : float
        s, the noise of the evaluation at hand.

    Returns
    -------
    ndarray of float64
    """
    return np.float64(scale) * standard


# ---------------------------------------------------------------- partial matching
def similarity_values(function: Callable, x: np.ndarray, y: np.ndarray, valid: np.ndarray,
                      name: str) -> np.ndarray:
    """Similarities S(x, y) in [0, 1] from a user or built-in function, as PyIBL uses them.

    Parameters
    ----------
    function : callable
        ``function(x, y)`` on arrays; built-ins marked ``exact_on_equal`` are trusted.
    x, y : ndarray
        Attribute values of the instances and of the option (or request).
    valid : ndarray of bool
        Instances in use; only their similarities are checked.
    name : str
        What the similarity is of, for the error message.

    Returns
    -------
    ndarray of float64
        S, 1 where x == y whatever the function says.

    Raises
    ------
    ValueError
        A similarity of a valid instance outside [0, 1] (or NaN), naming ``name``.
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


def mismatch_penalty(similarities: Iterable[np.ndarray], weights: Sequence[float],
                     mu: ArrayLike) -> np.ndarray:
    """Partial-matching term P = mu * sum_j w_j (S_j - 1).

    Parameters
    ----------
    similarities : iterable of ndarray
        S_j in [0, 1], one array per partially matched attribute, agents on the last
        axis; consumed one at a time so that only one is held in memory.  ACT-R
        similarities Sim in [-1, 0] enter as S = Sim + 1.
    weights : sequence of float
        w_j, one per attribute.
    mu : float or array_like
        The mismatch penalty (per agent, on the last axis).

    Returns
    -------
    ndarray of float64
        P <= 0.
    """
    total = None
    for s, w in zip(similarities, weights):
        term = np.subtract(s, 1.0)
        if w != 1.0:                        # times 1.0 changes no number
            term *= w
        if total is None:
            total = term
        else:
            total += term
    total *= np.asarray(mu, dtype=np.float64)
    return total


# ---------------------------------------------------------------------- activation
def activation_from(base: np.ndarray, *terms: np.ndarray | None,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Activation A = B + eps + P: the base level plus the noise and partial-matching terms.

    Parameters
    ----------
    base : ndarray
        B (`base_level`).
    *terms : ndarray or None
        eps (`logistic_noise`, `noise_term`) and P (`mismatch_penalty`), those that
        apply; None ones are skipped.  They are added left to right in the order given:
        IBL adds the noise and then the penalty (as PyIBL does), ACT-R the penalty and
        then the noise (as pyactr does), so that each matches its reference to the last
        bit.
    out : ndarray, optional
        Where to write A; may be ``base`` (added in place).

    Returns
    -------
    ndarray
    """
    present = [t for t in terms if t is not None]
    if not present:
        if out is None:
            return base
        np.copyto(out, base)
        return out
    a = np.add(base, present[0], out=out)
    for t in present[1:]:
        a += t
    return a


# --------------------------------------------------------------------- temperature
def default_temperature(noise: ArrayLike) -> np.ndarray:
    """PyIBL's default temperature tau = sqrt(2) s, or 1 where that is below 0.01.

    Parameters
    ----------
    noise : float or array_like
        s, the activation noise.

    Returns
    -------
    ndarray of float64
        tau, the shape of ``noise``.
    """
    t = SQRT2 * np.asarray(noise, dtype=np.float64)
    return np.where(t < MINIMUM_TEMPERATURE, 1.0, t)


def effective_temperature(temperature: ArrayLike | None, noise: ArrayLike) -> np.ndarray:
    """The temperature used: the one given, else `default_temperature` of the noise.

    Parameters
    ----------
    temperature : float, array_like or None
        An explicit temperature (one, or one per agent as ``noise``), or None.
    noise : float or array_like
        s, the activation noise.

    Returns
    -------
    ndarray of float64
        tau, the shape of ``noise``.
    """
    noise = np.asarray(noise, dtype=np.float64)
    if temperature is None:
        return default_temperature(noise)
    return np.broadcast_to(np.asarray(temperature, dtype=np.float64), noise.shape).copy()


def temperature_parameter(temperature: float | None, noise: float) -> float | None:
    """The temperature setting as PyIBL's ``Agent.temperature`` reports it.

    Parameters
    ----------
    temperature : float or None
        The explicit temperature, if any.
    noise : float
        s, the activation noise.

    Returns
    -------
    float or None
        The explicit temperature; else None while sqrt(2) s >= 0.01, and 1 when it is
        below (PyIBL then sets the temperature to 1).
    """
    if temperature is not None:
        return float(temperature)
    return None if SQRT2 * float(noise) >= MINIMUM_TEMPERATURE else 1.0


def check_temperature(value: object, name: str = "temperature") -> float | None:
    """A temperature setting checked as PyIBL checks it: None or a number >= 0.01.

    Parameters
    ----------
    value : object
        The setting given.
    name : str
        Its name, for the error message.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        Not None nor a finite number, or below `MINIMUM_TEMPERATURE`.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a number or None, got {value!r}")
    if value < MINIMUM_TEMPERATURE:
        raise ValueError(f"{name} must be at least {MINIMUM_TEMPERATURE}, got {value!r}")
    return float(value)


# ----------------------------------------------------------------------- retrieval
def scaled_activations(base: np.ndarray, temperature: float, noise_scale: float = 0.0,
                       noise: np.ndarray | None = None, *,
                       out: np.ndarray | None = None) -> np.ndarray:
    """A / tau for A = B + s eps in the precision of ``base``: the single-precision order.

    Computed as B * (1/tau) + (s/tau) * eps, one multiply and one multiply-add per
    element, with 1/tau and s/tau formed in double precision and rounded to the dtype of
    ``base``.  The result goes to `retrieval_weights` without a temperature.

    Parameters
    ----------
    base : ndarray
        B (float32 or float64).
    temperature : float
        tau.
    noise_scale : float
        s >= 0; 0 leaves the noise out.
    noise : ndarray, optional
        eps, standard logistic draws (`standard_logistic`), broadcast against ``base``.
    out : ndarray, optional
        Where to write A / tau; may be ``base``.

    Returns
    -------
    ndarray
        A / tau, the dtype of ``base``.
    """
    kind = base.dtype.type
    inverse = 1.0 / float(temperature)
    z = np.multiply(base, kind(inverse), out=out)
    if noise is not None and noise_scale > 0:
        z += kind(noise_scale * inverse) * noise
    return z


def retrieval_weights(activations: np.ndarray, candidates: np.ndarray | None = None,
                      temperature: ArrayLike | None = None, *, axis: int = 0,
                      stable: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Unnormalised retrieval weights w_i = exp(A_i / tau); 0 for non-candidates.

    Parameters
    ----------
    activations : ndarray
        A_i, or A_i / tau already when ``temperature`` is None (`scaled_activations`).
    candidates : ndarray of bool, optional
        Instances that can be retrieved, broadcast against ``activations``; the others
        weigh 0.
    temperature : float or array_like, optional
        tau, broadcast against ``activations`` (per-agent values on the last axis).
    axis : int
        The instance axis.
    stable : bool
        False (double precision): exp(A/tau) exactly as PyIBL computes it, shifted by
        the largest A/tau only where that exceeds 700 and exp would overflow.  True:
        always exp(A/tau - max A/tau), as single precision needs (exp overflows at 88).
        The probabilities w_i / sum_j w_j agree up to rounding.
    out : ndarray, optional
        Where to write the weights; may be ``activations``.

    Returns
    -------
    ndarray
        w; `retrieval_probabilities` normalises it, `blend` averages utilities with it.
    """
    a = activations if candidates is None else np.where(candidates, activations, -np.inf)
    if temperature is not None:
        tau = np.asarray(temperature, dtype=np.float64)
        if a is not activations and a.dtype == np.float64:
            np.divide(a, tau, out=a)        # in the array np.where made: no second one
        else:
            a = a / tau
    if a.shape[axis] == 0:
        return np.zeros(a.shape) if out is None else np.multiply(a, 0, out=out)
    if out is None and a is not activations:
        out = a                             # a temporary of this function: overwritten
    top = a.max(axis=axis, keepdims=True)
    if stable:
        shift = np.where(np.isfinite(top), top, 0).astype(a.dtype, copy=False)
        w = np.subtract(a, shift, out=out)
        with np.errstate(under="ignore"):
            return np.exp(w, out=w)
    big = top > _OVERFLOW                   # NaN and -inf are not
    with np.errstate(under="ignore"):
        if big.any():
            shift = np.where(np.isfinite(top) & big, top, 0.0)
            if shift.any():
                return np.exp(np.subtract(a, shift, out=out), out=out)
        return np.exp(a, out=out)


def instance_sum(x: np.ndarray, axis: int = 0, sequential: bool = False,
                 keepdims: bool = False) -> np.ndarray:
    """Sum over the instance axis.

    ``sequential``: strictly left to right, so that an agent's sum is the same bit for bit
    whichever other agents share the array (NumPy sums a lone column pairwise, but the
    columns of a row-major array row by row; a batch-invariant population needs one rule).
    Without it, NumPy's own order, which is what PyIBL's sums give for a single agent.
    """
    # A C-ordered array with more than one element after ``axis`` (its stride along the axis
    # longer than one item): NumPy adds whole rows of the later axes in order, left to right
    # along the axis for every element, as the cumulative sum does, without its array.
    if (not sequential or x.shape[axis] <= 1
            or (x.flags.c_contiguous and x.strides[axis] > x.itemsize)):
        return np.add.reduce(x, axis=axis, keepdims=keepdims)      # x.sum without its wrapper
    total = np.cumsum(x, axis=axis)
    return total.take([-1] if keepdims else -1, axis=axis)


def retrieval_probabilities(activations: np.ndarray, candidates: np.ndarray | None,
                            temperature: ArrayLike, axis: int = 0,
                            sequential: bool = False) -> np.ndarray:
    """Retrieval probabilities P_i = exp(A_i / tau) / sum_j exp(A_j / tau).

    Parameters
    ----------
    activations : ndarray
        A_i, instances on ``axis`` (0 in the batched engines, agents on the last axis).
    candidates : ndarray of bool or None
        Instances that can be retrieved (None: all).
    temperature : float or array_like
        tau, broadcast against ``activations``.
    axis : int
        The instance axis.

    Returns
    -------
    ndarray of float64
        P over the candidates, PyIBL's bit for bit (see `retrieval_weights`); all zero
        where there is no candidate.
    """
    w = retrieval_weights(activations, candidates, temperature, axis=axis)
    if w.shape[axis] == 0:
        return w
    total = instance_sum(w, axis, sequential, keepdims=True)
    positive = total > 0
    return w / (total if positive.all() else np.where(positive, total, 1.0))


def blend(weights: np.ndarray, utilities: ArrayLike, axis: int = 0,
          sequential: bool = False) -> np.ndarray:
    """Blended value V = sum_i w_i u_i / sum_i w_i.

    Parameters
    ----------
    weights : ndarray
        Retrieval probabilities, or unnormalised weights (`retrieval_weights`), with the
        instances on ``axis``.
    utilities : array_like
        u_i.  Either it broadcasts against ``weights`` (the same number of dimensions),
        or it has fewer dimensions and lies along the axes ``axis, axis + 1, ...`` of
        ``weights``; then the sum is an einsum, with no broadcast copy of the utilities.
    axis : int
        The instance axis.
    sequential : bool
        Sum strictly left to right (:func:`instance_sum`).

    Returns
    -------
    ndarray
        V, ``weights`` without ``axis``; NaN where sum_i w_i = 0 (no candidate).
    """
    weights = np.asarray(weights)
    utilities = np.asarray(utilities)
    axis = axis % weights.ndim
    weight = instance_sum(weights, axis, sequential)
    if sequential:
        num = instance_sum(weights * utilities, axis, sequential)
    elif utilities.ndim < weights.ndim:
        letters = "abcdefghijklmnopqrstuvwxyz"[:weights.ndim]
        along = letters[axis:axis + utilities.ndim]
        kept = letters[:axis] + letters[axis + 1:]
        num = np.einsum(f"{letters},{along}->{kept}", weights, utilities)
    else:
        num = (weights * utilities).sum(axis=axis)
    positive = weight > 0
    if np.ndim(weight) and positive.all():
        return num / weight                 # what the line below gives, in one pass
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positive, num / np.where(positive, weight, 1.0), np.nan)


def blended_values(activations: np.ndarray, utilities: ArrayLike, temperature: ArrayLike,
                   candidates: np.ndarray | None = None, axis: int = 0) -> np.ndarray:
    """Blended value V = sum_i P_i u_i, P the softmax of A / tau over the candidates.

    `retrieval_probabilities` then `blend`, as IBL and ACT-R retrievals compute it (a
    single candidate gives its utility exactly).

    Parameters
    ----------
    activations : ndarray
        A_i, instances on ``axis``.
    utilities : array_like
        u_i (see `blend`).
    temperature : float or array_like
        tau.
    candidates : ndarray of bool, optional
        Instances that can be retrieved (default: all, an A of -inf weighing 0).
    axis : int
        The instance axis.

    Returns
    -------
    ndarray
        V; NaN where there is no candidate.
    """
    return blend(retrieval_probabilities(activations, candidates, temperature, axis=axis),
                 utilities, axis=axis)


def blended_activation(activations: np.ndarray, candidates: np.ndarray,
                       sequential: bool = False) -> np.ndarray:
    """ACT-R's activation of a blended retrieval, A_b = ln sum_i exp(A_i).

    Parameters
    ----------
    activations : ndarray
        A_i, instances on axis 0.
    candidates : ndarray of bool
        The chunks that take part (at or above the retrieval threshold).

    Returns
    -------
    ndarray of float64
        A_b over axis 0; NaN where there is no candidate.
    """
    success = candidates.any(axis=0)
    masked = np.where(candidates, activations, -np.inf)
    top = np.where(success, masked.max(axis=0), 0.0)
    with np.errstate(under="ignore"):
        total = instance_sum(np.exp(masked - top), 0, sequential)
    return np.where(success, top + np.log(np.where(success, total, 1.0)), np.nan)


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
    max_instances : int, optional
        At most this many instances per agent: a new instance learned by a full agent
        takes the slot of the instance whose latest reference is oldest (the one with
        fewest references among those; the first slot on a further tie).  None: no bound.

    Arrays are slot-major: ``utility[slot, agent]``, ``attributes[slot, j, agent]``, so that
    a reduction over an agent's instances runs along axis 0, contiguous for all agents at
    once.  Slots are used in insertion order and, without ``max_instances``, never reused,
    so the order of an agent's instances is the order in which they were first learned (as
    in PyIBL).  Forgetting the last reference of an instance empties its slot.
    """

    def __init__(self, n_agents: int, n_attributes: int, optimized_learning=False,
                 capacity: int = 8, max_instances: int | None = None):
        if max_instances is not None and max_instances < 1:
            raise ValueError(f"max_instances must be a positive integer, got {max_instances}")
        self.max_instances = None if max_instances is None else int(max_instances)
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
        self.last = np.zeros((capacity, n), dtype=np.int64)       # latest reference
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
        for name in ("attributes", "utility", "created", "count", "last", "valid", "recent"):
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
        arrays = [self.attributes, self.utility, self.created, self.count, self.last, self.valid,
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
            full = (self.size[na] >= self.max_instances if self.max_instances is not None
                    else np.zeros(len(na), dtype=bool))
            if not full.all():
                self._grow_instances(int(self.size[na[~full]].max()) + 1)
            ns = self.size[na].copy()
            if full.any():
                ns[full] = self._evict(na[full])
            self.attributes[ns, :, na] = attributes[new]
            self.utility[ns, na] = utility[new]
            self.created[ns, na] = time[new]
            self.count[ns, na] = 0
            self.valid[ns, na] = True
            if self.recent.shape[1]:
                self.recent[ns, :, na] = 0
            self.size[na[~full]] += 1
            slot[new] = ns
        self._cite(agents, slot, time)
        return slot

    def _evict(self, agents: np.ndarray) -> np.ndarray:
        """Empty, for each (full) agent, the slot of the instance whose latest reference
        is oldest (fewest references on a tie, then the first slot); returns the slots."""
        w = self.width(agents)
        top = np.iinfo(np.int64).max
        valid = self.valid[:w, agents]
        last = np.where(valid, self.last[:w, agents], top)
        oldest = last == last.min(axis=0)
        slot = np.where(oldest, self.count[:w, agents], top).argmin(axis=0)
        if self.optimized_learning is None:
            depth = int(self.occ_size[agents].max())
            gone = self.occ_index[:depth, agents] == slot * self.n_agents + agents
            times = self.occ_time[:depth, agents]
            times[gone] = -np.inf
            self.occ_time[:depth, agents] = times
        self.valid[slot, agents] = False
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
        first = self.count[slot, agents] == 1
        self.last[slot, agents] = np.where(first, time, np.maximum(self.last[slot, agents], time))
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
    def base_level(self, agents, time, decay, time_unit: float = 1.0,
                   width: int | None = None) -> np.ndarray:
        """Base-level activation B of the used slots of the given agents at their ``time``.

        Exact: B = ln sum_k (t - t_k)^-d over each instance's references; optimized
        learning: `optimized_base_level`, or (k > 0) the k most recent references exact
        and the older ones approximated as PyIBL 5.2 does.  With ``time_unit`` r the
        integer times are ticks of r (seconds): B = ln sum_k (r a_k)^-d
        = ln sum_k a_k^-d - d ln r.  Returns an array (width, len(agents)) with -inf in
        empty slots; ``width``, when the caller has it, is :meth:`width` of ``agents``.
        """
        agents = np.asarray(agents, dtype=np.int64)
        t = np.asarray(time, dtype=np.int64).reshape(1, -1)
        d = np.asarray(decay, dtype=np.float64).reshape(1, -1)
        if (self.latest[agents] >= t.ravel()).any():
            raise RuntimeError("an instance has a reference that is not in the past; "
                               "advance the time before computing activations")
        w = self.width(agents) if width is None else width
        valid = self.valid[:w, agents]
        k = self.optimized_learning
        if k == 0:                      # integer counts and ages: the float64 arithmetic
            b = np.where(valid, optimized_base_level(self.count[:w, agents],
                                                     t - self.created[:w, agents], d), -np.inf)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if k is None:
                    total = self._exact_sums(agents, t, d, w)
                else:
                    total = self._partial_sums(agents, t, d, k, w, valid)
            b = np.where(valid, base_level(total), -np.inf)
        if time_unit != 1.0:
            b -= d * np.log(time_unit)
        return b

    def _exact_sums(self, agents, t, d, w) -> np.ndarray:
        """Sum of (t - t_k)^-d over each instance's references, in three array passes.

        The terms are `power_decay`'s, computed in place in a reused buffer (forgotten and
        unused references have time -inf, hence age inf and weight 0).
        """
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
