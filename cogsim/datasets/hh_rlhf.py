"""Anthropic HH-RLHF, harmless-base test split (Bai et al. 2022): chosen/rejected dialogues.

2,312 pairs of assistant replies to the same red-team dialogue; a crowdworker chose the less
harmful one.  No rater id, no ties, and the display order is not recorded.  The records
contain offensive content by design.  Licence: MIT (Anthropic).  Cite Bai et al. (2022),
arXiv:2204.05862.
"""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError, where
from cogsim.datasets.home import Remote, fetch_file
from cogsim.datasets.judgments import check_judgments

__all__ = ["fetch_hh_rlhf", "hh_rlhf_to_judgments", "split_dialogue_pair"]

HARMLESS_TEST = Remote(
    "hh_rlhf/harmless-base/test.jsonl.gz",
    "https://raw.githubusercontent.com/anthropics/hh-rlhf/354e5c3cb8960630860dd5774a6ac2a58313bf4d/"
    "harmless-base/test.jsonl.gz",
    "ebfaaed21162a4de120ae85366075b34425e2a6303fac59b99555002f7016f03",
)
_ASSISTANT = "\n\nAssistant:"


def split_dialogue_pair(chosen: str, rejected: str) -> tuple[str, str, str]:
    """(prompt, chosen reply, rejected reply) of two transcripts that differ in the last reply.

    The prompt is the shared beginning up to and including the last "\\n\\nAssistant:" that
    both transcripts share, so ``prompt + reply`` gives back each transcript exactly.
    """
    shared = os.path.commonprefix([chosen, rejected])
    cut = shared.rfind(_ASSISTANT)
    if cut < 0:
        raise ValueError("the two transcripts share no '\\n\\nAssistant:' turn")
    end = cut + len(_ASSISTANT)
    return chosen[:end], chosen[end:], rejected[end:]


def fetch_hh_rlhf(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 2,312 records of harmless-base/test.jsonl.gz, one row per pair.

    Columns: prompt (the dialogue up to the final "\\n\\nAssistant:"), chosen and rejected
    (the two final replies, as written, usually starting with a space) -- the prompt/chosen/
    rejected layout that preference trainers (TRL's DPO) read.
    """
    path = fetch_file(HARMLESS_TEST, data_home, download_if_missing)
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                record = json.loads(line)
                rows.append(split_dialogue_pair(record["chosen"], record["rejected"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DataError(
                    f"{where(path.name, number)}: expected a JSON object with 'chosen' and "
                    f"'rejected' dialogues ({exc})"
                ) from None
    return pd.DataFrame(rows, columns=["prompt", "chosen", "rejected"])


def hh_rlhf_to_judgments(pairs: pd.DataFrame, seed: int | None = 0) -> pd.DataFrame:
    """Pairs from `fetch_hh_rlhf` in the generic judgment schema.

    The source does not say which reply was shown first, so with an integer ``seed`` each
    pair's replies are put in a random order (A/B) drawn from that seed; with ``seed=None``
    the chosen reply is always option A.  annotator_id is "unknown" (raters are not
    identified); pair_id is "hh-rlhf-harmless-test-<row>".
    """
    n = len(pairs)
    swap = (
        np.random.default_rng(seed).random(n) < 0.5 if seed is not None else np.zeros(n, dtype=bool)
    )
    chosen, rejected = (
        pairs["chosen"].to_numpy(dtype=object),
        pairs["rejected"].to_numpy(dtype=object),
    )
    out = pd.DataFrame(
        {
            "annotator_id": "unknown",
            "option_a": np.where(swap, rejected, chosen),
            "option_b": np.where(swap, chosen, rejected),
            "choice": np.where(swap, "B", "A"),
            "pair_id": [f"hh-rlhf-harmless-test-{i}" for i in range(n)],
            "prompt": pairs["prompt"].to_numpy(dtype=object),
        }
    )
    return check_judgments(out, source="HH-RLHF judgments")
