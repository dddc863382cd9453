"""The variants behind NOTES.md's "What was tried": each group of figures, by name.

Every variant is the IBL description model (``cogsim.ibl.described``) with some
parameters free (fitted on 100 training rows by ``fit.run``: DE then Nelder-Mead) and the
others fixed; one line per draw with the fitted parameters and the held-out MSE.

    python experiments/choices13k/what_was_tried.py base          # NOTES: "Base ..."
    python experiments/choices13k/what_was_tried.py fourth        # "4th parameter ..."
    python experiments/choices13k/what_was_tried.py redescribe    # "Re-reading ..."
    python experiments/choices13k/what_was_tried.py forms         # "Curvature + lapse ..."
    python experiments/choices13k/what_was_tried.py description   # "Does the description matter?"
    python experiments/choices13k/what_was_tried.py samples       # "k imagined draws"
    python experiments/choices13k/what_was_tried.py monte_carlo   # "Monte Carlo error"

Numbers match NOTES.md up to optimizer and Monte Carlo noise (+-0.001): the runs recorded
there were made while the model was being written, with the same arithmetic.  The
"before" model of the first groups (no curvature, no lapse) is the current model with
``curvature = 1`` and ``lapse = 0`` fixed.  Variants of knobs that were removed from the
model (described weight p**gamma, loss aversion, partial matching on the option) cannot be
rerun; NOTES.md keeps their figures as recorded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from fit import load, run

from cogsim.ibl.described import IBLDescriptionModel
from cogsim.protocol import Parameter

#: Search boxes of the exploration (wider than the final model's for decay and weight).
BOXES = {"noise": (0.05, 3.0), "decay": (0.0, 8.0), "weight": (0.0, 40.0),
         "curvature": (0.3, 1.2), "lapse": (0.0, 0.5), "tau": (0.05, 3.0)}
#: The model before curvature and lapse were added.
BEFORE = {"curvature": 1.0, "lapse": 0.0}


class FreeTemperature(IBLDescriptionModel):
    """The model with the blending temperature as a free parameter ``tau``."""

    parameters = (*IBLDescriptionModel.parameters,
                  Parameter("tau", 1.0, low=0.01, bounds=BOXES["tau"], free=False))

    @property
    def tau(self) -> float:
        return float(self._params["tau"])


def variant(free: list[str], fixed: dict | None = None, boxes: dict | None = None,
            base: type = IBLDescriptionModel, **settings) -> Callable[[], IBLDescriptionModel]:
    """A factory of models with ``free`` parameters fitted in ``boxes`` and ``fixed``
    ones (and constructor ``settings``) given."""
    box = {**BOXES, **(boxes or {})}

    class Variant(base):
        param_names = tuple(free)
        bounds = {n: box[n] for n in free}

    return lambda: Variant(**(fixed or {}), **settings)


def base(data) -> None:
    """k = 1..20 imagined draws, resampled or not, description equal or p-weighted."""
    for k in [1, 3, 5, 10, 20]:
        for resample in [True, False]:
            for described in ["equal", "probability"]:
                run(variant(["noise", "decay", "weight"], BEFORE, n_samples=k,
                            resample=resample, described=described),
                    f"k={k} resample={resample} {described}", draws=(0,), data=data,
                    maxiter=20)


def fourth(data) -> None:
    """A fourth parameter on (noise, decay, weight): temperature, curvature or lapse."""
    for k in [1, 3]:
        run(variant(["noise", "decay", "weight", "tau"], BEFORE, base=FreeTemperature,
                    n_samples=k), f"k={k} +temperature", draws=(0,), data=data, maxiter=25)
        run(variant(["noise", "decay", "weight", "curvature"], {"lapse": 0.0}, n_samples=k),
            f"k={k} +curvature", draws=(0,), data=data, maxiter=25)
        run(variant(["noise", "decay", "weight", "lapse"], {"curvature": 1.0}, n_samples=k),
            f"k={k} +lapse", draws=(0,), data=data, maxiter=25)


def redescribe(data) -> None:
    """The description re-read before every trial, with a lapse."""
    for k in [1, 3]:
        run(variant(["noise", "decay", "weight", "lapse"], {"curvature": 1.0}, n_samples=k,
                    redescribe=True), f"k={k} +lapse redescribe", draws=(0,), data=data,
            maxiter=25)


def forms(data) -> None:
    """Curvature and lapse together: which of decay and weight to free (k = 3, 3 draws)."""
    wide = {"weight": (0.0, 100.0)}
    cands = {
        "A d=8 free w": variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0},
                                wide, n_samples=3),
        "B d=8 free w redescribe": variant(["noise", "weight", "curvature", "lapse"],
                                           {"decay": 8.0}, wide, n_samples=3, redescribe=True),
        "C w=1 free d redescribe": variant(["noise", "decay", "curvature", "lapse"],
                                           {"weight": 1.0}, wide, n_samples=3, redescribe=True),
        "D w=1 free d (final form)": variant(["noise", "decay", "curvature", "lapse"],
                                             {"weight": 1.0}, wide, n_samples=3),
    }
    for label, make in cands.items():
        run(make, label, data=data, maxiter=25)


def description(data) -> None:
    """No description (weight 0), p-weighted description, description on trial 1 only."""
    wide = {"weight": (0.0, 100.0)}
    run(variant(["noise", "curvature", "lapse"], {"decay": 8.0, "weight": 0.0}, n_samples=3),
        "E d=8 w=0 (no description)", data=data, maxiter=25)
    run(variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0}, wide, n_samples=3,
                described="probability"), "F d=8 described=probability", data=data, maxiter=25)
    run(variant(["noise", "curvature", "lapse"], {"decay": 8.0, "weight": 1000.0},
                n_samples=3), "G d=8 w=1000", data=data, maxiter=25)


def samples(data) -> None:
    """The number k of imagined draws per option."""
    for k in [1, 2, 3, 5]:
        run(variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0}, n_samples=k),
            f"k={k} d=8 +curv+lapse", draws=(1, 2), data=data, maxiter=25)
    for k in [5, 10]:
        run(variant(["noise", "decay", "curvature", "lapse"], {"weight": 1.0},
                    {"decay": (0.0, 10.0)}, n_samples=k), f"D k={k} w=1 free d", data=data,
            maxiter=25)


def monte_carlo(data) -> None:
    """Scoring with 1000 instead of 100 agents per problem."""
    run(variant(["noise", "decay", "weight", "lapse"], {"curvature": 1.0}, n_samples=1),
        "k=1 +lapse scored with 1000 agents", draws=(0,), data=data, maxiter=25,
        eval_agents=1000)


GROUPS = {f.__name__: f for f in (base, fourth, redescribe, forms, description, samples,
                                   monte_carlo)}

if __name__ == "__main__":
    names = sys.argv[1:] or list(GROUPS)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        sys.exit(f"unknown group(s) {unknown}; expected some of {list(GROUPS)}")
    data = load()
    for name in names:
        print(f"# {name}: {GROUPS[name].__doc__.splitlines()[0]}", flush=True)
        GROUPS[name](data)
