"""Pairwise text-preference data for calibration: :class:`TextPairs` and its loaders.

Three sources are read (:func:`load_text_pairs`):

==============  ==============================================================================
``hh_rlhf``     Anthropic hh-rlhf harmless-base, test split: 2,312 pairs of assistant replies
                to a red-team dialogue, the less harmful one chosen (the dialogue so far is
                the prompt; the display order is not recorded)
``mt_bench``    MT-Bench human judgments (LLMBar's 200 pairs): the better answer, by the
                majority of expert raters (display order not recorded)
a file          judgments in the generic schema (:mod:`cogsim.datasets.judgments`) whose
                options are texts: ``prompt``, ``option_a``, ``option_b`` (the two
                responses), ``choice`` (A or B), ``annotator_id`` (``"unknown"`` when not
                known), optionally ``pair_id`` (judgments of one pair stay on one side of a
                split) and ``shown_first`` (then the position bias is fitted).  No
                distribution, trial or outcome columns.
==============  ==============================================================================

Responses are featurized once (:func:`cogsim.text.featurize`, each with its prompt); the
model sees the difference of the two responses' features in the fixed standard units of
:data:`cogsim.text.DEFAULT_SCALING`.  A unit of the data (what a split divides) is a pair.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError
from cogsim.errors import InputError
from cogsim.text import DEFAULT_SCALING, MAX_CHARACTERS, TextScaling, featurize

__all__ = ["TextPairs", "TEXT_SETS", "load_text_pairs", "is_text_data", "text_pairs_from_judgments"]

#: The public sets of pairwise text preferences.
TEXT_SETS = ("hh_rlhf", "mt_bench")
_NOT_TEXT = ("outcomes_a", "probs_a", "outcomes_b", "probs_b", "trial", "outcome", "subject",
             "Ha", "bRate")


@dataclass
class TextPairs:
    """Judgments of pairs of responses, featurized.

    Attributes
    ----------
    name : str
        The data set or file.
    prompt, text_a, text_b : numpy.ndarray of str, (n,)
        One row per judgment.
    chose_a : numpy.ndarray of bool, (n,)
    first : numpy.ndarray of float, (n,)
        +1 when option A was shown first, -1 when B was, 0 when not known.
    unit : numpy.ndarray of int, (n,)
        The pair (0 .. n_units - 1) each judgment belongs to.
    features_a, features_b : pandas.DataFrame
        Raw text features of the two options (:data:`cogsim.text.FEATURES`).
    """

    name: str
    prompt: np.ndarray
    text_a: np.ndarray
    text_b: np.ndarray
    chose_a: np.ndarray
    first: np.ndarray
    unit: np.ndarray
    features_a: pd.DataFrame
    features_b: pd.DataFrame
    kind = "pairs"
    unit_name = "pairs"

    @property
    def n_units(self) -> int:
        """Number of pairs."""
        return int(self.unit.max()) + 1 if len(self.unit) else 0

    @property
    def n_judgments(self) -> int:
        """Number of judgments (rows)."""
        return len(self.chose_a)

    @property
    def position_known(self) -> bool:
        """Whether any judgment records which option was shown first."""
        return bool(np.any(self.first != 0))

    def differences(self, scaling: TextScaling = DEFAULT_SCALING) -> np.ndarray:
        """z(A) - z(B) per judgment, (n, features): standard units of ``scaling``."""
        names = list(scaling.features)
        scale = np.array([scaling.scale[f] for f in names])
        raw = self.features_a[names].to_numpy() - self.features_b[names].to_numpy()
        return raw / scale

    def rows(self, units: np.ndarray) -> np.ndarray:
        """The judgments (row numbers) of the given pairs."""
        return np.flatnonzero(np.isin(self.unit, np.asarray(units)))

    def subset(self, units: np.ndarray) -> TextPairs:
        """The judgments of the given pairs, pairs renumbered 0 ... in the given order."""
        rows = self.rows(units)
        renumber = {int(u): k for k, u in enumerate(np.asarray(units))}
        return TextPairs(self.name, self.prompt[rows], self.text_a[rows], self.text_b[rows],
                         self.chose_a[rows], self.first[rows],
                         np.array([renumber[int(u)] for u in self.unit[rows]], dtype=np.int64),
                         self.features_a.iloc[rows].reset_index(drop=True),
                         self.features_b.iloc[rows].reset_index(drop=True))

    def hash(self) -> str:
        """SHA-256 of the judgments (prompts, texts, choices, positions, pairs)."""
        h = hashlib.sha256()
        for column in (self.prompt, self.text_a, self.text_b):
            for value in column:
                h.update(value.encode("utf-8", "surrogatepass") + b"\x00")
        for array in (self.chose_a.astype(np.int8), self.first.astype(np.int8),
                      self.unit.astype(np.int64)):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()


def _texts(values: pd.Series, source: str, column: str) -> np.ndarray:
    out = values.to_numpy(dtype=object)
    for row, value in enumerate(out, start=1):
        if not isinstance(value, str):
            raise DataError(f"{source}, row {row}, column {column!r}: expected a text, got "
                            f"{value!r}")
        if len(value) > MAX_CHARACTERS:
            raise DataError(f"{source}, row {row}, column {column!r}: a text of "
                            f"{len(value):,} characters; expected at most {MAX_CHARACTERS:,}")
    return out


def text_pairs_from_judgments(j: pd.DataFrame, name: str) -> TextPairs:
    """:class:`TextPairs` from judgments in the generic schema whose options are texts.

    Raises :class:`~cogsim.datasets.errors.DataError` naming ``name``, the row and the
    column of a cell that is not a text, and naming the text when it cannot be featurized
    (longer than :data:`cogsim.text.MAX_CHARACTERS`).
    """
    if len(j) < 2:
        raise DataError(f"{name}: {len(j)} judgments; expected at least 2")
    prompt = (_texts(j["prompt"].fillna(""), name, "prompt") if "prompt" in j.columns
              else np.full(len(j), "", dtype=object))
    a, b = _texts(j["option_a"], name, "option_a"), _texts(j["option_b"], name, "option_b")
    if "pair_id" in j.columns and j["pair_id"].notna().all():
        unit, _ = pd.factorize(j["pair_id"].astype(str), sort=False)
    else:
        unit = np.arange(len(j))
    first = np.zeros(len(j))
    if "shown_first" in j.columns:
        shown = j["shown_first"].astype(object)
        first = np.where(shown == "A", 1.0, np.where(shown == "B", -1.0, 0.0))
    try:
        fa, fb = featurize(prompt, a), featurize(prompt, b)
    except InputError as e:
        raise DataError(f"{name}: {e}") from None
    return TextPairs(name, prompt, a, b, (j["choice"] == "A").to_numpy(), first,
                     np.asarray(unit, dtype=np.int64), fa, fb)


def is_text_data(name_or_path: str | os.PathLike[str]) -> bool:
    """Whether calibration data is pairwise text preferences: a set of :data:`TEXT_SETS`,
    or a judgments file (CSV/Parquet) with ``prompt``, ``option_a``, ``option_b`` and
    ``choice`` and none of the columns of gambles, rates or repeated choices."""
    name = str(name_or_path)
    if name in TEXT_SETS:
        return True
    path = Path(name)
    if not path.is_file():
        return False
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            columns = set(pq.read_schema(path).names)
        else:
            columns = set(pd.read_csv(path, nrows=0).columns)
    except Exception:          # unreadable: the other loaders name the problem
        return False
    return ({"prompt", "option_a", "option_b", "choice"} <= columns
            and not columns & set(_NOT_TEXT))


def load_text_pairs(name_or_path: str | os.PathLike[str],
                    data_home: str | os.PathLike[str] | None = None) -> TextPairs:
    """:class:`TextPairs` of ``hh_rlhf``, ``mt_bench`` or a judgments file of texts."""
    from cogsim.datasets import hh_rlhf_to_judgments, load_judgments
    from cogsim.datasets.hh_rlhf import fetch_hh_rlhf
    from cogsim.datasets.mt_bench import fetch_mt_bench, mt_bench_to_judgments

    name = str(name_or_path)
    if name == "hh_rlhf":
        return text_pairs_from_judgments(hh_rlhf_to_judgments(fetch_hh_rlhf(data_home)), name)
    if name == "mt_bench":
        return text_pairs_from_judgments(mt_bench_to_judgments(fetch_mt_bench(data_home)),
                                         name)
    return text_pairs_from_judgments(load_judgments(name), Path(name).name)
