"""`cogsim report`: the fidelity of a synthetic judgments table against human judgments,
written as fidelity.json (every measure under plain keys) and report.md (side by side)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from cogsim import __version__, fidelity
from cogsim.datasets.errors import DataError
from cogsim.outputs import json_ready, output_folder

__all__ = ["load_synthetic", "write_fidelity_report"]

SYNTHETIC_COLUMNS = ("item_a", "item_b", "chosen")


def load_synthetic(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A judgments table written by ``cogsim generate`` (Parquet or CSV), checked."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; expected a judgments table "
                        f"(e.g. cogsim-out/judgments.parquet)")
    try:
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a judgments table") from None
    except (ValueError, OSError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: cannot be read as Parquet or CSV ({e})") from None
    for col in SYNTHETIC_COLUMNS:
        if col not in table.columns:
            raise DataError(f"{path}: no {col!r} column; expected a judgments table with "
                            f"{', '.join(SYNTHETIC_COLUMNS)} (cogsim generate writes one)")
    if len(table) == 0:
        raise DataError(f"{path}: no judgments; expected at least one row")
    return table


def write_fidelity_report(synthetic: pd.DataFrame, human: pd.DataFrame, out_dir, *,
                          items: pd.DataFrame | None = None,
                          names: tuple[str, str] = ("synthetic", "human"),
                          overwrite: bool = False) -> dict:
    """Compute `cogsim.fidelity.fidelity_report` and write it into ``out_dir`` through
    `cogsim.outputs.output_folder` (refused if non-empty unless ``overwrite``)."""
    if "pair_id" in synthetic.columns and "pair_id" in human.columns:
        # ids read from a CSV are text, from Parquet often integers: compare them as text
        synthetic = synthetic.assign(pair_id=synthetic["pair_id"].astype(str))
        human = human.assign(pair_id=human["pair_id"].astype(str))
    measures = fidelity.fidelity_report(synthetic, human, items)
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        record = {"synthetic": names[0], "human": names[1], "cogsim_version": __version__,
                  **measures}
        (tmp / "fidelity.json").write_text(json.dumps(json_ready(record), indent=2) + "\n")
        (tmp / "report.md").write_text(_markdown(measures, names))
    return measures


def _markdown(m: dict, names: tuple[str, str]) -> str:
    def fmt(v):
        return "n/a" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = [f"# Fidelity of {names[0]} against {names[1]}", "", f"cogsim {__version__}", "",
             "| measure | synthetic | human |", "|---|---|---|"]
    versus = ("msd", "log_loss", "accuracy", "agreement_with_human", "bias", "bt_kendall_tau",
              "rt_ks")
    own = [k for k in m if not k.startswith("human_") and k not in versus]
    for k in own:
        lines.append(f"| {k} | {fmt(m[k])} | {fmt(m.get(f'human_{k}'))} |")
    lines += ["", "| synthetic vs human | value |", "|---|---|"]
    for k in versus:
        if k in m:
            lines.append(f"| {k} | {fmt(m[k])} |")
    return "\n".join(lines) + "\n"
