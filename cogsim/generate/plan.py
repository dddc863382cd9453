"""What a ``generate`` run judges: the spec with the command-line overrides and the seed,
the pairs (drawn from the seed's pair stream, or as item codes for a sharded run) and the
assignment stream."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.errors import InputError
from cogsim.spec import PopulationSpec
from cogsim.tasks import all_pairs, random_pairs

__all__ = ["assignment_rng", "pair_codes", "pairs_for", "resolve"]


def resolve(spec: PopulationSpec, n_pairs: int | None, annotators_per_pair: int | None,
             seed: int | None) -> tuple[PopulationSpec, int]:
    """The spec with the command-line overrides and the seed applied."""
    updates = {}
    if n_pairs is not None:
        updates["pairs"] = n_pairs
    if annotators_per_pair is not None:
        updates["annotators_per_pair"] = annotators_per_pair
    if updates:
        spec = spec.model_copy(update={"assignment": spec.assignment.model_copy(update=updates)})
    seed = spec.seed if seed is None else int(seed)
    if not 0 <= seed < 2**63:
        raise InputError(f"seed: expected a whole number from 0 to 2**63 - 1, got {seed}")
    return spec.model_copy(update={"seed": seed}), seed


def pairs_for(spec: PopulationSpec, items: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The pairs ``generate`` samples for ``spec`` and ``seed`` (the pair stream is the
    seed's 7th spawned sequence)."""
    pair_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[6])
    return (all_pairs(items) if spec.assignment.sampler == "all"
            else random_pairs(items, spec.assignment.pairs, pair_rng))


def pair_codes(spec: PopulationSpec, items: pd.DataFrame, pairs: pd.DataFrame | None,
                seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The pairs as item codes (rows of ``items``), (n, 2), and their ids (``None`` when
    they are the row numbers).  Sampled pairs are drawn as :func:`pairs_for` draws them,
    on the items numbered by row: the codes come without a table of ids to look up."""
    if pairs is None:
        numbered = items[[c for c in ("prompt",) if c in items.columns]].assign(
            item_id=np.arange(len(items)))
        pairs = pairs_for(spec, numbered, seed)
        return pairs[["item_a", "item_b"]].to_numpy(np.int64), None
    index = pd.Index(items["item_id"].astype(str))
    codes = np.stack([index.get_indexer(pairs[c].astype(str)) for c in ("item_a", "item_b")], 1)
    return codes, pairs["pair_id"].to_numpy()


def assignment_rng(seed: int) -> np.random.Generator:
    """The population's assignment stream: the seed's 3rd spawned sequence."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[2])
