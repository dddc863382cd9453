"""Free parameters of the calibratable models, scikit-learn style: ``get_params`` and
``set_params`` over the class's ``param_names``, with the checks every model needs."""

from __future__ import annotations

import math
from typing import ClassVar

__all__ = ["FreeParameters"]


class FreeParameters:
    """Mixin: ``param_names`` (free parameters in order), ``bounds`` (the calibration
    search box), ``_positive`` (names that must be > 0) and ``_nonnegative`` (>= 0)."""

    param_names: ClassVar[tuple[str, ...]]
    bounds: ClassVar[dict[str, tuple[float, float]]]
    _positive: ClassVar[tuple[str, ...]] = ()
    _nonnegative: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, float]:
        """The free parameters, in ``param_names`` order."""
        return {name: float(getattr(self, name)) for name in self.param_names}

    def set_params(self, **params: float):
        """Set free parameters by name; returns self.  Unknown names or bad values raise
        ValueError naming the parameter."""
        for name, value in params.items():
            if name not in self.param_names:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; "
                                 f"its parameters are {', '.join(self.param_names)}")
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a number, got {value!r}") from None
            if not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            if name in self._positive and v <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
            if name in self._nonnegative and v < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
            setattr(self, name, v)
        return self
