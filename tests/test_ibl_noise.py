"""cogsim and PyIBL with activation noise: their behaviour is statistically the same.

With noise the two libraries draw different random numbers, so single runs differ; what
must agree is the distribution of behaviour.  Each task runs many cogsim agents (cheap,
batched) and fewer PyIBL agents (one at a time) and compares learning curves.

The statistical design, shared by the tasks:

* Unit of analysis: the agent.  A learning curve is, for each agent, its rate of a given
  choice in each block of trials.  Agents are independent; trials within an agent are
  not, so a test on pooled choice counts (a two-proportion z test per block) would
  overstate the sample size.  Each block is compared with Welch's two-sample t test on
  the per-agent block rates, plus one overall test on each agent's rate over all trials.
* Multiple testing: the block tests and the overall test form one family, corrected
  with Holm's step-down method at family-wise alpha = 0.01 (every test is seeded, so the
  outcome is deterministic; alpha 0.01 keeps the chance that a correct engine fails
  after a change of its random stream at about 1%).
* Power is computed, not assumed: from the observed per-block standard deviations and
  the sample sizes, for a two-sided z test at the strictest Holm threshold (alpha/m,
  i.e. Bonferroni).  ``test_*_power`` asserts the power stated in each docstring.
* Negative controls: cogsim with a clearly different parameter, compared with the same
  PyIBL sample, must be detected — the test has teeth.

PyIBL seeds its numpy generator from Python's ``random`` module when an agent is
created and breaks ties with ``random.choice``; ``random.seed`` is called first.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pyibl
import pytest
from scipy import stats

from cogsim.demo import run_binary_task
from cogsim.ibl import IBLBatch, bounded_linear_similarity

ALPHA = 0.01


# ------------------------------------------------------------------------ statistics
def holm(p_values: dict[str, float], alpha: float = ALPHA) -> list[str]:
    """Labels rejected by Holm's step-down procedure at family-wise ``alpha``."""
    order = sorted(p_values, key=p_values.get)
    rejected = []
    for i, label in enumerate(order):
        if p_values[label] > alpha / (len(order) - i):
            break
        rejected.append(label)
    return rejected


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def compare_curves(ref: np.ndarray, sut: np.ndarray, block: int) -> dict[str, float]:
    """p-values per block and overall; ``ref``/``sut`` are choices (trials, agents) of 0/1."""
    rb, sb = block_rates(ref, block), block_rates(sut, block)
    p = {f"block {b + 1}": welch_p(rb[b], sb[b]) for b in range(len(rb))}
    p["overall"] = welch_p(ref.mean(axis=0), sut.mean(axis=0))
    return p


def block_rates(choices: np.ndarray, block: int) -> np.ndarray:
    """Per-agent rate in each block: (n_blocks, n_agents)."""
    trials, n = choices.shape
    return choices.reshape(trials // block, block, n).mean(axis=1)


def z_power(sd_a, n_a, sd_b, n_b, delta, alpha) -> float:
    """Power of a two-sided z test at level ``alpha`` for a true difference ``delta``."""
    se = np.sqrt(sd_a ** 2 / n_a + sd_b ** 2 / n_b)
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(delta / se - z) + stats.norm.cdf(-delta / se - z))


def design_power(ref, sut, block, delta_block, delta_overall) -> tuple[float, float]:
    """Power (smallest over blocks, and overall) at the strictest Holm threshold."""
    rb, sb = block_rates(ref, block), block_rates(sut, block)
    m = len(rb) + 1
    per_block = min(z_power(rb[b].std(ddof=1), rb.shape[1], sb[b].std(ddof=1), sb.shape[1],
                            delta_block, ALPHA / m) for b in range(len(rb)))
    overall = z_power(ref.mean(0).std(ddof=1), ref.shape[1], sut.mean(0).std(ddof=1),
                      sut.shape[1], delta_overall, ALPHA / m)
    return per_block, overall


@pytest.fixture(autouse=True)
def _keep_global_random_state():
    """PyIBL needs ``random.seed``; leave Python's generator as the other tests found it."""
    state = random.getstate()
    yield
    random.setstate(state)


def describe(p: dict[str, float]) -> str:
    return ", ".join(f"{k}: p={v:.2g}" for k, v in p.items())


