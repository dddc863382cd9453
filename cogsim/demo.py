"""The built-in IBL demo: a population learning a risky binary choice from experience.

Safe option: 3 always.  Risky option: 4 with probability 0.8, else 0 (expected value 3.2).
Agents start optimistic (default utility 4.4), explore, and settle on a preference; the
per-block rate of risky choices is the classic learning curve of decisions from experience.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.ibl import IBLBatch

SAFE, RISKY = 0, 1


def binary_outcomes(rng: np.random.Generator, chosen: np.ndarray) -> np.ndarray:
    """Outcome of each agent's choice: 3 for safe; 4 with p 0.8, else 0, for risky."""
    risky_pays = rng.random(chosen.shape) < 0.8
    return np.where(chosen == SAFE, 3.0, np.where(risky_pays, 4.0, 0.0))


def run_binary_task(n_agents: int = 1000, trials: int = 100, seed: int = 0,
                    noise=0.25, decay=0.5, default_utility=4.4) -> np.ndarray:
    """Run the binary task; returns the choices, an int array (trials, n_agents), 1 = risky."""
    rng = np.random.default_rng(seed)
    agents = IBLBatch(n_agents, ["option"], noise=noise, decay=decay,
                      default_utility=default_utility, seed=rng)
    options = np.array([[SAFE], [RISKY]], dtype=np.float64)
    choices = np.empty((trials, n_agents), dtype=np.int64)
    for t in range(trials):
        chosen = agents.choose(options)
        agents.respond(binary_outcomes(rng, chosen))
        choices[t] = chosen
    return choices


def risky_rate_by_block(choices: np.ndarray, block: int = 10) -> pd.DataFrame:
    """Mean rate of risky choices per block of trials."""
    trials = choices.shape[0]
    blocks = np.arange(trials) // block
    rates = pd.Series(choices.mean(axis=1)).groupby(blocks).mean()
    return pd.DataFrame({"block": rates.index + 1,
                         "trials": [f"{b * block + 1}-{min((b + 1) * block, trials)}"
                                    for b in rates.index],
                         "p_risky": rates.to_numpy()})
