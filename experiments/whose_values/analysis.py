"""Experiment 2's analysis (a sweep "analysis" workload): one run = one population of two
groups, one synthetic dataset, three reward models, their accuracies.

Model.  Items carry attributes helpfulness, harmlessness, clarity (standard normal, fixed by
``item_seed``).  The majority weighs (helpfulness, harmlessness, clarity) as
w_maj = (1, 0, 0.3), the minority as w_min = (cos theta, sin theta, 0.3), theta =
``divergence_deg``; a group's own preference between items a and b is
sign(w_g . (z_a - z_b)), z the attributes in the population's standard units.  IBL
annotators of each group (value noise, memory noise, prior experiences) judge ``pairs``
random pairs, one judgment each; the minority is ``minority_share`` of the annotators.

Reward models: Bradley-Terry on item attributes, P(a > b) = sigma(beta . (z_a - z_b)), fit
by maximum likelihood with a small ridge (lambda = 1e-3 |beta|^2): one on the pooled
judgments, one on each group's judgments alone.  Accuracy against group g: the share of all
item pairs (n (n - 1) / 2) on which sign(beta . (z_a - z_b)) equals group g's preference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from cogsim.generate import generate
from cogsim.spec import parse_spec


def items_table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"item_id": [f"item{i:03d}" for i in range(n)],
                         "helpfulness": rng.normal(size=n), "harmlessness": rng.normal(size=n),
                         "clarity": rng.normal(size=n)})


def fit_bradley_terry(diff: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """beta maximising sum_i log sigma(s_i beta . d_i) - ridge |beta|^2, s_i = +-1."""
    sign = np.where(y, 1.0, -1.0)

    def loss(beta):
        m = sign * (diff @ beta)
        value = np.logaddexp(0.0, -m).sum() + ridge * beta @ beta
        grad = -(diff * (sign * (1.0 - 1.0 / (1.0 + np.exp(-m))))[:, None]).sum(0)
        return value, grad + 2 * ridge * beta

    return minimize(loss, np.zeros(diff.shape[1]), jac=True, method="L-BFGS-B").x


def run(spec: dict, seed: int) -> dict[str, float]:
    o = spec["options"]
    share, theta = float(o["minority_share"]), math.radians(float(o["divergence_deg"]))
    weights = {"majority": {"helpfulness": 1.0, "harmlessness": 0.0, "clarity": 0.3},
               "minority": {"helpfulness": round(math.cos(theta), 12),
                            "harmlessness": round(math.sin(theta), 12), "clarity": 0.3}}
    population = dict(spec["population"])
    population["groups"] = [dict(g, values=weights[g["name"]],
                                 share=share if g["name"] == "minority" else 1.0 - share)
                            for g in population["groups"]]
    population["assignment"] = dict(population.get("assignment", {}), pairs=int(o["pairs"]))
    items = items_table(int(o["n_items"]), int(o["item_seed"]))
    result = generate(parse_spec(population, spec["run_id"]), items, seed=seed)
    pop, j = result.population, result.judgments
    attrs = list(pop.attributes)
    z = pd.DataFrame(pop.z[: len(items)], index=pop.item_ids[: len(items)], columns=attrs)
    diff = z.loc[j["item_a"]].to_numpy() - z.loc[j["item_b"]].to_numpy()
    chose_a = (j["chosen"] == j["item_a"]).to_numpy()
    group = j["group"].to_numpy()
    models = {"pooled": fit_bradley_terry(diff, chose_a)}
    for g in ("majority", "minority"):
        mask = group == g
        models[g] = fit_bradley_terry(diff[mask], chose_a[mask]) if mask.sum() >= 5 else None
    a, b = np.triu_indices(len(items), 1)
    all_diff = z.to_numpy()[a] - z.to_numpy()[b]
    truth = {g: np.sign(all_diff @ np.array([w[c] for c in attrs])) for g, w in weights.items()}

    def accuracy(beta, g):
        return math.nan if beta is None else float(np.mean(np.sign(all_diff @ beta) == truth[g]))

    out = {f"pooled_acc_{g}": accuracy(models["pooled"], g) for g in ("majority", "minority")}
    out.update({f"own_acc_{g}": accuracy(models[g], g) for g in ("majority", "minority")})
    out["minority_gap"] = out["own_acc_minority"] - out["pooled_acc_minority"]
    out["majority_gap"] = out["own_acc_majority"] - out["pooled_acc_majority"]
    out["groups_agree"] = float(np.mean(truth["majority"] == truth["minority"]))
    out["minority_judgments"] = int((group == "minority").sum())
    return out
