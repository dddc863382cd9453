"""The human-readable side of a text calibration: report.md and the learning-curve figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cogsim import __version__  # noqa: E402

__all__ = ["write_curve", "write_report"]


def write_curve(result, path: Path) -> str:
    """Held-out accuracy against training pairs, model and logistic baseline (mean and sd
    over the draws); returns the file name."""
    n = np.array([p["n_train"] for p in result.curve])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for key, label, style in (("test_accuracy", result.model_name, "o-"),
                              ("test_baseline_accuracy", "logistic baseline", "s--")):
        mean = np.array([p[key] for p in result.curve])
        sd = np.array([p[f"{key}_sd"] for p in result.curve])
        ax.errorbar(n, mean, yerr=sd, fmt=style, capsize=3, label=label)
    ax.axhline(0.5, color="k", lw=0.6)
    ax.set(xscale="log", xlabel="training pairs", ylabel="held-out accuracy",
           title=f"{result.data.name}: learning curve ({result.curve[0]['draws']} draws)")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def write_report(result, path: Path, figures: list[str]) -> None:
    """report.md: data, split, held-out measures beside the baseline, biases beside the
    humans', cross-validation, learning curve, the largest weights."""
    f = result.fidelity
    lines = [f"# Text calibration: {result.model_name} on {result.data.name}", "",
             f"cogsim {__version__}, seed {result.seed}.  {result.data.n_units} pairs "
             f"({result.data.n_judgments} judgments); fitted on {f['n_train']} random pairs, "
             f"held out {f['n_test']}.  Ridge strength {f['ridge']:g} and lapse rate "
             f"{f['lapse']:g} chosen by inner cross-validation.", "",
             "| held out | model | logistic baseline |", "|---|---|---|",
             f"| accuracy | {_fmt(f['test_accuracy'])} | {_fmt(f['baseline_test_accuracy'])} |",
             f"| log-loss | {_fmt(f['test_log_loss'])} | {_fmt(f['baseline_test_log_loss'])} |"]
    if "cv_accuracy" in f:
        lines += [f"| {f['cv_folds']}-fold CV accuracy (all pairs) | {_fmt(f['cv_accuracy'])} "
                  f"| {_fmt(f['baseline_cv_accuracy'])} |",
                  f"| {f['cv_folds']}-fold CV log-loss | {_fmt(f['cv_log_loss'])} | "
                  f"{_fmt(f['baseline_cv_log_loss'])} |"]
    lines += ["", "| bias (held out) | humans | model |", "|---|---|---|"]
    for name in ("prefer_longer", "prefer_lists", "prefer_first"):
        lines.append(f"| P({name.replace('_', ' ')}) | {_fmt(f[f'test_human_{name}'])} | "
                     f"{_fmt(f[f'test_model_{name}'])} |")
    if result.curve:
        lines += ["", "## Learning curve", "",
                  "| training pairs | accuracy (sd) | baseline accuracy (sd) | log-loss | "
                  "baseline log-loss |", "|---|---|---|---|---|"]
        for p in result.curve:
            lines.append(f"| {p['n_train']} | {p['test_accuracy']:.3f} "
                         f"({p['test_accuracy_sd']:.3f}) | {p['test_baseline_accuracy']:.3f} "
                         f"({p['test_baseline_accuracy_sd']:.3f}) | {p['test_log_loss']:.3f} | "
                         f"{p['test_baseline_log_loss']:.3f} |")
        lines += [f"![learning curve]({name})" for name in figures]
    weights = sorted(zip(result.scaling.features, result.model.w), key=lambda t: -abs(t[1]))
    lines += ["", "## Largest value weights (per standard unit of the calibration's scaling)",
              "", "| feature | weight |", "|---|---|"]
    lines += [f"| {name} | {w:+.3f} |" for name, w in weights[:10]]
    path.write_text("\n".join(lines) + "\n")
