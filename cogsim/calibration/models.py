"""The registry of calibratable models: a short name per kind of data -> the model class.

=====  ============  ===============================================================
key    kind          model
=====  ============  ===============================================================
ibl    ``rates``     `cogsim.ibl.described.IBLDescriptionModel` (described gambles)
actr   ``rates``     `cogsim.actr.described.ACTRDescriptionModel`
ev     ``rates``     `cogsim.baselines.prospect.ExpectedValueModel`
cpt    ``rates``     `cogsim.baselines.prospect.ProspectTheoryModel`
cpt_scaled ``rates`` `cogsim.baselines.prospect.ScaledProspectTheoryModel` (logit / range)
beast  ``rates``     `cogsim.baselines.beast.BEASTModel` (BEAST.sd)
ibl    ``trials``    `cogsim.ibl.repeated.IBLRepeatedModel` (a population of agents)
rl     ``trials``    `cogsim.baselines.delta_rule.DeltaRuleModel`
rl_pop ``trials``    `cogsim.baselines.delta_rule.DeltaRulePopulation` (beta spread)
=====  ============  ===============================================================

Every class follows :mod:`cogsim.protocol` and declares its ``data_kind``.  ``params.json``
names a model by (key, kind), never by a module path; files written before carry a
``"class"`` module path, which `resolve` maps to its key (`LEGACY_CLASSES`).  Classes are
imported only when asked for, so that the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from cogsim.errors import InputError
from cogsim.protocol import DATA_KINDS

__all__ = ["MODELS", "BASELINES", "LEGACY_CLASSES", "model_class", "registry_key",
           "resolve", "build_model", "class_path"]

#: (key, kind) -> "module:Class".  The only place module paths are written down.
MODELS: dict[tuple[str, str], str] = {
    ("ibl", "rates"): "cogsim.ibl.described:IBLDescriptionModel",
    ("actr", "rates"): "cogsim.actr.described:ACTRDescriptionModel",
    ("ev", "rates"): "cogsim.baselines.prospect:ExpectedValueModel",
    ("cpt", "rates"): "cogsim.baselines.prospect:ProspectTheoryModel",
    ("cpt_scaled", "rates"): "cogsim.baselines.prospect:ScaledProspectTheoryModel",
    ("beast", "rates"): "cogsim.baselines.beast:BEASTModel",
    ("ibl", "trials"): "cogsim.ibl.repeated:IBLRepeatedModel",
    ("rl", "trials"): "cogsim.baselines.delta_rule:DeltaRuleModel",
    ("rl_pop", "trials"): "cogsim.baselines.delta_rule:DeltaRulePopulation",
}
#: The baseline each kind of data is compared against by default (the fair ones: CPT with
#: its logit scaled by the payoff range; the delta rule with a population).
BASELINES: dict[str, str] = {"rates": "cpt_scaled", "trials": "rl_pop"}
#: The ``"class"`` of params.json files written before the registry keys -> (key, kind).
LEGACY_CLASSES: dict[str, tuple[str, str]] = {
    **{path: key for key, path in MODELS.items()},
    "cogsim.ibl.description:IBLDescriptionModel": ("ibl", "rates"),      # module renamed
    "cogsim.actr.gambles:ACTRDescriptionModel": ("actr", "rates"),       # module renamed
}


def _load(path: str) -> type:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def model_class(key: str, kind: str, option: str = "--model") -> type:
    """The class registered as ``key`` for data of ``kind``.

    Raises
    ------
    InputError
        Naming ``option``, what was given and the keys that fit the data.
    """
    if kind not in DATA_KINDS:
        raise InputError(f"{option}: unknown kind of data {kind!r}; expected one of "
                         f"{', '.join(DATA_KINDS)}")
    path = MODELS.get((key, kind))
    if path is None:
        fits = sorted(k for k, d in MODELS if d == kind)
        known = sorted({k for k, _ in MODELS})
        if key not in known:
            raise InputError(f"option {option}: expected one of {', '.join(known)}, "
                             f"got {key!r}")
        raise InputError(f"option {option}: {key!r} does not model {DATA_KINDS[kind]}; "
                         f"expected one of {', '.join(fits)}")
    return _load(path)


def registry_key(model: Any) -> tuple[str, str]:
    """(key, kind) of a registered model (an instance or a class); a subclass counts as the
    registered class it derives from."""
    cls = model if isinstance(model, type) else type(model)
    for klass in cls.__mro__:
        path = f"{klass.__module__}:{klass.__qualname__}"
        if path in LEGACY_CLASSES:
            return LEGACY_CLASSES[path]
    raise InputError(f"{cls.__name__} is not a registered model; expected one of "
                     f"{', '.join(sorted(set(MODELS.values())))}")


def resolve(model: str | None, kind: str | None = None, legacy_class: str | None = None,
            source: str = "params") -> tuple[str, str]:
    """(key, kind) from what a params.json names: ``model`` and ``kind``, or (older files)
    a ``"class"`` module path.  InputError naming ``source`` otherwise."""
    if kind is None and legacy_class is not None:
        if legacy_class not in LEGACY_CLASSES:
            raise InputError(f"{source}: field 'class': unknown model class "
                             f"{legacy_class!r}; expected a model named by 'model' and 'kind' "
                             f"(e.g. \"model\": \"ibl\", \"kind\": \"rates\")")
        return LEGACY_CLASSES[legacy_class]
    if not isinstance(model, str) or not isinstance(kind, str):
        raise InputError(f"{source}: expected fields 'model' (one of "
                         f"{', '.join(sorted({k for k, _ in MODELS}))}) and 'kind' (one of "
                         f"{', '.join(DATA_KINDS)}), got model={model!r}, kind={kind!r}")
    if kind not in DATA_KINDS:
        raise InputError(f"{source}: field 'kind': expected one of {', '.join(DATA_KINDS)}, "
                         f"got {kind!r}")
    if (model, kind) not in MODELS:
        fits = sorted(k for k, d in MODELS if d == kind)
        raise InputError(f"{source}: field 'model': expected one of {', '.join(fits)} for "
                         f"{DATA_KINDS[kind]}, got {model!r}")
    return model, kind


def build_model(model: str, params: dict[str, float], seed: int = 0, *,
                kind: str | None = None, **settings: Any):
    """A registered model with ``params`` set.

    Parameters
    ----------
    model : str
        A registry key (with ``kind``), or the ``"module:Class"`` path of an older
        params.json (mapped to its key).
    params : dict
        A value for every free parameter.
    seed : int
    kind : {"rates", "trials"}, optional
        The kind of data; needed with a key.
    **settings
        Constructor settings (``n_agents``, ``prior``, ...).

    Raises
    ------
    InputError
        Unknown model, or missing, unknown or bad parameter values (naming the parameter).
    """
    if kind is None:
        key, kind = resolve(None, None, model, source="model")
    else:
        key, kind = resolve(model, kind, source="model")
    cls = model_class(key, kind)
    missing = [n for n in cls.param_names if n not in params]
    if missing:
        raise InputError(f"expected values for {', '.join(cls.param_names)}; "
                         f"missing {', '.join(missing)}")
    return cls(seed=seed, **settings).set_params(**params)


def class_path(model: Any) -> str:
    """``"module:Class"`` of a model (for messages and old files; params.json stores keys)."""
    return f"{type(model).__module__}:{type(model).__name__}"