# ------------------------------------------------------------------ the binary task
N_PYIBL_BINARY = 400       # 40,000 PyIBL choices, about 5 s
N_COGSIM_BINARY = 3000
TRIALS, BLOCK = 100, 10


def pyibl_binary(n_agents: int, seed: int, **params) -> np.ndarray:
    """PyIBL on the binary task; choices (trials, agents), 1 = risky."""
    p = dict(noise=0.25, decay=0.5, default_utility=4.4)
    p.update(params)
    random.seed(seed)
    env = np.random.default_rng(seed)
    agent = pyibl.Agent(**p)
    out = np.empty((TRIALS, n_agents), dtype=np.int64)
    for i in range(n_agents):
        agent.reset()
        for t in range(TRIALS):
            risky = agent.choose(["safe", "risky"]) == "risky"
            agent.respond((4.0 if env.random() < 0.8 else 0.0) if risky else 3.0)
            out[t, i] = risky
    return out


@pytest.fixture(scope="module")
def binary_ref():
    return pyibl_binary(N_PYIBL_BINARY, seed=20240611)


@pytest.fixture(scope="module")
def binary_sut():
    return run_binary_task(N_COGSIM_BINARY, TRIALS, seed=20240612)


def test_binary_task_matches_pyibl(binary_ref, binary_sut):
    """Risky-choice learning curve, safe 3 vs risky 4 (p .8) else 0; default utility 4.4,
    noise 0.25, decay 0.5, 100 trials in 10 blocks of 10.

    Test: Welch t test per block on per-agent block rates, plus one on the per-agent
    overall rate; Holm correction over these 11 tests at family-wise alpha 0.01.
    Samples: 400 PyIBL agents, 3000 cogsim agents.  Power (per-agent block-rate SDs are
    0.16-0.29, overall-rate SD 0.17): 0.97 to detect a difference of 0.08 in the rate of
    the least favourable block and 0.98 for a difference of 0.05 in the overall rate;
    only about 0.5 for a difference of 0.05 in a single block.
    """
    p = compare_curves(binary_ref, binary_sut, BLOCK)
    assert not holm(p), describe(p)


def test_binary_task_power(binary_ref, binary_sut):
    """The design's power, computed from the observed variability, is as claimed.

    Measured 0.97 (0.08 in a block) and 0.98 (0.05 overall); asserted >= 0.9.
    """
    per_block, overall = design_power(binary_ref, binary_sut, BLOCK, 0.08, 0.05)
    assert per_block >= 0.9, per_block
    assert overall >= 0.9, overall


@pytest.mark.parametrize("params", [dict(noise=1.0), dict(default_utility=3.0),
                                    dict(noise=0.35)],
                         ids=["noise=1.0", "default_utility=3.0", "noise=0.35"])
def test_binary_task_negative_control(binary_ref, params):
    """cogsim with a different parameter is told apart from PyIBL with the reference ones.

    noise 1.0 and default utility 3.0 are gross changes (block rates lower by up to 0.44
    and 0.16); noise 0.35 is a moderate one (0.02 lower in block 1, 0.06-0.09 later).
    """
    sut = run_binary_task(N_COGSIM_BINARY, TRIALS, seed=20240613, **params)
    p = compare_curves(binary_ref, sut, BLOCK)
    assert holm(p), describe(p)


# ------------------------------------------------------------ partial-matching task
N_PYIBL_PARTIAL = 200      # 6,000 PyIBL choices with partial matching, about 3-6 s
N_COGSIM_PARTIAL = 2000
P_TRIALS, P_BLOCK = 30, 10
WEIGHTS = np.array([1.0, 3.0])     # outcome = x + 3 y + N(0, 0.5^2)
OUTCOME_SD = 0.5


def partial_environment(rng: np.random.Generator, n_agents: int):
    """Two random options (x, y) in [0, 1]^2 per trial and agent, and outcome noise."""
    options = rng.random((P_TRIALS, n_agents, 2, 2))
    noise = rng.normal(0.0, OUTCOME_SD, (P_TRIALS, n_agents))
    return options, noise


PARTIAL_PARAMS = dict(noise=0.25, decay=0.5, mismatch_penalty=1.0)


