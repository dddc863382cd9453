"""Which model class a ``--model`` name means for each kind of data, and rebuilding a fitted
model from its ``params.json``."""

from __future__ import annotations

import importlib

from cogsim.errors import InputError

__all__ = ["MODELS", "BASELINES", "model_class", "class_path", "build_model"]

#: (model name, data kind) -> "module:Class".
MODELS: dict[tuple[str, str], str] = {
    ("ibl", "rates"): "cogsim.ibl.description:IBLDescriptionModel",
    ("actr", "rates"): "cogsim.actr.gambles:ACTRDescriptionModel",
    ("ev", "rates"): "cogsim.baselines.prospect:ExpectedValueModel",
    ("cpt", "rates"): "cogsim.baselines.prospect:ProspectTheoryModel",
    ("ibl", "trials"): "cogsim.ibl.repeated:IBLRepeatedModel",
    ("rl", "trials"): "cogsim.baselines.delta_rule:DeltaRuleModel",
}
#: The baseline each kind of data is compared against.
BASELINES: dict[str, str] = {"rates": "cpt", "trials": "rl"}

_DATA_WORDS = {"rates": "choice rates of described gambles",
               "trials": "individual repeated choices with feedback"}


def model_class(name: str, kind: str, option: str = "--model") -> type:
    """The class of model ``name`` for data of ``kind``; InputError naming ``option`` and
    what fits."""
    path = MODELS.get((name, kind))
    if path is None:
        fits = sorted(n for n, k in MODELS if k == kind)
        known = sorted({n for n, _ in MODELS})
        if name not in known:
            raise InputError(f"option {option}: expected one of {', '.join(known)}, "
                             f"got {name!r}")
        raise InputError(f"option {option}: {name!r} does not model {_DATA_WORDS[kind]}; "
                         f"expected one of {', '.join(fits)}")
    module, cls = path.split(":")
    return getattr(importlib.import_module(module), cls)


def class_path(model) -> str:
    return f"{type(model).__module__}:{type(model).__name__}"


def build_model(path: str, params: dict[str, float], seed: int = 0, **settings):
    """A model of the class at ``path`` (one of `MODELS`) with ``params`` set."""
    if path not in MODELS.values():
        raise ValueError(f"unknown model class {path!r}; expected one of "
                         f"{sorted(set(MODELS.values()))}")
    module, cls = path.split(":")
    model = getattr(importlib.import_module(module), cls)(seed=seed, **settings)
    missing = [n for n in model.param_names if n not in params]
    if missing:
        raise ValueError(f"expected values for {', '.join(model.param_names)}; "
                         f"missing {', '.join(missing)}")
    return model.set_params(**params)
