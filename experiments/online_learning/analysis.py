"""The online-learning experiment as a ``cogsim sweep`` analysis workload (see sweep.toml).

``run(spec, seed)`` is one run of :func:`living.run`: the condition, the learner's discount
and the sizes come from ``spec["options"]``, the population from ``spec["population"]``
(this file's ``population.toml`` with the sweep's parameters and the run's seed applied).
It returns the run's scalar measures; the regret curves and plots are ``run.py``'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import living  # noqa: E402

from cogsim.spec import parse_spec  # noqa: E402

#: The options an analysis run reads, with their defaults (those of run.py).
OPTIONS = {"condition": "static", "discount": 1.0, "rounds": 10_000, "n_items": 10,
           "probe_every": 500, "reps": 3}
MEASURES = ("cumulative_regret", "regret_last_1000", "queries", "best_changes",
            "distinct_best", "last_1000_first_is_best", "condorcet_share")


def run(spec: dict, seed: int) -> dict:
    """One run against the living population; returns its measures (see living.run)."""
    unknown = sorted(set(spec.get("options") or {}) - set(OPTIONS))
    if unknown:
        raise ValueError(f"options: unknown option {unknown[0]!r}; expected some of "
                         f"{sorted(OPTIONS)}")
    o = {**OPTIONS, **(spec.get("options") or {})}
    population = parse_spec(spec["population"], "population")
    r = living.run(str(o["condition"]), seed, rounds=int(o["rounds"]),
                   n_items=int(o["n_items"]), probe_every=int(o["probe_every"]),
                   reps=int(o["reps"]), discount=float(o["discount"]), spec=population)
    out = {k: r[k] for k in MEASURES}
    out["final_best"] = r["items"][r["final_best"]]
    return out