def pyibl_partial(n_agents: int, seed: int) -> np.ndarray:
    """PyIBL on the partial-matching task; 1 where the better option was chosen."""
    random.seed(seed)
    options, noise = partial_environment(np.random.default_rng(seed), n_agents)
    agent = pyibl.Agent(["x", "y"], **PARTIAL_PARAMS)
    agent.similarity(["x", "y"], pyibl.bounded_linear_similarity(0, 1), 0.5)
    out = np.empty((P_TRIALS, n_agents), dtype=np.int64)
    for i in range(n_agents):
        agent.reset()
        agent.populate([(0.5, 0.5)], 2.0)
        for t in range(P_TRIALS):
            offered = [tuple(map(float, o)) for o in options[t, i]]
            k = offered.index(agent.choose(offered))
            value = options[t, i] @ WEIGHTS
            agent.respond(float(value[k] + noise[t, i]))
            out[t, i] = value[k] >= value[1 - k]
    return out


def cogsim_partial(n_agents: int, seed: int, **params) -> np.ndarray:
    """cogsim's IBLBatch on the partial-matching task; 1 where the better option won."""
    p = dict(PARTIAL_PARAMS)
    p.update(params)
    rng = np.random.default_rng(seed)
    options, noise = partial_environment(rng, n_agents)
    agents = IBLBatch(n_agents, ["x", "y"], seed=rng, **p)
    agents.similarity(["x", "y"], bounded_linear_similarity(0, 1), weight=0.5)
    agents.populate(np.array([[0.5, 0.5]]), 2.0)
    rows = np.arange(n_agents)
    out = np.empty((P_TRIALS, n_agents), dtype=np.int64)
    for t in range(P_TRIALS):
        k = agents.choose(options[t])
        value = options[t] @ WEIGHTS
        agents.respond(value[rows, k] + noise[t])
        out[t] = value[rows, k] >= value[rows, 1 - k]
    return out


@pytest.fixture(scope="module")
def partial_ref():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyibl_partial(N_PYIBL_PARTIAL, seed=20240621)


@pytest.fixture(scope="module")
def partial_sut():
    return cogsim_partial(N_COGSIM_PARTIAL, seed=20240622)


def test_partial_matching_task_matches_pyibl(partial_ref, partial_sut):
    """Choosing the better of two options (x, y) in [0,1]^2 whose outcome is x + 3y plus
    normal noise (sd 0.5); bounded_linear_similarity(0, 1) with weight 0.5 on x and y,
    mismatch penalty 1, noise 0.25, decay 0.5, one instance (0.5, 0.5) -> 2 populated;
    30 trials in 3 blocks of 10.  The measure is the rate of choosing the option with
    the higher expected outcome.

    Test: Welch t test per block on per-agent block rates, plus one on the per-agent
    overall rate; Holm over these 4 tests at family-wise alpha 0.01.  Samples: 200 PyIBL
    agents, 2000 cogsim agents.  Power (block-rate SDs about 0.15, overall SD 0.09): 0.91
    to detect a difference of 0.05 in any one block rate and 0.92 for a difference of
    0.03 in the overall rate; about 0.7 for 0.04 in a block.
    """
    p = compare_curves(partial_ref, partial_sut, P_BLOCK)
    assert not holm(p), describe(p)


def test_partial_matching_task_power(partial_ref, partial_sut):
    """Measured 0.91 (0.05 in a block) and 0.92 (0.03 overall); asserted >= 0.85."""
    per_block, overall = design_power(partial_ref, partial_sut, P_BLOCK, 0.05, 0.03)
    assert per_block >= 0.85, per_block
    assert overall >= 0.85, overall


@pytest.mark.parametrize("params", [dict(noise=1.0), dict(mismatch_penalty=5.0),
                                    dict(noise=0.5)],
                         ids=["noise=1.0", "mismatch_penalty=5.0", "noise=0.5"])
def test_partial_matching_task_negative_control(partial_ref, params):
    """A different noise or mismatch penalty in cogsim is detected against PyIBL.

    noise 1.0 lowers the better-option rate by 0.07-0.11, mismatch penalty 5 raises it by
    0.10-0.18, noise 0.5 lowers it by 0.03-0.07.
    """
    sut = cogsim_partial(N_COGSIM_PARTIAL, seed=20240623, **params)
    p = compare_curves(partial_ref, sut, P_BLOCK)
    assert holm(p), describe(p)
