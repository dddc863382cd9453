"""The human-readable side of a calibration: report.md and its PNG figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from cogsim import __version__  # noqa: E402

__all__ = ["write_figures", "write_report"]


def write_figures(result, folder: Path) -> list[str]:
    """Predicted against observed rates (rate data) or block-wise choice rates of model and
    people (trial data), and the learning curve; returns the file names written."""
    names = []
    if result.data.kind == "rates":
        test = result.data.subset(result.test)
        predicted, observed = test.predict(result.model), test.rates
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.scatter(observed.ravel(), predicted.ravel(), s=3, alpha=0.3, lw=0)
        ax.plot([0, 1], [0, 1], color="k", lw=0.8)
        ax.set(xlabel="observed P(B)", ylabel="predicted P(B)", xlim=(0, 1), ylim=(0, 1),
               title=f"{result.model_name}, held-out {test.unit_name} "
                     f"(MSE {result.fidelity['test_mse']:.4f})")
        names.append(_save(fig, folder / "predicted_vs_observed.png"))
    else:
        f = result.fidelity
        people, model = f["test_block_rates_people"], f["test_block_rates_model"]
        blocks = np.arange(1, len(people) + 1)
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(blocks, people, "o-", color="k", label="people (held out)")
        ax.plot(blocks, model, "s--", label=result.model_name)
        if result.baseline:
            ax.plot(blocks, result.baseline["test_block_rates_model"], "^:",
                    label=result.baseline["model"])
        ax.set(xlabel="block", ylabel="P(risky choice)", ylim=(0, 1), xticks=blocks)
        ax.legend()
        names.append(_save(fig, folder / "block_rates.png"))
    if result.curve:
        n = [c["n"] for c in result.curve]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(n, [c["test_loss"] for c in result.curve], "o-", label="held-out")
        ax.plot(n, [np.mean(c["train_losses"]) for c in result.curve], "s--", label="training")
        ax.set(xscale="log", xlabel=f"{result.data.unit_name} used to calibrate",
               ylabel=_loss_name(result), title="learning curve")
        ax.set_xticks(n, [str(v) for v in n])
        ax.legend()
        names.append(_save(fig, folder / "learning_curve.png"))
    return names


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path.name


def _loss_name(result) -> str:
    return "MSE of choice rates" if result.data.kind == "rates" else "NLL per choice"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def write_report(result, path: Path, figures: list[str]) -> None:
    """A Markdown report: data, parameters with intervals, fidelity, baseline, CV, curve."""
    d, f = result.data, result.fidelity
    lines = [f"# Calibration of `{result.model_name}` on {d.name}", "",
             f"cogsim {__version__}; seed {result.seed}; data SHA-256 `{d.hash()[:16]}…`; "
             f"{len(result.train)} {d.unit_name} to calibrate, {len(result.test)} held out; "
             f"fit in {result.fit_seconds:.1f} s ({result.n_evaluations} evaluations).", "",
             "## Parameters", "",
             "| parameter | value | 95% interval |", "|---|---|---|"]
    intervals = result.intervals.get("intervals", {})
    for name, value in result.params.items():
        iv = intervals.get(name)
        lines.append(f"| {name} | {value:.4g} | "
                     f"{f'[{iv[0]:.4g}, {iv[1]:.4g}]' if iv else 'not computed'} |")
    if result.intervals:
        lines += ["", f"Intervals: percentiles of {result.intervals['n_boot']} bootstrap "
                      f"refits over resampled {d.unit_name}."]
    lines += ["", "## Fidelity", "", f"| measure | {result.model_name} | "
              f"{result.baseline['model'] + ' (baseline)' if result.baseline else ''} |",
              "|---|---|---|"]
    base = result.baseline or {}
    for key, value in f.items():
        if key.startswith(("train_", "test_")) and not isinstance(value, list):
            lines.append(f"| {key} | {_fmt(value)} | {_fmt(base[key]) if key in base else ''} |")
    if d.kind == "trials":
        lines += ["", "Block-wise P(risky choice), held-out people: "
                      f"people {_fmt(f['test_block_rates_people'])}, "
                      f"{result.model_name} {_fmt(f['test_block_rates_model'])}"
                  + (f", {base['model']} {_fmt(base['test_block_rates_model'])}" if base else "")
                  + "."]
    if base:
        lines += ["", f"Baseline `{base['model']}` fitted on the same {d.unit_name} with the "
                      f"same search ({f.get('search', 'de')}): "
                      + ", ".join(f"{k} {v:.4g}" for k, v in base["params"].items()) + "."]
        lines += _margins(result.model_name, f, base)
    lines += _scale(d, f)
    cv = result.cross_validation
    if cv:
        lines += ["", "## Cross-validation", "",
                  f"{cv['folds']}-fold on the training {d.unit_name}: mean held-out "
                  f"{_loss_name(result)} {cv['mean_loss']:.4g} "
                  f"(folds {_fmt(cv['fold_losses'])})."]
    if result.curve:
        lines += ["", "## Learning curve", "",
                  f"| {d.unit_name} used | held-out {_loss_name(result)} | training |",
                  "|---|---|---|"]
        lines += [f"| {c['n']} | {c['test_loss']:.4g} | {np.mean(c['train_losses']):.4g} |"
                  for c in result.curve]
    if figures:
        lines += ["", "## Figures", ""] + [f"![{name}]({name})" for name in figures]
    path.write_text("\n".join(lines) + "\n")


def _margins(name: str, f: dict, base: dict) -> list[str]:
    """The held-out margin over the baseline (positive: the model is better)."""
    for key, better in (("test_mse", -1), ("test_loglik_per_choice", 1)):
        if key in f and key in base:
            margin = better * (f[key] - base[key])
            return ["", f"Margin over the baseline on the held-out {key[5:]}: {margin:+.4g} "
                        f"({'in favour of' if margin > 0 else 'against'} {name})."]
    return []


def _scale(d, f: dict) -> list[str]:
    """What a held-out MSE means: the noise floor, the constant, the explained share, the
    distinct problems, and (choices13k) that the fixed final test set was not used."""
    if d.kind != "rates":
        return []
    out = ["", f"Held out: {f.get('test_n_problems')} distinct problems in "
               f"{f.get('test_n_rows')} rows; a constant (their mean) scores "
               f"{f.get('test_constant_mse', float('nan')):.4g}"]
    if "test_noise_floor" in f:
        out[-1] += (f", the noise floor (sampling variance of the observed rates) is "
                    f"{f['test_noise_floor']:.4g}; share of the explainable variance explained "
                    f"1 - (MSE - floor)/(constant - floor) = {f['test_explained']:.3f}.")
    else:
        out[-1] += f"; R^2 against it {f['test_explained']:.3f} (noise floor unknown)."
    if d.name == "choices13k":
        out += ["", "choices13k's fixed final test set (2,000 problems, "
                    "`calibration/choices13k/final_test_set.json`) is not part of these data: "
                    "neither fitted nor scored here."]
    return out
