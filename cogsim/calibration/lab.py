"""One IBL calibration for online and lab data: shared memory parameters, a lapse per source.

choices13k's online participants choose at random far more often than lab participants
(14.8% dominated choices against about 3%), so a lapse fitted online squeezes lab predictions
towards 1/2.  `JointIBL` shares the IBL description account's noise, decay and curvature
across data sets and gives each source its own lapse (``lapse_online`` for choices13k's
5-trial protocol, ``lapse_lab`` for the 25-trial CPC protocol), with the decay bounded to a
plausible range (0.05-2; ACT-R's conventional value is 0.5) so that experience from earlier
blocks is remembered.  `JointRateData` is the objective:

.. math::  L(\\theta) = \\tfrac12\\,MSE_{online}(\\theta, lapse_{online})
                      + \\tfrac12\\,MSE_{lab}(\\theta, lapse_{lab})

`lab_record` turns a fit into the params.json record of an ordinary ``ibl`` rates model with
``lapse = lapse_lab`` and the lab settings, which ``cogsim predict --protocol cpc`` reads.

`LAB_DESIGN` is the account the lab calibration uses (chosen on development splits of CPC15 by
``calibration/lab/develop.py``, see calibration/lab/README.md): `IBLDescriptionModel` with

* ``described="share"``: a description is one unit of references at time 0, shared equally
  by the outcomes (here: events) it lists -- a 9-outcome lottery is not nine times as
  present in memory as a sure payoff;
* ``paired=True, coupling="rank"``: an instance is an event, the payoffs of A and B
  together, and one retrieval blends both options (`cogsim.ibl.paired`); described and
  imagined events pair the options' outcomes by rank (feedback pairs what was seen);
* ``imagine_after_feedback=False``: imagined draws only until payoffs are seen;
* ``ambiguity="dirichlet_like_other"``: each agent imagines an ambiguous option with its own
  probabilities, drawn from a Dirichlet centred, as BEAST assumes, so that the option's mean
  is halfway between its equal-probability mean and the other option's expected value
  (`cogsim.ibl.ambiguity`; chosen on the development splits after the first CPC18 test's
  residuals pointed at ambiguity, in place of the flat Dirichlet of the first design);
* ``loss_aversion`` fitted (shared), with noise, decay and curvature; a lapse per source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cogsim.calibration.data import RateData

__all__ = ["JointIBL", "Shared", "JointRateData", "LAB_SETTINGS", "LAB_DESIGN", "DECAY_BOUNDS",
           "EXTRA_BOUNDS", "lab_record", "problem_classes"]

#: Settings of the lab account: those of the online account (each described outcome one
#: instance at time 0, three imagined draws per option before each choice).  Two-fold
#: cross-validation over CPC15 chose them over the description kept on screen (stored again
#: before every trial, by probability or equally): held-out block-rate MSD 0.0182 against
#: 0.0183 and 0.0193 -- no real difference.
LAB_SETTINGS: dict = {"redescribe": False, "described": "equal", "n_samples": 3}
#: The lab calibration's account: settings, fitted fixed parameters, per-source parameters
#: (the keywords of `JointIBL`).
LAB_DESIGN: dict = {
    "settings": {**LAB_SETTINGS, "described": "share", "paired": True, "coupling": "rank",
                 "imagine_after_feedback": False, "ambiguity": "dirichlet_like_other"},
    "fitted": ("loss_aversion",),
    "per_source": ("lapse",),
}
#: The decay's search range: memory of earlier blocks survives (decay 5-8 forgets in a trial).
DECAY_BOUNDS = (0.05, 2.0)


def problem_classes(problems) -> dict[str, np.ndarray]:
    """Boolean masks of the problem classes residuals are broken down by: ``ambiguous``
    (B's probabilities hidden), ``correlated`` (``Corr`` not 0), ``lottery`` (B a
    multi-outcome lottery), ``rare`` (an outcome of probability <= 0.1)."""
    from cogsim.tasks.gambles import check_problems, pad_problems

    pad = pad_problems(check_problems(problems))
    rare = np.minimum(np.where(pad.pa > 0, pad.pa, 1).min(1),
                      np.where(pad.pb > 0, pad.pb, 1).min(1)) <= 0.1
    corr = problems["Corr"].to_numpy() != 0
    lot = (problems["LotShapeB"].astype(str) != "-").to_numpy()
    return {"ambiguous": pad.amb.astype(bool), "correlated": corr, "lottery": lot,
            "rare": rare}


class JointIBL:
    """IBL description models sharing noise, decay and curvature, one lapse per source.

    Parameters
    ----------
    settings : dict
        Constructor settings of every `IBLDescriptionModel` (default `LAB_SETTINGS`); may
        fix ``inertia`` or ``weight`` to a value.
    seed : int
    n_agents : int
        Simulated agents per problem.
    fitted : tuple of str
        Fixed parameters of `IBLDescriptionModel` fitted too, shared by both sources
        (``"inertia"``, ``"weight"``, ``"frequency_power"``, ``"loss_aversion"``, ``"temperature"``,
        ``"pessimism"``; bounds in `EXTRA_BOUNDS`).
    per_source : tuple of str
        Parameters with one value per source (``lapse`` always; ``noise`` or a fixed
        parameter such as ``pessimism`` may be added): ``<name>_online`` and ``<name>_lab``.
    """

    #: The defaults' names and bounds (an instance with ``fitted`` or ``per_source`` has
    #: its own).
    param_names: tuple[str, ...] = ("noise", "decay", "curvature", "lapse_online",
                                    "lapse_lab")
    bounds: dict = {"noise": (0.05, 3.0), "decay": DECAY_BOUNDS, "curvature": (0.2, 1.2),
                    "lapse_online": (0.0, 0.6), "lapse_lab": (0.0, 0.6)}

    def __init__(self, settings: dict | None = None, *, seed: int = 0, n_agents: int = 100,
                 fitted: tuple[str, ...] = (), per_source: tuple[str, ...] = ("lapse",)):
        from cogsim.ibl.described import IBLDescriptionModel

        self.settings = dict(LAB_SETTINGS if settings is None else settings)
        self.seed, self.n_agents = int(seed), int(n_agents)
        self.fitted, self.per_source = tuple(fitted), tuple(dict.fromkeys(("lapse",)
                                                                           + tuple(per_source)))
        self.model = IBLDescriptionModel(seed=seed, n_agents=n_agents, **self.settings)
        #: The model's fixed parameters fitted here (shared or per source): set by attribute.
        self.fixed = tuple(k for k in dict.fromkeys(self.fitted + self.per_source)
                           if k not in self.model.param_names)
        start = {"noise": 0.5, "decay": 0.5, "curvature": 0.5, "lapse": 0.05,
                 **{k: _start(getattr(self.model, k)) for k in self.fixed}}
        shared = [k for k in ("noise", "decay", "curvature", *self.fitted)
                  if k not in self.per_source]
        self.param_names = tuple(shared) + tuple(f"{k}_{s}" for k in self.per_source
                                                 for s in ("online", "lab"))
        bounds = {**_BASE_BOUNDS, **EXTRA_BOUNDS}
        self.bounds = {n: bounds[n.rsplit("_", 1)[0] if n not in bounds else n]
                       for n in self.param_names}
        self._params = {n: start[n.rsplit("_", 1)[0] if n not in start else n]
                        for n in self.param_names}
        if "lapse_online" in self._params:
            self._params["lapse_online"] = 0.3

    def get_params(self) -> dict[str, float]:
        return dict(self._params)

    def set_params(self, **params: float) -> JointIBL:
        unknown = set(params) - set(self.param_names)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; expected "
                             f"{', '.join(self.param_names)}")
        self._params.update({k: float(v) for k, v in params.items()})
        return self

    def source_params(self, source: str) -> dict[str, float]:
        """The parameters of ``source`` ("online" or "lab") under the model's own names."""
        p = self._params
        out = {k: v for k, v in p.items() if not k.endswith(("_online", "_lab"))}
        out.update({k: p[f"{k}_{source}"] for k in self.per_source})
        return out

    def for_source(self, source: str):
        """The IBL model of ``source`` ("online" or "lab") with the shared parameters."""
        p = self.source_params(source)
        for k in self.fixed:  # fixed parameters of the model: set one by one
            setattr(self.model, k, p.pop(k))
        return self.model.set_params(**p)


