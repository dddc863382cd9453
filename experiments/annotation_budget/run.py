"""Experiment 1, annotation budget: regenerate everything with one command.

    python experiments/annotation_budget/run.py [--workers N] [--scheduler ADDRESS]

1. Writes ``items.csv`` (30 items, 4 attributes drawn from seed 0; identical every time).
2. Runs the sweep ``sweep.toml`` with ``cogsim sweep`` into ``out/`` (resumes if interrupted):
   3 populations x annotators per pair 1..9 x 8 seeds = 216 runs of 150 pairs.
3. Analyses ``out/summary.parquet``: mean and SD over seeds of Kendall tau per population
   and annotators per pair; the judgments needed to reach a mean tau of 0.6, 0.7, 0.8;
   writes ``budget.png`` and ``results.md`` (the README quotes them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TARGETS = (0.6, 0.7, 0.8)
K = "assignment.annotators_per_pair"
TAU = "kendall_tau_vs_true_values"


def write_items() -> None:
    rng = np.random.default_rng(0)
    n = 30
    items = pd.DataFrame({"item_id": [f"item{i:02d}" for i in range(n)],
                          "quality": rng.normal(size=n).round(4),
                          "accuracy": rng.normal(size=n).round(4),
                          "length": rng.lognormal(5.0, 0.5, size=n).round(0),
                          "tone": rng.normal(size=n).round(4)})
    items.to_csv(HERE / "items.csv", index=False)


def run_sweep(extra: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "cogsim", "sweep", str(HERE / "sweep.toml"),
                        "--out", str(HERE / "out"), *extra])
    if r.returncode not in (0, 1):
        sys.exit(r.returncode)


def budget_needed(stats: pd.DataFrame, target: float) -> str:
    """Judgments (and annotators per pair) of the first k whose mean tau reaches target."""
    reached = stats[stats["mean"] >= target]
    if reached.empty:
        return "not reached"
    row = reached.iloc[0]
    return f"{int(row['judgments'])} (k = {int(row.name)})"


def analyse() -> str:
    table = pd.read_parquet(HERE / "out" / "summary.parquet")
    table = table[table["status"] == "ok"]
    lines = ["# Annotation budget: results", "",
             f"{len(table)} successful runs; 150 pairs of 30 items per run; 8 seeds.", "",
             "Mean (SD over seeds) Kendall tau of the Bradley-Terry ranking vs the "
             "population's true ranking:", ""]
    variants = ["clean", "fatigued", "position_biased"]
    ks = sorted(table[K].unique())
    lines.append("| k (judgments) | " + " | ".join(variants) + " |")
    lines.append("|---|" + "---|" * len(variants))
    stats = {}
    for v in variants:
        part = table[table["variant"] == v]
        s = part.groupby(K).agg(mean=(TAU, "mean"), sd=(TAU, "std"),
                                judgments=("n_judgments", "mean"),
                                lapse=("lapse_rate", "mean"),
                                first=("position_bias_rate", "mean"))
        stats[v] = s
    for k in ks:
        cells = [f"{stats[v].loc[k, 'mean']:.3f} ({stats[v].loc[k, 'sd']:.3f})"
                 for v in variants]
        lines.append(f"| {k} ({int(stats['clean'].loc[k, 'judgments'])}) | "
                     + " | ".join(cells) + " |")
    lines += ["", "Judgments needed for a mean tau of at least:", "",
              "| population | " + " | ".join(f"tau {t}" for t in TARGETS) + " |",
              "|---|" + "---|" * len(TARGETS)]
    for v in variants:
        lines.append(f"| {v} | " + " | ".join(budget_needed(stats[v], t) for t in TARGETS)
                     + " |")
    lines += ["", "Lapse rate and P(prefer first shown), mean over runs, at k = 1 and k = 9:",
              ""]
    for v in variants:
        s = stats[v]
        lines.append(f"- {v}: lapses {s.loc[ks[0], 'lapse']:.3f} -> {s.loc[ks[-1], 'lapse']:.3f}; "
                     f"P(first) {s.loc[ks[0], 'first']:.3f} -> {s.loc[ks[-1], 'first']:.3f}")
    draw(stats, variants)
    text = "\n".join(lines) + "\n"
    (HERE / "results.md").write_text(text)
    return text


def draw(stats: dict, variants: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for v in variants:
        s = stats[v]
        line, = ax.plot(s["judgments"], s["mean"], marker="o", label=v)
        ax.fill_between(s["judgments"], s["mean"] - s["sd"], s["mean"] + s["sd"],
                        color=line.get_color(), alpha=0.18, linewidth=0)
    for t in TARGETS:
        ax.axhline(t, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("judgments (150 pairs x annotators per pair 1..9)")
    ax.set_ylabel("Kendall tau vs true ranking")
    ax.set_title("Annotation budget: mean over 8 seeds, band +-1 SD", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(HERE / "budget.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int)
    parser.add_argument("--scheduler")
    parser.add_argument("--analyse-only", action="store_true",
                        help="Skip the sweep; analyse out/summary.parquet.")
    args = parser.parse_args()
    write_items()
    if not args.analyse_only:
        extra = (["--workers", str(args.workers)] if args.workers else []) + (
            ["--scheduler", args.scheduler] if args.scheduler else [])
        run_sweep(extra)
    print(analyse())


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
