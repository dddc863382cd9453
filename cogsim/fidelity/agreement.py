"""Agreement between judgments of the same pair: inter-annotator agreement (leave-one-out,
pairwise, Fleiss' and Cohen's kappa), agreement with a human reference, and bias and variance
as AlpacaEval defines them.

References
----------
- Dubois, Y., et al. (2023). AlpacaFarm: A simulation framework for methods that learn
  from human feedback. NeurIPS 2023. arXiv:2305.14387.
- Li, X., et al. (2023). AlpacaEval: An automatic evaluator of instruction-following
  models. github.com/tatsu-lab/alpaca_eval -- ``alpaca_eval/analyze.py`` (package 0.6.6):
  ``Analyzer.agreement_of_annotations``, ``estimate_bias``, ``estimate_variance``.
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  Psychological Bulletin, 76(5), 378-382.
- Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
  Psychological Measurement, 20(1), 37-46.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.fidelity.canonical import (
    InsufficientDataError,
    _agree,
    _canonical,
    _check_frame,
    _key_columns,
    _merge_pairs,
    _normalise,
    _pair_counts,
    _soft_mode,
    _tie_value,
)

__all__ = ["agreement_with_reference", "alpaca_eval_bias", "alpaca_eval_variance", "cohens_kappa",
           "fleiss_kappa", "heldout_agreement", "pairwise_agreement"]


def _heldout_scores(n: np.ndarray, k: np.ndarray, tie=0.5) -> np.ndarray:
    """Per pair: mean over held-out judgments of agreement with the mode of the others."""
    # held-out chose lo (k of them): others have k-1 lo votes out of n-1
    a_lo = _soft_mode(k - 1, n - 1, tie)
    # held-out chose hi (n-k of them): others have k lo votes out of n-1; agreement = 1-mode
    a_hi = 1.0 - _soft_mode(k, n - 1, tie)
    return (k * a_lo + (n - k) * a_hi) / n


def heldout_agreement(judgments: pd.DataFrame, key="pair_id", *, by=None,
                      ties: str = "half") -> float:
    """AlpacaEval "Human agreement" within one set of annotations (leave-one-out).

    For each pair with ``n >= 2`` judgments, hold each judgment out in turn and score 1 if
    it chose the mode of the other ``n - 1`` judgments, 0 if not, and 0.5 if the others
    tie; average over the held-out judgments of the pair, then over pairs (pairs weigh
    equally).

    This is AlpacaEval's ``Analyzer.agreement_of_annotations(annotations, annotations_2=None,
    n_majority_vote_1=1)`` with the complement ``n_majority_vote_2 = n - 1`` -- the number
    reported as "Human agreement" (65.66 %) for the ``humans`` row (4 crowdworkers per
    pair, each compared with the majority of the other 3).  Differences: AlpacaEval keeps
    the first 4 annotations of pairs that have at least 4 and breaks ties by a seeded
    random draw; here every pair with at least 2 judgments counts and a tie scores its
    expectation, 0.5.  With 4 judgments per pair the others never tie and the two agree.

    Parameters
    ----------
    key : str, list of str or None
        What makes judgments "of the same pair" (see the module docstring).
    by : str or list of str, optional
        Extra grouping columns, e.g. ``"annotator_id"`` to compare each judgment only with
        the same annotator's repeats.
    ties : {"half", "alpaca_eval"}
        How a tied mode of the others scores: 0.5 (default), or as AlpacaEval resolves it
        (always ``item_b``; see :func:`agreement_with_reference`).
    """
    canon, ids = _canonical(judgments, "judgments", key, extra=_key_columns(by))
    if by is not None:
        canon["_k"] = list(zip(canon["_k"], *(canon[c] for c in _key_columns(by))))
    counts = _pair_counts(canon, ids)
    counts = counts[counts["n"] >= 2]
    if len(counts) == 0:
        raise InsufficientDataError("heldout_agreement needs at least one pair judged at least "
                                    "twice" + (f" by the same {by}" if by is not None else ""))
    n, k = counts["n"].to_numpy(float), counts["k"].to_numpy(float)
    return float(np.mean(_heldout_scores(n, k, _tie_value(counts, ties))))


def agreement_with_reference(judgments: pd.DataFrame, reference: pd.DataFrame,
                             key="pair_id", *, ties: str = "half") -> float:
    """AlpacaEval "Human agreement" of an annotator: agreement with the reference mode.

    Each judgment in ``judgments`` is scored against the mode of *all* ``reference``
    (human) judgments of the same pair: 1 if it chose the reference mode, 0 if not, 0.5 if
    the reference ties.  Scores are averaged per pair, then over the pairs present in both
    tables.

    This is AlpacaEval's ``agreement_of_annotations(annotations_1=evaluator,
    annotations_2="gold_crossannotations", n_majority_vote_1=1, n_majority_vote_2=None)``:
    the "Human agreement" column for the evaluator rows (e.g. 69.2 % for
    ``alpaca_eval_gpt4``), where one evaluator annotation is compared with the majority of
    the 4 human annotations.

    Ties (``ties``): a 2-2 human tie scores 0.5 here by default, the expectation of a fair
    coin.  AlpacaEval's ``_random_mode`` samples among the sorted modes [1, 2] with a fixed
    seed, which always returns 2: every tie goes to ``output_2``.  ``ties="alpaca_eval"``
    reproduces that (a tie goes to the reference's ``item_b``), and with it these numbers
    match ``alpaca_eval.analyze`` exactly on 4-annotation data (checked against
    alpaca-eval 0.6.6).
    """
    c1 = _pair_counts(*_canonical(judgments, "judgments", key), item_index=key is None)
    c2 = _pair_counts(*_canonical(reference, "reference", key), item_index=key is None)
    m = _merge_pairs(c1, c2, "judgments", "reference")
    tie2 = _tie_value(m.rename(columns={"_b_2": "_b", "_lo_2": "_lo"}), ties)
    ref_mode = _soft_mode(m["k_2"].to_numpy(float), m["n_2"].to_numpy(float), tie2)
    share_lo = m["k_1"].to_numpy(float) / m["n_1"].to_numpy(float)
    return float(np.mean(_agree(share_lo, ref_mode)))


def pairwise_agreement(judgments: pd.DataFrame, key="pair_id") -> float:
    """Probability that two distinct judgments of the same pair agree.

    For a pair with ``n >= 2`` judgments of which ``k`` chose one item,
    ``P_i = [k(k-1) + (n-k)(n-k-1)] / [n(n-1)]``; the result is the mean of ``P_i`` over
    pairs.  It equals AlpacaEval's ``agreement_of_annotations`` with
    ``n_majority_vote_1 = n_majority_vote_2 = 1`` (one annotator against one other) and is
    the observed agreement ``P-bar`` of Fleiss' kappa.
    """
    counts = _pair_counts(*_canonical(judgments, "judgments", key))
    counts = counts[counts["n"] >= 2]
    if len(counts) == 0:
        raise InsufficientDataError("pairwise_agreement needs at least one pair judged at "
                                    "least twice")
    n, k = counts["n"].to_numpy(float), counts["k"].to_numpy(float)
    return float(np.mean((k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1))))


def fleiss_kappa(judgments: pd.DataFrame, key="pair_id") -> float:
    """Fleiss' kappa for two categories, "chose ``item_a``" and "chose ``item_b``".

    ``kappa = (P_bar - P_e) / (1 - P_e)`` with ``P_bar`` = :func:`pairwise_agreement`
    (pairs with ``n >= 2``; pairs may have different ``n``, the usual generalisation) and
    ``P_e = p^2 + (1-p)^2``, ``p`` the share of those pairs' judgments that chose
    ``item_a`` (Fleiss, 1971).  NaN when ``P_e = 1`` (everyone always picks one side).
    """
    canon, ids = _canonical(judgments, "judgments", key)
    counts = _pair_counts(canon, ids)
    keep = counts.index[counts["n"] >= 2]
    if len(keep) == 0:
        raise InsufficientDataError("fleiss_kappa needs at least one pair judged at least twice")
    p_bar = pairwise_agreement(judgments, key)
    sub = canon[(canon["_k"].map(counts["n"]) >= 2).to_numpy()]
    p = float(np.mean(sub["_chosen"] == sub["_a"]))
    p_e = p * p + (1 - p) * (1 - p)
    if p_e >= 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1 - p_e))


def cohens_kappa(judgments: pd.DataFrame, annotator_1, annotator_2, key="pair_id") -> float:
    """Cohen's kappa between two annotators over the pairs both judged.

    Labels are "chose ``item_a``" / "chose ``item_b``".  Where an annotator judged a pair
    more than once, its first judgment counts (by ``step`` when that column exists, else
    row order).  ``kappa = (p_o - p_e) / (1 - p_e)``, ``p_o`` the share of common pairs
    where both chose the same item, ``p_e = q_1 q_2 + (1-q_1)(1-q_2)`` with ``q_r`` the
    share of annotator ``r``'s common judgments choosing ``item_a`` (Cohen, 1960).  NaN
    when ``p_e = 1``.
    """
    judgments = _normalise(judgments, "judgments")
    _check_frame(judgments, ["annotator_id"], "judgments")
    canon, _ = _canonical(judgments, "judgments", key, extra=["annotator_id"])
    if "step" in judgments.columns:
        canon = canon.assign(_step=judgments["step"].to_numpy()).sort_values("_step",
                                                                              kind="stable")
    firsts = []
    for who in (annotator_1, annotator_2):
        rows = canon[canon["annotator_id"] == who]
        if len(rows) == 0:
            raise InsufficientDataError(f"judgments has no rows with annotator_id == {who!r}")
        rows = rows.drop_duplicates("_k", keep="first").set_index("_k")
        firsts.append(rows)
    both = firsts[0].index.intersection(firsts[1].index)
    if len(both) == 0:
        raise InsufficientDataError(f"annotators {annotator_1!r} and {annotator_2!r} judged no "
                                    f"pair in common")
    r1, r2 = firsts[0].loc[both], firsts[1].loc[both]
    p_o = float(np.mean(r1["_chosen"].to_numpy() == r2["_chosen"].to_numpy()))
    q1 = float(np.mean(r1["_chosen"] == r1["_a"]))
    q2 = float(np.mean(r2["_chosen"] == r2["_a"]))
    p_e = q1 * q2 + (1 - q1) * (1 - q2)
    if p_e >= 1.0:
        return float("nan")
    return float((p_o - p_e) / (1 - p_e))


def alpaca_eval_bias(judgments: pd.DataFrame, reference: pd.DataFrame, key="pair_id", *,
                     ties: str = "half") -> float:
    """AlpacaEval "Bias": disagreement between the annotator's mode and the human mode.

    For each pair in both tables, take the mode of all ``judgments`` of the pair and the
    mode of all ``reference`` (human) judgments of it; ``bias = 1 - mean_pairs
    agree(mode_1, mode_2)``, where a tie on either side counts as agreement 0.5.

    AlpacaEval's ``Analyzer.estimate_bias``: the error of
    ``agreement_of_annotations(annotations, "gold_crossannotations", n_majority_vote_1=None,
    n_majority_vote_2=None)``, i.e. the majority of the evaluator's 4 annotations (4 seeds)
    against the majority of the 4 human annotations; with infinitely many annotations it
    is the error of the annotator's Bayes (mode) prediction, hence "bias".  The leaderboard
    prints it in percent; the ``humans`` row is set to 0 by definition.  Returned here as
    a fraction.  ``ties="alpaca_eval"`` resolves a tied mode to the table's ``item_b`` as
    AlpacaEval does (see :func:`agreement_with_reference`).
    """
    c1 = _pair_counts(*_canonical(judgments, "judgments", key), item_index=key is None)
    c2 = _pair_counts(*_canonical(reference, "reference", key), item_index=key is None)
    m = _merge_pairs(c1, c2, "judgments", "reference")
    tie1 = _tie_value(m.rename(columns={"_b_1": "_b", "_lo_1": "_lo"}), ties)
    tie2 = _tie_value(m.rename(columns={"_b_2": "_b", "_lo_2": "_lo"}), ties)
    m1 = _soft_mode(m["k_1"].to_numpy(float), m["n_1"].to_numpy(float), tie1)
    m2 = _soft_mode(m["k_2"].to_numpy(float), m["n_2"].to_numpy(float), tie2)
    return float(1.0 - np.mean(_agree(m1, m2)))


def alpaca_eval_variance(judgments: pd.DataFrame, key="pair_id", *, by=None,
                         ties: str = "half") -> float:
    """AlpacaEval "Variance": 1 minus the leave-one-out agreement of an annotator with itself.

    ``variance = 1 - heldout_agreement(judgments, key, by=by)``: each judgment of a pair
    against the mode of the other judgments of that pair.  AlpacaEval's
    ``Analyzer.estimate_variance`` is the error of ``agreement_of_annotations(annotations,
    None, n_majority_vote_1=1, n_majority_vote_2=None)`` (1 vs the other 3) on an
    annotator's 4 repeated annotations of each pair; for the ``humans`` row the "repeats"
    are the 4 crowdworkers, so its Variance (34.34 %) is 100 % minus its Human agreement.

    Treat the whole table as one annotator (``by=None``, like the humans row) or measure
    each annotator's inconsistency with its own repeats (``by="annotator_id"``): the
    expected disagreement of an annotator with itself across repeated judgments.
    Returned as a fraction.
    """
    return 1.0 - heldout_agreement(judgments, key, by=by, ties=ties)