def _start(value: float | None) -> float:
    """A fitted setting's starting value: its own, or 1 for None (the temperature rule)."""
    return 1.0 if value is None else float(value)


_BASE_BOUNDS = {"noise": (0.05, 3.0), "decay": DECAY_BOUNDS, "curvature": (0.2, 1.2),
                "lapse": (0.0, 0.6)}
#: Search ranges of the fixed parameters a lab calibration may fit.
EXTRA_BOUNDS = {"inertia": (0.0, 0.9), "weight": (0.1, 10.0), "frequency_power": (0.0, 1.0),
                "loss_aversion": (0.5, 3.0), "temperature": (0.05, 3.0),
                "pessimism": (0.0, 1.0)}


class Shared:
    """Any rates model (e.g. BEAST) fitted to `JointRateData` with one parameter set for
    both sources (no lapse to separate them): the comparison "calibrated the same way"."""

    def __init__(self, model):
        self.model = model
        self.param_names = tuple(model.param_names)
        self.bounds = model.bounds

    def get_params(self) -> dict[str, float]:
        return self.model.get_params()

    def set_params(self, **params: float) -> Shared:
        self.model.set_params(**params)
        return self

    def for_source(self, source: str):
        return self.model


@dataclass
class JointRateData:
    """Online rate data (choices13k protocol) and lab block rates (CPC protocol) as one
    objective: the mean of the two MSEs (see the module doc)."""

    online: RateData
    lab: RateData

    def loss(self, model: JointIBL) -> float:
        online = self.online.loss(model.for_source("online"))
        lab = self.lab.loss(model.for_source("lab"))
        return 0.5 * online + 0.5 * lab

    def predict_lab(self, model: JointIBL, problems=None) -> np.ndarray:
        problems = self.lab.problems if problems is None else problems
        return np.asarray(model.for_source("lab").predict_rates(problems, protocol="cpc"))


def lab_record(joint: JointIBL, *, seed: int, n_agents: int, data: dict, fit: dict) -> dict:
    """params.json of the lab calibration: an ``ibl`` rates model with the lab's parameters
    (a fitted ``inertia`` or ``weight`` goes into the settings, as the model's fixed
    parameters do; the online ones are kept under ``joint``), readable by
    `cogsim.calibration.read_params`."""
    from cogsim import __version__

    lab = joint.source_params("lab")
    fixed = {k: lab.pop(k) for k in joint.fixed}
    return {"model": "ibl", "kind": "rates", "params": lab,
            "intervals": {"level": 0.95, "n_boot": 0},
            "data": data, "settings": {**joint.settings, **fixed, "n_agents": n_agents},
            "seed": seed, "cogsim_version": __version__, "fit": fit, "baseline": None,
            "joint": {"params": joint.get_params(),
                      "objective": "0.5 MSE choices13k + 0.5 MSE CPC15",
                      "online": joint.source_params("online")}}
