"""MT-Bench human pairwise judgments (Zheng et al. 2023), as processed by LLMBar (Zeng et al.
2024): 200 pairs of chat-assistant answers to the same question, each labelled with the
majority of the expert human votes (ties removed).

A helpfulness criterion (which answer is better), unlike hh-rlhf harmless-base.  One label
per pair, no rater ids, and the display order is not recorded.  Licence: the LLMBar
repository is MIT; the upstream MT-Bench human judgments are CC-BY-4.0.  Cite Zheng et al.
(2023), arXiv:2306.05685, and Zeng et al. (2024), arXiv:2310.07641.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError, where
from cogsim.datasets.home import Remote, fetch_file
from cogsim.datasets.judgments import check_judgments

__all__ = ["fetch_mt_bench", "mt_bench_to_judgments"]

MT_BENCH = Remote(
    "mt_bench_human/dataset.json",
    "https://raw.githubusercontent.com/princeton-nlp/LLMBar/"
    "900616bff90b6c6c8e1681f7d079250637c55992/Dataset/Processed/MT-Bench/dataset.json",
    "c152249bc095d152485954bd2abd9ea79528ee5e4c045bfe9ef78755b03c20d8",
)


def fetch_mt_bench(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 200 pairs of ``dataset.json``, one row per pair.

    Columns: ``prompt`` (the question), ``output_1`` and ``output_2`` (the two answers, as
    written) and ``label`` (1 or 2: the answer the human majority preferred).
    """
    path = fetch_file(MT_BENCH, data_home, download_if_missing)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: expected a JSON array of pairs ({exc})") from None
    if not isinstance(records, list):
        raise DataError(f"{path.name}: expected a JSON array of pairs, got "
                        f"{type(records).__name__}")
    rows = []
    for number, record in enumerate(records, start=1):
        ok = (isinstance(record, dict)
              and all(isinstance(record.get(k), str) for k in ("input", "output_1", "output_2"))
              and record.get("label") in (1, 2))
        if not ok:
            raise DataError(f"{where(path.name, number)}: expected an object with 'input', "
                            f"'output_1', 'output_2' (strings) and 'label' (1 or 2)")
        rows.append((record["input"], record["output_1"], record["output_2"],
                     int(record["label"])))
    return pd.DataFrame(rows, columns=["prompt", "output_1", "output_2", "label"])


def mt_bench_to_judgments(pairs: pd.DataFrame, seed: int | None = 0) -> pd.DataFrame:
    """Pairs from :func:`fetch_mt_bench` in the generic judgment schema.

    The display order is not recorded, so with an integer ``seed`` each pair's answers are
    put in a random order (A/B) drawn from that seed; with ``seed=None`` ``output_1`` is
    option A.  annotator_id is "majority" (one label per pair, the majority of the expert
    raters); pair_id is "mt-bench-<row>".
    """
    n = len(pairs)
    swap = (np.random.default_rng(seed).random(n) < 0.5 if seed is not None
            else np.zeros(n, dtype=bool))
    one = pairs["output_1"].to_numpy(dtype=object)
    two = pairs["output_2"].to_numpy(dtype=object)
    chose_one = pairs["label"].to_numpy() == 1
    out = pd.DataFrame({
        "annotator_id": "majority",
        "option_a": np.where(swap, two, one),
        "option_b": np.where(swap, one, two),
        "choice": np.where(chose_one != swap, "A", "B"),
        "pair_id": [f"mt-bench-{i}" for i in range(n)],
        "prompt": pairs["prompt"].to_numpy(dtype=object),
    })
    return check_judgments(out, source="MT-Bench judgments")
