"""A pyactr 0.3.2 model of cogsim's pairwise judgment: the reference for ``cogsim.actr``.

The model has the productions that :mod:`cogsim.actr.batched` describes (encode; the
``evaluate`` strategy or a heuristic; evaluate-second; respond), experience chunks in
declarative memory with given reference times, base-level learning, partial matching
through pyactr's similarity table (``model.set_similarities``), instantaneous noise,
retrieval threshold and latency, utility noise and utility learning.  Each :meth:`judge`
runs one judgment from a fresh copy of the memory, so judgments are independent and can be
compared one by one with cogsim.

pyactr keeps its numbers to itself, so a spy records them while a judgment runs: the
activation of every candidate chunk (pyactr calls ``utilities.retrieval_success(A, tau)``
once per candidate, with A = B + spreading + partial matching + noise), and what
``DecMemBuffer.retrieve`` returns (the chunk and the retrieval time).  The spy only
observes; pyactr computes as usual.

Encoding into pyactr: slot values are strings ``"<slot>_<value>"`` (pyactr's similarity
table is keyed by values alone, shared by all slots, so the prefix keeps slots apart); the
value slot holds ``"v_<value>"``.  A numeric similarity function f (cogsim convention,
S in [0, 1]) becomes table entries f(x, y) - 1 for every pair of values that occur; a
symbolic table is entered as is.  pyactr adds table entries without multiplying them by the
mismatch penalty (see the quirks in the tests), so tables are only comparable with MP = 1.
The comparison of two numeric values is done in Python after the run (pyactr productions
cannot compare numbers); the response time is the time of the ``respond`` production.

The encoding/motor time is not part of this model: cogsim adds it to the response time, so
compare with ``encoding_motor_time=0``.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

warnings.filterwarnings("ignore", module="pyactr")
import pyactr as actr  # noqa: E402
from pyactr import declarative, utilities  # noqa: E402

_COUNTER = itertools.count()


@contextlib.contextmanager
def _spy(record: list):
    """Record every retrieval pyactr makes: candidate activations, result and latency."""
    orig_success = utilities.retrieval_success
    orig_retrieve = declarative.DecMemBuffer.retrieve

    def success(activation, threshold):
        chunk = sys._getframe(1).f_locals.get("chunk")
        record[-1]["activations"][chunk] = activation
        return orig_success(activation, threshold)

    def retrieve(self, time, otherchunk, *args, **kwargs):
        record.append({"time": time, "activations": {}})
        retrieved, extra = orig_retrieve(self, time, otherchunk, *args, **kwargs)
        record[-1].update(retrieved=retrieved, latency=extra)
        return retrieved, extra

    utilities.retrieval_success = success
    declarative.DecMemBuffer.retrieve = retrieve
    try:
        yield record
    finally:
        utilities.retrieval_success = orig_success
        declarative.DecMemBuffer.retrieve = orig_retrieve


class ReferenceJudge:
    """pyactr model of one annotator's pairwise judgment.

    Parameters
    ----------
    attributes : sequence of str
        Slot names (cogsim's attributes); values are numbers.
    chunks : sequence of (slot values, value, reference times)
        Declarative memory, in order; times in seconds.
    similarity : mapping slot -> callable or square array, optional
        Numeric function (S in [0, 1]) or symmetric table (values in [-1, 0]) of codes.
    heuristics, utility
        As in :class:`cogsim.actr.ACTRBatch`.
    reward : float or None
        With ``utility_learning``, the reward the respond productions carry.
    **parameters
        pyactr model parameters (``decay``, ``instantaneous_noise``, ``partial_matching``...).
    """

    def __init__(self, attributes: Sequence[str], chunks, *, similarity: Mapping | None = None,
                 heuristics: Sequence[str] = (), utility: Mapping[str, float] | None = None,
                 reward: float | None = None, **parameters):
        self.attributes = tuple(attributes)
        self.chunks = [(tuple(float(x) for x in s), float(v), tuple(float(t) for t in times))
                       for s, v, times in chunks]
        self.similarity = dict(similarity or {})
        self.heuristics = tuple(heuristics)
        self.utility = {"evaluate": 0.0, **{h: 0.0 for h in self.heuristics}, **(utility or {})}
        self.parameters = dict(subsymbolic=True, **parameters)
        k = next(_COUNTER)
        self.exp_type, self.goal_type = f"experience{k}", f"judgment{k}"
        self.model = self._build(reward)

    # ------------------------------------------------------------------ model
    @staticmethod
    def code(slot: str, value: float) -> str:
        return f"{slot}_{float(value)!r}"

    def _build(self, reward):
        m = actr.ACTRModel(**self.parameters)
        attrs = self.attributes
        actr.chunktype(self.exp_type, " ".join(attrs + ("value",)))
        goal_slots = ["state", "choice", "va", "vb"]
        goal_slots += [f"f_{a}" for a in attrs] + [f"s_{a}" for a in attrs]
        goal_slots += [f"cmp_{h}" for h in self.heuristics if ":" in h]
        actr.chunktype(self.goal_type, " ".join(_safe(s) for s in goal_slots))
        g, e = self.goal_type, self.exp_type
        first = " ".join(f"f_{a} =f_{a}" for a in attrs)
        second = " ".join(f"s_{a} =s_{a}" for a in attrs)
        req_first = " ".join(f"{a} =f_{a}" for a in attrs)
        req_second = " ".join(f"{a} =s_{a}" for a in attrs)
        u = self.utility
        m.productionstring(name="encode", string=f"=g> isa {g} state start ==> =g> isa {g} state encoded")
        m.productionstring(name="evaluate", utility=u["evaluate"], string=f"""
            =g> isa {g} state encoded {first} ==> =g> isa {g} state first
            +retrieval> isa {e} {req_first}""")
        for h in self.heuristics:
            if h in ("prefer_first", "prefer_second"):
                which = h.split("_")[1]
                body = f"=g> isa {g} state encoded ==> =g> isa {g} state decided choice {which}"
            else:
                slot = _safe(f"cmp_{h}")
                body = (f"=g> isa {g} state encoded {slot} =x {slot} ~None "
                        f"==> =g> isa {g} state decided choice =x")
            m.productionstring(name=h, utility=u[h], string=body)
        m.productionstring(name="evaluate_second", string=f"""
            =g> isa {g} state first {second} ?retrieval> state free
            =retrieval> isa {e} value =v ==> =g> isa {g} state second va =v
            +retrieval> isa {e} {req_second}""")
        m.productionstring(name="evaluate_second_after_failure", string=f"""
            =g> isa {g} state first {second} ?retrieval> state error
            ==> =g> isa {g} state second +retrieval> isa {e} {req_second}""")
        m.productionstring(name="respond", reward=reward, string=f"""
            =g> isa {g} state second ?retrieval> state free =retrieval> isa {e} value =v
            ==> =g> isa {g} state done vb =v""")
        m.productionstring(name="respond_after_failure", reward=reward, string=f"""
            =g> isa {g} state second ?retrieval> state error ==> =g> isa {g} state done""")
        m.productionstring(name="respond_decided", reward=reward, string=f"""
            =g> isa {g} state decided ==> =g> isa {g} state done""")
        return m

    def _similarities(self, pair) -> None:
        m = self.model
        for slot, sim in self.similarity.items():
            j = self.attributes.index(slot)
            values = sorted({c[0][j] for c in self.chunks} | {float(p[j]) for p in pair})
            for x, y in itertools.combinations(values, 2):
                if callable(sim):
                    s = float(sim(np.array(x), np.array(y))) - 1.0
                else:
                    s = float(np.asarray(sim)[int(x), int(y)])
                m.set_similarities(self.code(slot, x), self.code(slot, y), s)

    def _memory(self):
        dm = declarative.DecMem()
        index = {}
        for i, (slots, value, times) in enumerate(self.chunks):
            kw = {a: self.code(a, x) for a, x in zip(self.attributes, slots)}
            chunk = actr.makechunk(typename=self.exp_type, value=f"v_{value!r}", **kw)
            dm.add(chunk, list(times))
            index[chunk] = i
        return dm, index

    # ------------------------------------------------------------------ judge
    def judge(self, pair, first_shown: int, t0: float, max_time: float = 100.0) -> dict:
        """Run one judgment of ``pair`` (2 x n_attributes) starting at ``t0`` seconds.

        Returns ``strategy`` (production name), ``choice`` (index into the pair, None for a
        guess), ``values`` (pair order, NaN if not evaluated or failed), ``rt`` (pyactr's
        clock at the end of respond, minus t0), ``retrievals`` (list, in order, of dicts
        with ``time``, ``activations`` {chunk index: A}, ``retrieved`` (index or -1) and
        ``latency``), and ``utilities`` after the run.
        """
        m = self.model
        pair = np.asarray(pair, dtype=float)
        order = [first_shown, 1 - first_shown]
        dm, index = self._memory()
        m.decmems["decmem"] = dm
        m.retrieval._data = set()
        m.retrieval.state = m.retrieval._FREE
        for name, u in self.utility.items():
            m.productions[name]["utility"] = u
        self._similarities(pair)
        slots = {"state": "start"}
        for a_idx, a in enumerate(self.attributes):
            slots[f"f_{a}"] = self.code(a, pair[order[0], a_idx])
            slots[f"s_{a}"] = self.code(a, pair[order[1], a_idx])
        for h in self.heuristics:
            if ":" in h:
                kind, attr = h.split(":")
                j = self.attributes.index(attr)
                x, y = pair[order[0], j], pair[order[1], j]
                if x != y:
                    bigger_first = x > y
                    slots[_safe(f"cmp_{h}")] = ("first" if bigger_first == (kind == "prefer_larger")
                                               else "second")
        m.goal.add(actr.makechunk(typename=self.goal_type, **slots))
        record: list = []
        strategy, end = None, None
        with _spy(record), contextlib.redirect_stdout(io.StringIO()):
            sim = m.simulation(realtime=False, trace=False, gui=False, initial_time=t0)
            while end is None:
                sim.step()
                ev = sim.current_event
                if ev is None or ev.time > t0 + max_time:
                    raise RuntimeError("the reference judgment did not finish")
                if ev.action.startswith("RULE FIRED: "):
                    rule = ev.action[len("RULE FIRED: "):]
                    if rule in self.utility and strategy is None:
                        strategy = rule
                    if rule.startswith("respond"):
                        end = ev.time
        goal = next(iter(m.goal))
        values = np.full(2, np.nan)
        for slot, k in (("va", 0), ("vb", 1)):
            v = getattr(goal, slot).values
            if v not in (None, "None") and not isinstance(v, actr.chunks.Chunk.EmptyValue):
                values[order[k]] = float(str(v)[2:])
        if strategy == "evaluate":
            if np.isnan(values).any() or values[0] == values[1]:
                choice = None
            else:
                choice = int(values[1] > values[0])
        else:
            c = str(goal.choice.values)
            choice = order[0] if c == "first" else order[1]
        retrievals = [{"time": r["time"],
                       "activations": {index[c]: a for c, a in r["activations"].items()},
                       "retrieved": index[r["retrieved"]] if r["retrieved"] else -1,
                       "latency": r["latency"]} for r in record]
        return {"strategy": strategy, "choice": choice, "values": values, "rt": end - t0,
                "retrievals": retrievals,
                "utilities": {name: m.productions[name]["utility"] for name in self.utility}}


def _safe(name: str) -> str:
    """A slot name pyactr accepts (letters, digits, underscores)."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
