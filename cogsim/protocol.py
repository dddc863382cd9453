"""The protocol of calibratable models: declared parameters, ``get/set_params``, and one
signature for each of predict, simulate and log-likelihood.

Every model that ``cogsim calibrate`` fits -- the IBL and ACT-R accounts of described
gambles, the repeated-choice IBL population and the baselines (expected value, cumulative
prospect theory, the delta rule) -- follows it, and is found by a short name in the
registry :mod:`cogsim.calibration.models`.

Declared on the class
---------------------
``data_kind``
    The human data the model fits: ``"rates"`` (choice rates of described gambles,
    `cogsim.calibration.RateData`) or ``"trials"`` (individual repeated choices with
    feedback, `cogsim.calibration.TrialData`).
``parameters``
    A tuple of `Parameter`: every numeric parameter ``set_params`` accepts, with its
    default, the values it may take (checked), and for a calibrated one its search box.
    From it the mixin derives ``param_names`` (the free parameters, fitted by calibration,
    in order), ``bounds`` (name -> (low, high) search box) and ``defaults``.  The
    constructor takes each parameter under its name with that default (tested), the
    remaining settings keyword-only, among them ``seed``.

Methods (the same signature in every model that has them)
--------------------------------------------------------
``get_params() -> dict[str, float]``
    The free parameters, in ``param_names`` order.
``set_params(**params) -> self``
    Set free parameters by name (fixed ones, such as the repeated-choice model's ``lapse``,
    are constructor settings); an unknown name or a bad value raises
    `cogsim.errors.InputError` naming the parameter and what it accepts, and sets nothing.
``predict_rates(problems: DataFrame, protocol: str = "c13k") -> ndarray``
    Predicted rate of choosing B per gamble problem: shape (n,) for choices13k's protocol,
    (n, 5) block rates for the CPC's 25 trials.  Models of ``"rates"``.
``trial_log_likelihood(trials: DataFrame) -> ndarray``
    log P of each observed choice on each two-option trial (model tracing), in the
    table's order.  Models of ``"trials"``.
``simulate(trials: DataFrame, n_agents: int | None = None) -> DataFrame``
    Simulated agents choose on the trial sequences and learn from drawn outcomes; the
    trial table with their responses, outcomes and values.  Models of ``"trials"``.
``calibration_settings(data: DataFrame, purpose: str) -> dict`` (class method)
    Constructor settings that calibration derives from the data (``purpose`` "fit" or
    "score"); none by default.

What each kind lacks, and why
-----------------------------
=====================  ==============  ======================  ===========
model (registry key)   predict_rates   trial_log_likelihood    simulate
=====================  ==============  ======================  ===========
ibl, actr (rates)      yes             no: fitted to rates     no [1]
ev, cpt (rates)        yes             no: fitted to rates     no: closed form
ibl, rl (trials)       no [2]          yes                     yes
=====================  ==============  ======================  ===========

[1] The described-gamble models compute rates from simulated agents, but do not produce
    trial tables.  Their methods named ``simulate`` are model-specific tools with other
    signatures, outside this protocol: `IBLDescriptionModel.simulate` returns the draws and
    blended values of each chunk of problems, `ACTRDescriptionModel.simulate` the per-trial
    rates of padded problems.
[2] Models of repeated choice between named options know no gamble descriptions.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from cogsim.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["DATA_KINDS", "Parameter", "ParamsMixin", "RateModel", "TrialModel",
           "constructor_defaults"]

#: The kinds of human data a model can be calibrated on, in words.
DATA_KINDS: dict[str, str] = {"rates": "choice rates of described gambles",
                              "trials": "individual repeated choices with feedback"}


@dataclass(frozen=True)
class Parameter:
    """One numeric parameter of a model.

    Parameters
    ----------
    name : str
        Its name in the constructor, ``get/set_params`` and ``params.json``.
    default : float
        The constructor's default.
    low, high : float
        The values it may take (``low <= x <= high``; ``low < x`` when ``low_open``);
        always finite.
    low_open : bool
        Whether ``low`` itself is excluded.
    bounds : (float, float) or None
        The calibration search box (None: never searched).
    free : bool
        Fitted by calibration (listed in ``param_names``, settable by ``set_params``); a
        fixed parameter is a constructor setting, checked the same way, that a subclass
        may free by listing it in its ``param_names``.
    doc : str
        What it means, in a few words.
    """

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    bounds: tuple[float, float] | None = None
    free: bool = True
    doc: str = ""

    def describe(self) -> str:
        """What the parameter accepts: ``'a number >= 0'``, ``'a number in [0, 1]'``, ..."""
        lo_finite, hi_finite = math.isfinite(self.low), math.isfinite(self.high)
        if lo_finite and hi_finite:
            return f"a number in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        if lo_finite:
            return f"a number {'>' if self.low_open else '>='} {self.low:g}"
        if hi_finite:
            return f"a number <= {self.high:g}"
        return "a finite number"

    def check(self, value: Any, owner: str = "") -> float:
        """``value`` as a float, or InputError naming the parameter and what it accepts."""
        where = f"{owner} parameter {self.name}" if owner else f"parameter {self.name}"
        if isinstance(value, bool) or not _is_number(value):
            raise InputError(f"{where}: expected {self.describe()}, got {value!r}")
        v = float(value)
        ok = (math.isfinite(v) and (v > self.low if self.low_open else v >= self.low)
              and v <= self.high)
        if not ok:
            raise InputError(f"{where}: expected {self.describe()}, got {value!r}")
        return v


def _is_number(value: Any) -> bool:
    try:
        import numpy as np
        numeric = (int, float, np.integer, np.floating)
    except ImportError:  # pragma: no cover
        numeric = (int, float)
    return isinstance(value, numeric)


def _param_property(name: str) -> property:
    def get(self) -> float:
        return self._params[name]

    def put(self, value: float) -> None:
        self._assign({name: value})
    return property(get, put, doc=f"The model parameter {name!r} (checked when set).")


class ParamsMixin:
    """``get_params``/``set_params`` over the declared ``parameters`` (the one
    implementation every calibratable model uses; see the module docstring).

    A subclass declares ``parameters`` (and ``data_kind``); ``param_names``, ``bounds``
    and ``defaults`` are derived unless the class sets them itself (a subclass may free a
    fixed parameter by listing it in its own ``param_names``).  Values live in
    ``self._params``; each parameter is also an attribute (``model.noise``), checked
    like ``set_params`` when set.
    """

    data_kind: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    param_names: ClassVar[tuple[str, ...]] = ()
    bounds: ClassVar[dict[str, tuple[float, float]]] = {}
    defaults: ClassVar[dict[str, float]] = {}
    _declared: ClassVar[dict[str, Parameter]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "parameters" in own:
            cls._declared = {p.name: p for p in cls.parameters}
            if "param_names" not in own:
                cls.param_names = tuple(p.name for p in cls.parameters if p.free)
            if "bounds" not in own:
                cls.bounds = {p.name: tuple(p.bounds) for p in cls.parameters
                              if p.bounds is not None}
            cls.defaults = {p.name: float(p.default) for p in cls.parameters}
            for p in cls.parameters:
                if not hasattr(cls, p.name):
                    setattr(cls, p.name, _param_property(p.name))
        unknown = [n for n in cls.param_names if n not in cls._declared]
        if unknown:
            raise TypeError(f"{cls.__name__}.param_names lists {unknown}, which are not "
                            f"declared in its parameters")

    def _init_params(self, **values: float) -> None:
        """Set every declared parameter, free or fixed (the defaults, then ``values``);
        for ``__init__``."""
        self._params: dict[str, float] = {}
        self._assign({**self.defaults, **values})

    def get_params(self) -> dict[str, float]:
        """The free parameters, by name, in ``param_names`` order."""
        return {name: self._params[name] for name in self.param_names}

    def set_params(self, **params: float):
        """Set free parameters (``param_names``) by name; returns self.

        Fixed parameters are constructor settings.

        Raises
        ------
        cogsim.errors.InputError
            An unknown name, or a value that is not a number in the parameter's range;
            the message names the parameter (nothing is set then).
        """
        owner = type(self).__name__
        for name in params:
            if name in self.param_names:
                continue
            why = (f"{name!r} is a fixed parameter of {owner} (give it to the constructor)"
                   if name in self._declared else f"{owner} has no parameter {name!r}")
            raise InputError(f"unknown parameter {name!r}: {why}; expected one of "
                             f"{', '.join(self.param_names)}")
        return self._assign(params)

    def _assign(self, params: dict[str, Any]):
        """Check and set declared parameters; all or nothing."""
        owner = type(self).__name__
        checked = {}
        for name, value in params.items():
            spec = self._declared.get(name)
            if spec is None:
                raise InputError(f"unknown parameter {name!r}: {owner} has no parameter "
                                 f"{name!r}; expected one of {', '.join(self._declared)}")
            checked[name] = spec.check(value, owner)
        before = dict(self._params)
        self._params.update(checked)
        try:
            self._check_params()
        except Exception:
            self._params = before
            raise
        return self

    def _check_params(self) -> None:
        """Checks across parameters and settings (override; raise InputError)."""

    @classmethod
    def calibration_settings(cls, data: pd.DataFrame, purpose: str = "fit") -> dict:
        """Constructor settings calibration derives from the data table (``purpose`` "fit"
        while fitting, "score" when scoring held-out units); none by default."""
        return {}


def constructor_defaults(cls: type) -> dict[str, Any]:
    """The defaults of ``cls.__init__``'s parameters, by name (for checking that they are
    the declared ``defaults``)."""
    sig = inspect.signature(cls.__init__)
    return {n: p.default for n, p in sig.parameters.items()
            if p.default is not inspect.Parameter.empty}


@runtime_checkable
class RateModel(Protocol):
    """A model of choice rates of described gambles (``data_kind == "rates"``)."""

    data_kind: ClassVar[Literal["rates"]]
    param_names: ClassVar[tuple[str, ...]]
    bounds: ClassVar[dict[str, tuple[float, float]]]

    def get_params(self) -> dict[str, float]: ...

    def set_params(self, **params: float) -> RateModel: ...

    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        ...


@runtime_checkable
class TrialModel(Protocol):
    """A model of individual repeated choices with feedback (``data_kind == "trials"``)."""

    data_kind: ClassVar[Literal["trials"]]
    param_names: ClassVar[tuple[str, ...]]
    bounds: ClassVar[dict[str, tuple[float, float]]]

    def get_params(self) -> dict[str, float]: ...

    def set_params(self, **params: float) -> TrialModel: ...

    def trial_log_likelihood(self, trials: pd.DataFrame) -> np.ndarray: ...

    def simulate(self, trials: pd.DataFrame, n_agents: int | None = None) -> pd.DataFrame:
        ...
