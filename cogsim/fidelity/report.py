"""The fidelity report: every measure the columns allow, synthetic beside human, as a dict
(:func:`fidelity_report`), as a table against published reference figures
(:func:`compare_to_reference`), and as the files of ``cogsim report``: ``fidelity.json``
(every measure under plain keys) and ``report.md`` (side by side)
(:func:`write_fidelity_report`, reading the synthetic table with :func:`load_synthetic`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from cogsim import __version__
from cogsim.datasets.errors import DataError
from cogsim.fidelity.agreement import (
    agreement_with_reference,
    alpaca_eval_bias,
    alpaca_eval_variance,
    fleiss_kappa,
    heldout_agreement,
    pairwise_agreement,
)
from cogsim.fidelity.biases import prefer_first, prefer_lists, prefer_longer
from cogsim.fidelity.canonical import (
    InsufficientDataError,
    _canonical,
    _check_frame,
    _key_columns,
    _normalise,
    _pair_counts,
)
from cogsim.fidelity.ranking import bradley_terry, kendall_tau, transitivity_violations
from cogsim.fidelity.rates import _as_rates, accuracy, choice_rates, log_loss, msd
from cogsim.fidelity.response_times import (
    DEFAULT_RT_QUANTILES,
    ks_distance,
    rt_quantiles,
)
from cogsim.outputs import json_ready, output_folder

__all__ = ["SYNTHETIC_COLUMNS", "compare_to_reference", "fidelity_report", "load_synthetic",
           "write_fidelity_report"]

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
    """Compute :func:`fidelity_report` and write it into ``out_dir`` through
    `cogsim.outputs.output_folder` (refused if non-empty unless ``overwrite``)."""
    if "pair_id" in synthetic.columns and "pair_id" in human.columns:
        # ids read from a CSV are text, from Parquet often integers: compare them as text
        synthetic = synthetic.assign(pair_id=synthetic["pair_id"].astype(str))
        human = human.assign(pair_id=human["pair_id"].astype(str))
    measures = fidelity_report(synthetic, human, items)
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


def compare_to_reference(measures: Mapping[str, float],
                         reference: Mapping[str, float]) -> pd.DataFrame:
    """Side-by-side table of measures against reference figures.

    One row per reference key (counts such as ``n_judgments`` excluded) with columns
    ``synthetic`` (NaN where ``measures`` lacks it or holds None), ``reference`` and
    ``difference = synthetic - reference``.  ``measures`` is typically
    :func:`fidelity_report` output, ``reference``
    :func:`cogsim.datasets.leaderboards.alpaca_eval_human_reference`.
    """
    rows = {}
    for name, ref in reference.items():
        if name.startswith("n_"):
            continue
        val = measures.get(name)
        val = float("nan") if val is None else float(val)
        ref = float("nan") if ref is None else float(ref)
        rows[name] = {"synthetic": val, "reference": ref, "difference": val - ref}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["synthetic", "reference", "difference"])
    out.index.name = "measure"
    return out


def _json_float(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _single_table_measures(df: pd.DataFrame, items, key, length_col, list_col,
                           rt_q) -> dict:
    out: dict = {}

    def put(name, fn, *args, **kwargs):
        try:
            out[name] = _json_float(fn(*args, **kwargs))
        except InsufficientDataError:
            pass

    cols = set(df.columns)
    out["n_judgments"] = float(len(df))
    if {"item_a", "item_b", "chosen"} <= cols:
        canon_key = key if (key is None or set(_key_columns(key)) <= cols) else None
        counts = _pair_counts(*_canonical(df, "judgments", canon_key))
        out["n_pairs"] = float(len(counts))
        if "annotator_id" in cols:
            out["n_annotators"] = float(df["annotator_id"].nunique())
        put("heldout_agreement", heldout_agreement, df, canon_key)
        put("variance", alpaca_eval_variance, df, canon_key)
        put("pairwise_agreement", pairwise_agreement, df, canon_key)
        put("fleiss_kappa", fleiss_kappa, df, canon_key)
        if "annotator_id" in cols:
            put("variance_within_annotator", alpaca_eval_variance, df, canon_key,
                by="annotator_id")
        if "first" in cols:
            put("prefer_first", prefer_first, df)   # rows with unknown order left out
        if items is not None and length_col in items.columns:
            put("prefer_longer", prefer_longer, df, items, length_col=length_col, key=canon_key)
        if items is not None and list_col in items.columns:
            put("prefer_lists", prefer_lists, df, items, list_col=list_col, key=canon_key)
        put("transitivity_violations", transitivity_violations, df)
    if "rt" in cols and df["rt"].notna().any():
        qs = rt_quantiles(df, by=None, q=rt_q)
        for qv in rt_q:
            out[f"rt_q{round(100 * qv):02d}"] = _json_float(qs.iloc[0][float(qv)])
    return out


def fidelity_report(synthetic: pd.DataFrame, human=None, items: pd.DataFrame | None = None,
                    *, key="pair_id", rate_col: str = "b_rate", length_col: str = "length",
                    list_col: str = "is_list",
                    rt_q: Sequence[float] = DEFAULT_RT_QUANTILES) -> dict:
    """Every measure that the available columns allow, as a flat JSON-ready dict.

    Parameters
    ----------
    synthetic : DataFrame
        Judgments table (needs at least ``item_a``, ``item_b``, ``chosen``).
    human : DataFrame or Series, optional
        Human judgments in the same layout (a ``chosen`` column) or in the generic schema
        of ``cogsim.datasets`` (``option_a``, ``option_b``, ``choice``), or aggregate rates
        of choosing B per problem: a Series indexed by problem id or a DataFrame with the
        ``key`` and ``rate_col`` columns.
    items : DataFrame, optional
        ``item_id`` plus ``length_col`` (numeric) and/or ``list_col`` (boolean).
    key : str, list of str or None
        Problem/pair id (see the module docstring).  If a table lacks the key column, the
        within-table measures fall back to the unordered item pair.

    Returns
    -------
    dict of str -> float (or None where a measure is defined but undefined for this data,
    e.g. a kappa with no variation).  Measures the data cannot support are left out.

    Keys for the synthetic table: ``n_judgments``, ``n_pairs``, ``n_annotators``,
    ``heldout_agreement``, ``variance``, ``pairwise_agreement``, ``fleiss_kappa``,
    ``variance_within_annotator``, ``prefer_first``, ``prefer_longer``, ``prefer_lists``,
    ``transitivity_violations``, ``rt_q10`` ... ``rt_q90``.  The same measures of human
    judgments carry a ``human_`` prefix.  Synthetic vs human: ``msd``, ``log_loss``,
    ``accuracy`` (synthetic rates of B per problem, using ``p_a`` where present -- see
    :func:`choice_rates` -- against the human rates of choosing the same item; option B is
    the ``item_b`` of the problem's first synthetic row), and, for human judgments,
    ``agreement_with_human``, ``bias``, ``bt_kendall_tau`` (Kendall tau between the
    Bradley-Terry scores of the items in both tables) and ``rt_ks`` (KS distance of RTs).
    """
    synthetic = _normalise(synthetic, "synthetic")
    _check_frame(synthetic, ["item_a", "item_b", "chosen"], "synthetic")
    if isinstance(human, pd.DataFrame):
        human = _normalise(human, "human")
    report = _single_table_measures(synthetic, items, key, length_col, list_col, rt_q)
    if human is None:
        return report

    # human aggregate rates, or human judgments
    if isinstance(human, pd.Series) or (isinstance(human, pd.DataFrame)
                                        and "chosen" not in human.columns):
        if isinstance(human, pd.DataFrame) and rate_col not in human.columns:
            raise ValueError(f"human has neither a 'chosen' column (judgments) nor a "
                             f"{rate_col!r} column (aggregate rates of choosing B)")
        observed = _as_rates(human, "human", key, rate_col)
        human_judgments = None
    else:
        if not isinstance(human, pd.DataFrame):
            raise TypeError(f"human must be a DataFrame or Series, got {type(human).__name__}")
        human_judgments = human
        observed = None
        h = _single_table_measures(human, items, key, length_col, list_col, rt_q)
        report.update({f"human_{k}": v for k, v in h.items()})

    kcols = _key_columns(key)
    if kcols and set(kcols) <= set(synthetic.columns):
        use_p = "p_a" in synthetic.columns
        # option B of a problem = item_b of its first synthetic row (robust to rows that
        # list the pair in the other order)
        first_b = synthetic.groupby(kcols[0] if len(kcols) == 1 else kcols,
                                    sort=True)["item_b"].first()
        if len(kcols) > 1:
            first_b.index = pd.Index(list(first_b.index))
        rates = choice_rates(synthetic, key, use_probabilities=use_p, option_b=first_b)
        predicted = rates["rate"]
        if human_judgments is not None and set(kcols) <= set(human_judgments.columns):
            try:   # rate of choosing the synthetic table's option B, whatever the human order
                observed = choice_rates(human_judgments, key, option_b=rates["item_b"])["rate"]
            except InsufficientDataError:
                observed = None
        if observed is not None and len(predicted.index.intersection(observed.index)):
            report["msd"] = _json_float(msd(predicted, observed))
            report["log_loss"] = _json_float(log_loss(predicted, observed))
            report["accuracy"] = _json_float(accuracy(predicted, observed))

    if human_judgments is not None:
        pair_key = key if kcols and set(kcols) <= set(synthetic.columns) \
            and set(kcols) <= set(human_judgments.columns) else None
        for name, fn in (("agreement_with_human", agreement_with_reference),
                         ("bias", alpaca_eval_bias)):
            try:
                report[name] = _json_float(fn(synthetic, human_judgments, pair_key))
            except InsufficientDataError:
                pass
        try:
            s_bt, h_bt = bradley_terry(synthetic), bradley_terry(human_judgments)
            report["bt_kendall_tau"] = _json_float(kendall_tau(s_bt, h_bt))
        except InsufficientDataError:
            pass
        if ("rt" in synthetic.columns and "rt" in human_judgments.columns
                and synthetic["rt"].notna().any() and human_judgments["rt"].notna().any()):
            report["rt_ks"] = _json_float(ks_distance(synthetic["rt"], human_judgments["rt"]))
    return report
