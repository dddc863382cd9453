"""Fit IBL and delta-rule populations on 30 people of the Niv risk data; test on the rest.

For each random draw of 30 training people (``--draws``), each model's parameters are
fitted by minimising the negative log-likelihood of the training people's choices
(scipy's differential evolution over the model's ``bounds``, then Nelder-Mead from its
best point), then scored on the other 533 people (IBL likelihoods fitted with
M = ``--samples`` noise draws and scored with M = ``--eval-samples``: the log of a simulated
probability is biased low, less so with more draws):

* ``ll_per_choice``: mean log P of a held-out person's choice on two-option trials (the
  population mixture likelihood, see `cogsim.ibl.repeated`); chance is log 0.5 = -0.693;
* ``msd_risky``: mean squared difference, over 4 blocks of 44 trials, between the rate of
  choosing the risky option S2 on the risk trials (type 2, S2 vs S3) of the simulated
  population (``--agents`` agents per held-out person, on that person's trial sequence)
  and of the held-out people;
* ``msd_all``: the same over all five choice-trial types (rate of choosing option A).

Usage::

    python experiments/niv/fit.py                 # 3 draws, the results in NOTES.md
    python experiments/niv/fit.py --draws 1 --quick

Writes ``experiments/niv/results.json`` (or ``--out``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, minimize

from cogsim.baselines.delta_rule import DeltaRuleModel, DeltaRulePopulation
from cogsim.datasets import fetch_niv_riskdata
from cogsim.fidelity.repeated import block_rates
from cogsim.ibl.repeated import IBLRepeatedModel

HERE = Path(__file__).resolve().parent
DATA_HOME = HERE.parents[2] / "shared" / "data"


class IBLLapse(IBLRepeatedModel):
    """IBL with prior instances and a lapse rate instead of a free default utility."""

    param_names = ("noise", "noise_spread", "decay", "lapse")


def make_models(ibl_settings: dict) -> dict:
    """The candidate models, by name: factory(**params) -> model."""
    return {
        # the baseline of the task: one (alpha, beta, q0) for everybody
        "delta": lambda **p: DeltaRuleModel(**p, seed=1),
        # the baseline with the same population mixture as IBL (lognormal beta)
        "delta_pop": lambda **p: DeltaRulePopulation(**p, seed=1),
        # IBL population: lognormal noise; every option prepopulated at time 0 with the
        # default utility and the payoff range (0 and 4 cents)
        "ibl_pop": lambda **p: IBLRepeatedModel(**p, prior=(0.0, 4.0), seed=1, **ibl_settings),
        # plain PyIBL semantics: only the default utility, populated on first use
        "ibl_plain": lambda **p: IBLRepeatedModel(**p, seed=1, **ibl_settings),
        # prior instances 0, 2, 4 and a lapse (random choice) rate
        "ibl_lapse": lambda **p: IBLLapse(**{"default_utility": 2.0, **p}, prior=(0.0, 4.0),
                                          seed=1, **ibl_settings),
    }


def fit(factory, train: pd.DataFrame, *, maxiter: int, popsize: int, seed: int,
        fixed: dict | None = None) -> tuple[dict, float, float]:
    """Minimise the training NLL: differential evolution, then Nelder-Mead polishing."""
    model = factory()
    fixed = fixed or {}
    names = [n for n in model.param_names if n not in fixed]
    bounds = [model.bounds[n] for n in names]
    model.set_params(**fixed)

    def nll(x):
        x = np.clip(x, [b[0] for b in bounds], [b[1] for b in bounds])
        model.set_params(**dict(zip(names, map(float, x))))
        return -float(model.trial_log_likelihood(train).sum())

    t0 = time.perf_counter()
    de = differential_evolution(nll, bounds, maxiter=maxiter, popsize=popsize, seed=seed,
                                polish=False, tol=1e-6, init="sobol")
    local = minimize(nll, de.x, method="Nelder-Mead",
                     options=dict(maxfev=300, xatol=1e-3, fatol=1e-3))
    best = local if local.fun <= de.fun else de
    x = np.clip(best.x, [b[0] for b in bounds], [b[1] for b in bounds])
    params = {**fixed, **dict(zip(names, map(float, x)))}
    return params, float(best.fun), time.perf_counter() - t0


def rates_all(t: pd.DataFrame, n_blocks: int = 4) -> np.ndarray:
    """(5 types x n_blocks) rate of choosing option A on the choice-trial types 1-5."""
    return np.array([block_rates(t.assign(response=np.where(t["response"] == t["option_a"],
                                                            "A", "B")),
                                 trialtype=k, n_blocks=n_blocks, risky="A")["rate"]
                     for k in range(1, 6)])


def evaluate(model, test: pd.DataFrame, n_agents: int) -> dict:
    """Held-out log-likelihood per choice and block-rate MSDs of the simulated population."""
    t0 = time.perf_counter()
    ll = model.trial_log_likelihood(test)
    t_ll = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = model.simulate(test, n_agents=n_agents)
    t_sim = time.perf_counter() - t0
    human_risk = block_rates(test)["rate"].to_numpy()
    sim_risk = block_rates(sim)["rate"].to_numpy()
    human_all, sim_all = rates_all(test), rates_all(sim)
    return dict(ll_per_choice=float(ll.mean()), ll_total=float(ll.sum()),
                msd_risky=float(np.mean((sim_risk - human_risk) ** 2)),
                msd_all=float(np.mean((sim_all - human_all) ** 2)),
                human_risky=human_risk.round(4).tolist(), sim_risky=sim_risk.round(4).tolist(),
                sim_all=sim_all.round(3).tolist(), human_all=human_all.round(3).tolist(),
                seconds_ll=round(t_ll, 2), seconds_sim=round(t_sim, 2))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=3, help="random draws of the 30 people")
    ap.add_argument("--draw-ids", type=int, nargs="*", help="run only these draws")
    ap.add_argument("--n-train", type=int, default=30)
    ap.add_argument("--models", default="delta,delta_pop,ibl_pop",
                    help="comma-separated: delta, delta_pop, ibl_pop, ibl_plain, ibl_lapse")
    ap.add_argument("--agents", type=int, default=10, help="simulated agents per person")
    ap.add_argument("--samples", type=int, default=32, help="IBL noise draws M per option")
    ap.add_argument("--levels", type=int, default=8, help="IBL population noise levels K")
    ap.add_argument("--eval-samples", type=int, default=128,
                    help="IBL noise draws M for the held-out likelihood")
    ap.add_argument("--maxiter", type=int, default=20)
    ap.add_argument("--popsize", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="small optimiser budget")
    ap.add_argument("--fix", default="", help="fixed IBL params, e.g. noise_spread=0")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    if args.quick:
        args.maxiter, args.popsize = 8, 6
    fixed = {k: float(v) for k, v in (kv.split("=") for kv in args.fix.split(",") if kv)}
    data = fetch_niv_riskdata(DATA_HOME)
    people = np.sort(data["subject"].unique())
    models = make_models(dict(n_samples=args.samples, n_draws=args.levels))
    scorers = make_models(dict(n_samples=args.eval_samples, n_draws=args.levels))
    results = []
    for draw in args.draw_ids or range(args.draws):
        rng = np.random.default_rng(draw)
        train_ids = rng.choice(people, args.n_train, replace=False)
        train = data[data["subject"].isin(train_ids)]
        test = data[~data["subject"].isin(train_ids)]
        for name in args.models.split(","):
            params, nll, secs = fit(models[name], train, maxiter=args.maxiter,
                                    popsize=args.popsize, seed=draw,
                                    fixed=fixed if name.startswith("ibl") else None)
            scores = evaluate(scorers[name](**params), test, args.agents)
            row = dict(draw=draw, model=name, params={k: round(v, 4) for k, v in params.items()},
                       train_nll=round(nll, 2), seconds_fit=round(secs, 1), **scores)
            results.append(row)
            print(f"draw {draw} {name:10s} ll/choice {row['ll_per_choice']:.4f}  "
                  f"msd_risky {row['msd_risky']:.5f}  msd_all {row['msd_all']:.4f}  "
                  f"fit {secs:.0f}s  {row['params']}", flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    df = pd.DataFrame(results)
    print(df.groupby("model")[["ll_per_choice", "msd_risky", "msd_all"]].agg(["mean", "std"]))


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
