"""TRL adapters: the population as a reward function for online trainers, and judgments as
the preference datasets offline trainers read.

* :class:`PreferenceReward` — a callable in the form TRL's ``GRPOTrainer`` (and online
  DPO) accept in ``reward_funcs``:
  ``reward(prompts, completions, completion_ids=None, **kwargs) -> list[float]``.  Each
  completion is scored by its win rate in pairwise judgments against the other completions
  of the same prompt (:mod:`cogsim.oracle.rewards`), so the training signal is preferences,
  with the annotators' noise and biases.
* :func:`preference_dataset` — a judgments table as the ``prompt``/``chosen``/``rejected``
  columns that ``DPOTrainer`` and ``RewardTrainer`` read, plain or conversational.

Nothing here imports TRL: a reward function is a plain callable and a dataset is a pandas
table (``datasets.Dataset.from_pandas`` turns it into what the trainers take), so TRL stays
an optional extra (``pip install "cogsim[trl]"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cogsim.generate import preference_view
from cogsim.oracle import Oracle
from cogsim.spec import PopulationSpec

__all__ = ["PreferenceReward", "preference_dataset"]


class PreferenceReward:
    """A TRL reward function backed by a population of annotators.

    Parameters
    ----------
    population : Oracle, PopulationSpec, str or Path
        A running oracle (shared with other uses), or a population spec (or its path) to
        start one from.
    k : int, optional
        Annotators judging each pair of completions (default: the spec's
        ``assignment.annotators_per_pair``).
    items : DataFrame, optional
        The reference item set when an oracle is started here (see :class:`cogsim.Oracle`).
    seed : int, optional
        Overrides the spec's seed when an oracle is started here.
    name : str
        The name trainers log the reward under (``__name__``).

    Notes
    -----
    For a prompt with completions c_1..c_m, each pair {c_i, c_j} is judged by k annotators
    and reward(c_i) = (wins + ties / 2) / judgments involving c_i, in [0, 1]; a lone
    completion gets 0.5.  Completions are grouped by identical prompt, as GRPO samples
    them.  The judgments advance the population (fatigue, learning from experience, social
    influence, drift) as queries do (``self.oracle.annotators`` counts them).

    Examples
    --------
    >>> reward = PreferenceReward("populations/default.toml", k=3)   # doctest: +SKIP
    >>> trainer = GRPOTrainer(model=..., reward_funcs=reward, ...)    # doctest: +SKIP
    """

    def __init__(self, population: Oracle | PopulationSpec | str | Path, *,
                 k: int | None = None, items: pd.DataFrame | None = None,
                 seed: int | None = None, name: str = "cogsim_preference"):
        self.oracle = (population if isinstance(population, Oracle)
                       else Oracle(population, items, seed=seed))
        self.k = k
        self.__name__ = name

    def __call__(self, prompts: Sequence, completions: Sequence,
                 completion_ids: Sequence | None = None, **kwargs) -> list[float]:
        """Rewards for ``completions`` (one per prompt, strings or conversations).

        ``completion_ids`` (token ids) and the other keyword arguments TRL passes (the
        dataset's columns, ``trainer_state``) are accepted and not used.
        """
        return self.oracle.rewards(prompts, completions, k=self.k)


def preference_dataset(judgments: pd.DataFrame, items: pd.DataFrame, *,
                       conversational: bool = False, margin: bool = False) -> pd.DataFrame:
    """Judgments as a preference dataset for ``DPOTrainer`` / ``RewardTrainer``.

    Parameters
    ----------
    judgments : DataFrame
        A judgments table (from ``generate``, :meth:`cogsim.Oracle.judge`, or read from
        ``judgments.parquet``).
    items : DataFrame
        The items with ``item_id``, ``prompt`` and ``text`` (``Oracle.items``, or the item
        table of the run).
    conversational : bool
        False: ``prompt``, ``chosen`` and ``rejected`` are strings.  True: ``prompt`` is
        ``[{"role": "user", "content": ...}]`` and ``chosen``/``rejected`` are
        ``[{"role": "assistant", "content": ...}]``, TRL's conversational format.
    margin : bool
        Add ``margin`` = max(0, value(chosen) - value(rejected)), which RewardTrainer
        subtracts inside its loss.

    Returns
    -------
    DataFrame
        ``prompt``, ``chosen``, ``rejected`` (and ``margin``), one row per judgment.
    """
    view = preference_view(judgments, items, margin=margin)
    columns = ["prompt", "chosen", "rejected"] + (["margin"] if margin else [])
    data = view[columns].reset_index(drop=True)
    if conversational:
        data["prompt"] = [[{"role": "user", "content": p}] for p in data["prompt"]]
        for side in ("chosen", "rejected"):
            data[side] = [[{"role": "assistant", "content": t}] for t in data[side]]
    return data
