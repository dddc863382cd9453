"""Block rates of repeated-choice trial tables (human or simulated): how often the risky
option is chosen in each block of trials."""

from __future__ import annotations

import pandas as pd

from cogsim.errors import DataError, where

__all__ = ["block_rates"]


def block_rates(trials: pd.DataFrame, trialtype: int | None = 2, n_blocks: int = 4,
                risky: str | None = "S2", pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """Per-block rate of choosing the risky option, for human or simulated trials.

    Parameters
    ----------
    trials : DataFrame
        A trial table (human or from ``simulate``) with ``trial`` and ``response`` and
        either ``trialtype`` (used when ``trialtype`` is given) or the offered options.
    trialtype : int or None
        Keep trials of this type (2: the Niv risk trials, S2 vs S3).  With None, or when
        the table has no ``trialtype`` column, keep the trials offering ``pair``
        (default: ``risky`` and any other option).
    n_blocks : int
        Blocks of equal length over the trial numbers 1..max (176 trials: 4 x 44).
    risky : str
        The option whose choice rate is returned.

    Returns
    -------
    DataFrame with columns ``block`` (1..n_blocks), ``rate`` (pooled over all rows, i.e.
    people and simulated agents) and ``n`` (trials in the block).
    """
    for col in ("trial", "response"):
        if col not in trials.columns:
            raise DataError(f"{where('trials', column=col)}: missing column {col!r}")
    if trialtype is not None and "trialtype" in trials.columns:
        t = trials[trials["trialtype"] == trialtype]
    else:
        for col in ("option_a", "option_b"):
            if col not in trials.columns:
                raise DataError(f"{where('trials', column=col)}: missing column {col!r}")
        offered = {risky} if pair is None else set(pair)
        oa, ob = trials["option_a"].astype(str), trials["option_b"].astype(str)
        if pair is None:
            keep = (oa == risky) | (ob == risky)
            keep &= trials["option_b"].notna()
        else:
            keep = oa.isin(offered) & ob.isin(offered) & (oa != ob)
        t = trials[keep]
    n_trials = int(trials["trial"].max())
    block = ((t["trial"].to_numpy() - 1) * n_blocks // n_trials).astype(int) + 1
    chose = (t["response"] == risky).to_numpy(dtype=float)
    g = pd.DataFrame({"block": block, "chose": chose}).groupby("block")["chose"]
    out = pd.DataFrame({"rate": g.mean(), "n": g.size()}).reindex(range(1, n_blocks + 1))
    out.index.name = "block"
    return out.reset_index()
