"""Experiment 2, whose values?  Regenerate everything with one command.

    python experiments/whose_values/run.py [--workers N] [--scheduler ADDRESS]

1. Runs the sweep ``sweep.toml`` with ``cogsim sweep`` into ``out/`` (resumes if
   interrupted): minority share {5, 10, 20, 30, 40, 50}% x value divergence {0, 45, 90,
   135, 180} degrees x 4 seeds = 120 runs of ``analysis.py:run``.
2. Analyses ``out/summary.parquet``: mean over seeds of each reward model's accuracy
   against each group; writes ``whose_values.png`` and ``results.md`` (the README quotes
   them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SHARE, DIV = "options.minority_share", "options.divergence_deg"


def run_sweep(extra: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "cogsim", "sweep", str(HERE / "sweep.toml"),
                        "--out", str(HERE / "out"), *extra])
    if r.returncode not in (0, 1):
        sys.exit(r.returncode)


def pivot(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    return table.pivot_table(index=DIV, columns=SHARE, values=measure, aggfunc="mean")


def markdown(frame: pd.DataFrame, title: str) -> list[str]:
    shares = [f"{c:.0%}" for c in frame.columns]
    lines = [f"{title}", "", "| divergence \\ minority share | " + " | ".join(shares) + " |",
             "|---|" + "---|" * len(shares)]
    for d, row in frame.iterrows():
        lines.append(f"| {d:g} deg | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    return lines + [""]


def analyse() -> str:
    table = pd.read_parquet(HERE / "out" / "summary.parquet")
    failed = int((table["status"] != "ok").sum())
    table = table[table["status"] == "ok"]
    lines = ["# Whose values?  Results", "",
             f"{len(table)} successful runs ({failed} failed); 100 IBL annotators, 1,500 "
             "random pairs of 60 items, one judgment each; 4 seeds per cell; accuracy over "
             "all 1,770 item pairs against each group's own preferences.", ""]
    lines += markdown(pivot(table, "pooled_acc_minority"),
                      "Pooled reward model, accuracy for the **minority**:")
    lines += markdown(pivot(table, "own_acc_minority"),
                      "Minority's own reward model (its judgments only), accuracy for the "
                      "minority:")
    lines += markdown(pivot(table, "pooled_acc_majority"),
                      "Pooled reward model, accuracy for the **majority**:")
    lines += markdown(pivot(table, "groups_agree"),
                      "Share of item pairs on which the two groups' preferences agree:")
    draw(table)
    text = "\n".join(lines)
    (HERE / "results.md").write_text(text)
    return text


def draw(table: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=110, sharey=True)
    for ax, who in zip(axes, ("minority", "majority")):
        for d, part in table.groupby(DIV):
            s = part.groupby(SHARE)[f"pooled_acc_{who}"].agg(["mean", "std"])
            line, = ax.plot(s.index * 100, s["mean"], marker="o", label=f"{d:g} deg")
            ax.fill_between(s.index * 100, s["mean"] - s["std"], s["mean"] + s["std"],
                            color=line.get_color(), alpha=0.15, linewidth=0)
        own = table.groupby(SHARE)[f"own_acc_{who}"].mean()
        ax.plot(own.index * 100, own, color="black", ls="--", label=f"{who}'s own model")
        ax.set_xlabel("minority share of annotators (%)")
        ax.set_title(f"pooled reward model: accuracy for the {who}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy vs the group's own preferences")
    axes[1].legend(fontsize=7, title="value divergence", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "whose_values.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int)
    parser.add_argument("--scheduler")
    parser.add_argument("--analyse-only", action="store_true",
                        help="Skip the sweep; analyse out/summary.parquet.")
    args = parser.parse_args()
    if not args.analyse_only:
        extra = (["--workers", str(args.workers)] if args.workers else []) + (
            ["--scheduler", args.scheduler] if args.scheduler else [])
        run_sweep(extra)
    print(analyse())


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
