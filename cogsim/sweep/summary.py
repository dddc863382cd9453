"""The summary of a sweep: one row per run, and plots of each measure against each varied
parameter with the spread over seeds.

For a measure y and a varied parameter x, runs are grouped by x and by the values of the
other varied parameters; within a group the seeds give n values y_1..y_n, drawn as points,
and the line joins the group means ybar = (1/n) sum_i y_i, with a band ybar +- s where
s = sqrt(sum_i (y_i - ybar)^2 / (n - 1)) is the seeds' standard deviation (no band for n = 1).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.outputs import TEMP_PREFIX
from cogsim.sweep.spec import Sweep

__all__ = ["draw_plots", "summary_table"]

#: Lines drawn per plot at most: beyond that the other parameters are pooled.
MAX_LINES = 8


def _cell(value):
    """A parameter value as a summary cell: scalars as they are, tables as JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def _column(values: list) -> pd.Series:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int} and None not in values:
        return pd.Series(values, dtype="int64")
    if kinds <= {int, float, bool} and not (bool in kinds and len(kinds) > 1):
        if kinds == {bool}:
            return pd.Series(values, dtype="boolean")
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    return pd.Series([None if v is None else str(v) for v in values], dtype="object")


def summary_table(sweep: Sweep, records: list[dict | None]) -> pd.DataFrame:
    """One row per planned run (plan order): ``run_id``, ``seed``, the varied parameters,
    ``status`` ("ok", "error", or "missing" for a run without a record), ``error``, the
    measures (the spec's, or every measure any run gave, in order of first appearance)."""
    measures = list(sweep.measures or [])
    if sweep.measures is None:
        for r in records:
            for k in (r or {}).get("measures", {}):
                if k not in measures:
                    measures.append(k)
    columns: dict[str, list] = {"run_id": [], "seed": []}
    columns.update({p: [] for p in sweep.varied})
    columns.update(status=[], error=[])
    columns.update({m: [] for m in measures if m not in columns})
    for plan, r in zip(sweep.runs, records):
        columns["run_id"].append(plan.run_id)
        columns["seed"].append(plan.seed)
        for p in sweep.varied:
            columns[p].append(_cell(plan.parameters.get(p)))
        columns["status"].append(r.get("status", "missing") if r else "missing")
        columns["error"].append(r.get("error") if r else "no record (the run did not finish)")
        got = (r or {}).get("measures") or {}
        for m in measures:
            if m in columns and m not in ("run_id", "seed", "status", "error"):
                columns[m].append(got.get(m))
    return pd.DataFrame({k: _column(v) if k not in ("status", "error") else
                         pd.Series(v, dtype="object") for k, v in columns.items()})


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "x"


def _plot_one(table: pd.DataFrame, x: str, y: str, others: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    data = table[table["status"] == "ok"][[x, y, *others]].copy()
    data[y] = pd.to_numeric(data[y], errors="coerce")
    data = data.dropna(subset=[y])
    numeric = pd.api.types.is_numeric_dtype(data[x]) and not pd.api.types.is_bool_dtype(data[x])
    levels = sorted(data[x].unique(), key=lambda v: (str(type(v)), v))
    position = (lambda v: v) if numeric else (lambda v: levels.index(v))
    keys = [c for c in others if data[c].nunique() > 1]
    groups = data.groupby(keys, sort=True, dropna=False) if keys else [((), data)]
    if keys and data.groupby(keys).ngroups > MAX_LINES:
        keys, groups = [], [((), data)]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{k}={v}" for k, v in zip(keys, key)) or None
        stats = part.groupby(x, sort=True)[y].agg(["mean", "std", "count"])
        xs = np.array([position(v) for v in stats.index], dtype=float)
        line, = ax.plot(xs, stats["mean"], marker="o", label=label)
        sd = stats["std"].fillna(0.0).to_numpy()
        ax.fill_between(xs, stats["mean"] - sd, stats["mean"] + sd, alpha=0.18,
                        color=line.get_color(), linewidth=0)
        ax.scatter([position(v) for v in part[x]], part[y], s=9, alpha=0.45,
                   color=line.get_color())
    if not numeric:
        ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    n_seeds = table["seed"].nunique()
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{y} vs {x}\nline: mean over {n_seeds} seed(s); band: +-1 SD; dots: runs",
                 fontsize=9)
    if keys:
        ax.legend(fontsize=7, title=None)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", suffix=".png",
                               dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)


def draw_plots(sweep: Sweep, table: pd.DataFrame, folder: Path) -> list[Path]:
    """PNG plots of the measures against the varied parameters (see the module docstring);
    returns the files written.  Measures that are not numbers, or have no value in any
    successful run, are not drawn."""
    ok = table[table["status"] == "ok"]
    fixed = {"run_id", "seed", "status", "error", *sweep.varied}
    measures = [c for c in table.columns if c not in fixed
                and not ok[c].map(lambda v: isinstance(v, str)).any()
                and pd.to_numeric(ok[c], errors="coerce").notna().any()]
    pairs = sweep.plots if sweep.plots is not None else [
        (x, y) for y in measures for x in sweep.varied]
    pairs = [(x, y) for x, y in pairs if y in measures and x in table.columns]
    if not pairs:
        return []
    folder.mkdir(exist_ok=True)
    written = []
    for x, y in pairs:
        path = folder / f"{_safe(y)}-vs-{_safe(x)}.png"
        _plot_one(table, x, y, [o for o in sweep.varied if o != x], path)
        written.append(path)
    return written
