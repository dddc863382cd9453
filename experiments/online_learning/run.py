"""Regenerate the online-learning experiment: every run, ``results.json`` and the plots.

    python experiments/online_learning/run.py            # 3 conditions x 2 learners x 3 seeds

Each run is :func:`living.run` (10,000 rounds of a dueling-bandit learner against a living
population); runs go to ``--workers`` processes (results do not depend on how many).  The
outputs are written to temporary siblings and moved into place.  See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import living  # noqa: E402
import numpy as np  # noqa: E402

#: The learners compared: D-TS as published, and D-TS forgetting old duels (its discount is
#: --discount, default DISCOUNT: a memory of about 1 / (1 - 0.9995) = 2,000 rounds).
LEARNERS = ("dts", "dts_discounted")
DISCOUNT = 0.9995
COLOURS = {"dts": "tab:blue", "dts_discounted": "tab:orange"}
THIN = 50          # cumulative regret is kept every THIN rounds in results.json


def _job(args: tuple) -> dict:
    condition, learner, discount, seed, rounds, probe_every, reps = args
    start = time.perf_counter()
    r = living.run(condition, seed, rounds=rounds, probe_every=probe_every, reps=reps,
                   discount=discount)
    cum = np.cumsum(r.pop("regret"))
    r.pop("first"), r.pop("second")
    r["learner"] = learner
    r["cumulative"] = cum
    r["seconds"] = time.perf_counter() - start
    return r


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _summary(runs: list[dict]) -> dict:
    out: dict = {}
    for r in runs:
        out.setdefault(r["condition"], {}).setdefault(r["learner"], []).append(r)
    table = {}
    for condition, by in out.items():
        table[condition] = {}
        for learner, rs in by.items():
            def stat(key, rs=rs):
                x = np.array([r[key] for r in rs], dtype=float)
                return {"mean": float(x.mean()), "min": float(x.min()), "max": float(x.max())}
            table[condition][learner] = {
                "cumulative_regret": stat("cumulative_regret"),
                "regret_last_1000": stat("regret_last_1000"),
                "queries": stat("queries"),
                "best_changes": stat("best_changes"),
                "last_1000_first_is_best": stat("last_1000_first_is_best"),
                "condorcet_share": stat("condorcet_share"),
                "seeds": [r["seed"] for r in rs]}
    return table


def _label(learner: str, discount: float) -> str:
    return "D-TS" if learner == "dts" else f"D-TS, discount {discount:g}"


def _plot(runs: list[dict], condition: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mine = [r for r in runs if r["condition"] == condition]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [2.2, 1]})
    for learner in LEARNERS:
        rs = [r for r in mine if r["learner"] == learner]
        if not rs:
            continue
        curves = np.array([r["cumulative"] for r in rs])
        x = np.arange(1, curves.shape[1] + 1)
        top.fill_between(x, curves.min(axis=0), curves.max(axis=0), alpha=0.2,
                         color=COLOURS[learner], lw=0)
        for c in curves:
            top.plot(x, c, color=COLOURS[learner], lw=0.6, alpha=0.6)
        top.plot(x, curves.mean(axis=0), color=COLOURS[learner], lw=2,
                 label=f"{_label(learner, rs[0]['discount'])} "
                       f"(mean; band: min-max of {len(rs)} seeds)")
        for r in rs:
            margin = np.asarray(r["best_margin"])
            px = np.arange(len(margin)) * r["probe_every"]
            bottom.step(np.append(px, r["rounds"]), np.append(margin, margin[-1]),
                        where="post", color=COLOURS[learner], lw=0.8, alpha=0.7)
            changed = np.flatnonzero(np.diff(r["best"]) != 0) + 1
            bottom.plot(px[changed], margin[changed], "v", color=COLOURS[learner], ms=5)
    top.set_ylabel("cumulative regret")
    top.set_title(f"{condition}: D-TS against the living population "
                  f"({mine[0]['rounds']:,} rounds, K = {len(mine[0]['items'])})")
    top.legend(loc="upper left", fontsize=8)
    bottom.axhline(0.5, color="grey", lw=0.5)
    bottom.set_ylabel("margin of the best\nmin_x P(b* beats x)")
    bottom.set_xlabel("round  (triangles: the current best item changed)")
    fig.tight_layout()
    _atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--conditions", nargs="+", default=list(living.CONDITIONS),
                        choices=list(living.CONDITIONS))
    parser.add_argument("--learners", nargs="+", default=list(LEARNERS),
                        choices=list(LEARNERS))
    parser.add_argument("--discount", type=float, default=DISCOUNT,
                        help="the discounted learner's discount, in (0, 1)")
    parser.add_argument("--probe-every", type=int, default=500)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE)
    a = parser.parse_args(argv)
    for name in ("rounds", "probe_every", "reps", "workers"):
        if getattr(a, name) < 1:
            parser.error(f"--{name.replace('_', '-')}: expected a whole number >= 1, "
                         f"got {getattr(a, name)}")
    if not 0 < a.discount < 1:
        parser.error(f"--discount: expected a number in (0, 1), got {a.discount}")
    if not a.out.is_dir():
        parser.error(f"--out: expected an existing folder, got {a.out}")
    discounts = {"dts": 1.0, "dts_discounted": a.discount}
    jobs = [(c, learner, discounts[learner], s, a.rounds, a.probe_every, a.reps)
            for c in a.conditions for learner in a.learners for s in a.seeds]
    start = time.perf_counter()
    runs = []
    with ProcessPoolExecutor(max_workers=a.workers) as pool:
        for r in pool.map(_job, jobs):
            runs.append(r)
            print(f"[{len(runs)}/{len(jobs)}] {r['condition']:9s} {r['learner']:15s} "
                  f"seed {r['seed']}: regret {r['cumulative_regret']:7.1f}, "
                  f"queries {r['queries']:5d}, best changed {r['best_changes']}x "
                  f"({r['seconds']:.0f} s)", flush=True)
    wall = time.perf_counter() - start
    results = {
        "question": "How does a dueling-bandit learner (Double Thompson Sampling) cope with "
                    "a population of annotators that is static, learns from feedback, or "
                    "drifts?",
        "design": {
            "population": "experiments/online_learning/population.toml",
            "items": runs[0]["items"], "rounds": a.rounds, "seeds": a.seeds,
            "step_rounds": living.STEP_ROUNDS, "probe_every": a.probe_every,
            "probe_reps": a.reps, "conditions": living.CONDITIONS,
            "learners": {k: {"label": _label(k, discounts[k]), "discount": discounts[k]}
                         for k in a.learners},
            "crowd_favourite": runs[0]["items"][runs[0]["crowd_favourite"]],
            "rubric_favourite": runs[0]["items"][runs[0]["rubric_favourite"]],
            "best_item": "Condorcet winner of the measured P (Copeland winner when none; "
                         "ties by Borda score)",
            "regret": "(Delta(a) + Delta(b)) / 2, Delta(x) = max(0, P[b*, x] - 1/2)"},
        "summary": _summary(runs),
        "runs": [{**{k: v for k, v in r.items() if k not in ("cumulative", "seconds")},
                  "cumulative_every_50": r["cumulative"][THIN - 1::THIN].round(4).tolist(),
                  "best": [int(x) for x in r["best"]],
                  "condorcet": [bool(x) for x in r["condorcet"]]}
                 for r in runs],
    }
    _atomic_write(a.out / "results.json",
                  lambda p: p.write_text(json.dumps(results, indent=1) + "\n"))
    for c in a.conditions:
        _plot(runs, c, a.out / f"regret_{c}.png")
    print(f"{len(runs)} runs in {wall:.0f} s with {a.workers} workers; wrote "
          f"{a.out / 'results.json'} and {len(a.conditions)} plots")
    for c, by in results["summary"].items():
        for learner, m in by.items():
            print(f"  {c:9s} {_label(learner, discounts[learner]):23s} cumulative regret "
                  f"{m['cumulative_regret']['mean']:7.1f} "
                  f"[{m['cumulative_regret']['min']:.1f}, {m['cumulative_regret']['max']:.1f}]"
                  f", last 1,000 rounds {m['regret_last_1000']['mean']:5.1f}, "
                  f"queries {m['queries']['mean']:6.0f}")
    return 0


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
