"""Human data as calibration targets: aggregate choice rates, or individual repeated choices.

Two kinds of data, each with a loss that a model is fitted to and held-out measures:

* `RateData`: gamble problems in the competition format with the observed rate of choosing
  B (one rate per problem, protocol ``"c13k"``; or five block rates, protocol ``"cpc"``).
  Loss: mean squared deviation (MSD) between predicted and observed rates.
* `TrialData`: individual trial-by-trial choices with feedback (the trial table of
  :mod:`cogsim.tasks.trials`).  Loss: negative log-likelihood per choice.

Both split by *units* (problems, or people) so that training and held-out sets never share
one, and both know a hash of their content for the record in ``params.json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cogsim.calibration.models import model_class
from cogsim.datasets.errors import DataError

__all__ = ["RateData", "TrialData", "content_hash", "explained_share"]


def explained_share(mse: float, constant: float, floor: float = 0.0) -> float:
    """Share of the explainable variance explained: ``1 - (mse - floor) / (constant -
    floor)``; NaN when the constant is no worse than the floor."""
    room = constant - floor
    return float(1 - (mse - floor) / room) if room > 0 else float("nan")


def content_hash(table: pd.DataFrame) -> str:
    """SHA-256 of a table's values (row order included, index excluded)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    digest.update(",".join(map(str, table.columns)).encode())
    return digest.hexdigest()


@dataclass
class RateData:
    """Gamble problems and the observed rate of choosing B.

    Parameters
    ----------
    problems : DataFrame
        Competition-format problems (Ha, pHa, La, Hb, pHb, Lb, LotShapeB, LotNumB, Amb,
        Corr; optional LotShapeA, LotNumA, Feedback and an id column).
    rates : array (n,) or (n, 5)
        Observed P(B) per problem, or per problem and block (CPC protocol).
    name : str
        Where the data came from, for reports and errors.
    groups : array (n,), optional
        The problem each row belongs to.  Units are the distinct groups (a problem run with
        and without feedback is two rows, one unit), so a split never puts the same
        problem on both sides; default: every row its own unit.
    noise : array (n,), optional
        Sampling variance of each observed rate (its SD across people squared over the
        number of people): the part of any model's squared error that no model can remove.
        Its mean is the *noise floor* of the MSE.
    """

    problems: pd.DataFrame
    rates: np.ndarray
    name: str = "rates"
    groups: np.ndarray | None = None
    noise: np.ndarray | None = None
    kind: str = field(default="rates", init=False)

    def __post_init__(self):
        self.problems = self.problems.reset_index(drop=True)
        self.rates = np.asarray(self.rates, dtype=float)
        if len(self.rates) != len(self.problems):
            raise DataError(f"{self.name}: {len(self.rates)} rates for {len(self.problems)} "
                            f"problems; expected one per problem")
        bad = ~np.isfinite(self.rates) | (self.rates < 0) | (self.rates > 1)
        if bad.any():
            row = int(np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))[0])
            raise DataError(f"{self.name}, row {row + 1}, column 'rate': expected a choice rate "
                            f"in [0, 1], got {self.rates[row]}")
        if len(self.problems) == 0:
            raise DataError(f"{self.name}: no problems; expected at least one row")
        n = len(self.problems)
        groups = np.arange(n) if self.groups is None else np.asarray(self.groups)
        if len(groups) != n:
            raise DataError(f"{self.name}: {len(groups)} group labels for {n} rows; expected "
                            f"one per row")
        self.groups = groups
        if self.noise is not None:
            self.noise = np.asarray(self.noise, dtype=float).reshape(self.rates.shape)
        self._ids, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")     # units in order of first appearance
        self._ids = self._ids[order]
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        unit_of_row = rank[inverse.ravel()]
        by_unit = np.argsort(unit_of_row, kind="stable")
        bounds = np.searchsorted(unit_of_row[by_unit], np.arange(len(order) + 1))
        self._rows = [by_unit[bounds[u]:bounds[u + 1]] for u in range(len(order))]

    @property
    def protocol(self) -> str:
        """``"c13k"`` for one rate per problem, ``"cpc"`` for five block rates."""
        return "cpc" if self.rates.ndim == 2 else "c13k"

    @property
    def n_units(self) -> int:
        """Distinct problems (groups), not rows."""
        return len(self._rows)

    @property
    def unit_name(self) -> str:
        return "problems"

    @property
    def unit_ids(self) -> np.ndarray:
        """The group label of each unit, in unit order."""
        return self._ids

    def subset(self, units: np.ndarray) -> RateData:
        """The rows of the units at positions ``units`` (a repeated unit repeats its rows,
        as a bootstrap needs)."""
        units = np.asarray(units, dtype=int)
        rows = (np.concatenate([self._rows[u] for u in units]) if len(units)
                else np.zeros(0, dtype=int))
        return RateData(self.problems.iloc[rows], self.rates[rows], self.name,
                        self.groups[rows], None if self.noise is None else self.noise[rows])

    def units_of(self, ids) -> np.ndarray:
        """Positions of the units whose group labels are ``ids``."""
        where = {v: i for i, v in enumerate(self._ids.tolist())}
        return np.array([where[v] for v in np.asarray(ids).tolist()], dtype=int)

    def predict(self, model) -> np.ndarray:
        return np.asarray(model.predict_rates(self.problems, protocol=self.protocol))

    def loss(self, model) -> float:
        """Mean squared deviation of predicted from observed rates."""
        return float(np.mean((self.predict(model) - self.rates) ** 2))

    def floor(self) -> dict[str, float]:
        """The scale of an MSE on these rates.

        ``noise_floor`` (when the sampling variances are known): the mean sampling variance
        of the observed rates, the MSE of a perfect model; ``constant_mse``: the MSE of the
        best constant (the rates' own mean), what a model that knows nothing of the problems
        scores; ``n_rows`` and ``n_problems`` (distinct).
        """
        out = {"constant_mse": float(np.mean((self.rates - self.rates.mean()) ** 2)),
               "n_rows": int(len(self.rates)), "n_problems": int(self.n_units)}
        if self.noise is not None:
            out["noise_floor"] = float(np.mean(self.noise))
        return out

    def measures(self, model, prefix: str) -> dict[str, float]:
        """Held-out (or training) measures under plain keys: ``<prefix>_mse``, for block
        rates the MSE of each block, and the scale of `floor` with the share of explainable
        variance the model explains,

        .. math::  1 - (MSE - floor) / (MSE_{constant} - floor)

        (1 for a perfect model, 0 for the best constant; ``<prefix>_explained``)."""
        return self.scored(self.predict(model), prefix)

    def scored(self, predicted: np.ndarray, prefix: str) -> dict[str, float]:
        """`measures` of given predictions (one per row, as `predict` returns)."""
        predicted = np.asarray(predicted, dtype=float)
        out = {f"{prefix}_mse": float(np.mean((predicted - self.rates) ** 2))}
        scale = self.floor()
        out.update({f"{prefix}_{k}": v for k, v in scale.items()})
        floor = scale.get("noise_floor", 0.0)
        out[f"{prefix}_explained"] = explained_share(out[f"{prefix}_mse"],
                                                     scale["constant_mse"], floor)
        if self.rates.ndim == 2:
            for b in range(self.rates.shape[1]):
                out[f"{prefix}_mse_block{b + 1}"] = float(
                    np.mean((predicted[:, b] - self.rates[:, b]) ** 2))
        return out

    def settings(self, model: str | type, purpose: str = "fit") -> dict:
        """Constructor settings of ``model`` (a registry key or a class) for this data:
        what the model derives from the problems (`calibration_settings`; none so far)."""
        return dict(_model_class(model, self.kind).calibration_settings(self.problems, purpose))

    def hash(self) -> str:
        return content_hash(pd.concat([self.problems, pd.DataFrame(
            self.rates.reshape(len(self.rates), -1)).add_prefix("rate_")], axis=1))


@dataclass
class TrialData:
    """Individual repeated choices with feedback, one row per trial (see
    :mod:`cogsim.tasks.trials` for the columns); units are the people (``subject``)."""

    trials: pd.DataFrame
    name: str = "trials"
    trialtype: int | None = 2
    n_blocks: int = 4
    risky: str = "S2"
    options: dict | None = None
    kind: str = field(default="trials", init=False)

    def __post_init__(self):
        if len(self.trials) == 0:
            raise DataError(f"{self.name}: no trials; expected at least one row")
        if "subject" not in self.trials.columns:
            raise DataError(f"{self.name}: no 'subject' column; expected the trial table of "
                            f"cogsim.tasks.trials (subject, trial, option_a, option_b, "
                            f"response, outcome)")
        self.subjects = np.asarray(pd.unique(self.trials["subject"]))
        if self.options is None:
            self._check_default_options()

    def _check_default_options(self) -> None:
        """Without option distributions the models simulate the Niv task's options: refuse
        other option names now, not after the fit."""
        from cogsim.tasks.trials import default_options

        known = default_options()
        offered = pd.concat([self.trials[c] for c in ("option_a", "option_b")
                             if c in self.trials.columns]).dropna().astype(str)
        unknown = sorted(set(offered) - set(known))
        if unknown:
            raise DataError(f"{self.name}: options {unknown} have no outcome distribution; "
                            f"a trial table without distributions is simulated with the Niv "
                            f"task's options ({', '.join(sorted(known))}); give each "
                            f"option's outcomes and probabilities (generic judgments schema: "
                            f"outcomes_a, probs_a, outcomes_b, probs_b)")

    @property
    def n_units(self) -> int:
        return len(self.subjects)

    @property
    def unit_name(self) -> str:
        return "people"

    def subset(self, units: np.ndarray) -> TrialData:
        """The trials of the people at positions ``units`` (repeats become new people, as a
        bootstrap needs)."""
        units = np.asarray(units)
        if len(np.unique(units)) == len(units):
            keep = self.trials["subject"].isin(self.subjects[units])
            return TrialData(self.trials[keep], self.name, self.trialtype, self.n_blocks,
                             self.risky, self.options)
        parts = []
        for k, u in enumerate(units):
            part = self.trials[self.trials["subject"] == self.subjects[u]].copy()
            part["subject"] = f"{self.subjects[u]}#{k}"
            parts.append(part)
        return TrialData(pd.concat(parts, ignore_index=True), self.name, self.trialtype,
                         self.n_blocks, self.risky, self.options)

    def loss(self, model) -> float:
        """Negative log-likelihood per choice (model tracing)."""
        return -float(np.mean(model.trial_log_likelihood(self.trials)))

    def block_rates(self, table: pd.DataFrame) -> np.ndarray:
        """Rate per block of choosing the ``risky`` option (pooled over people)."""
        from cogsim.fidelity.repeated import block_rates

        rates = block_rates(table, trialtype=self.trialtype, n_blocks=self.n_blocks,
                            risky=self.risky)
        return _block_means(rates)

    def measures(self, model, prefix: str) -> dict[str, float]:
        """``<prefix>_loglik_per_choice`` and ``<prefix>_block_msd`` (simulated population
        against people, block-wise rates of choosing ``risky``), plus both block-rate
        vectors.  Give a model built with ``settings(name, "score")``."""
        ll = model.trial_log_likelihood(self.trials)
        people = self.block_rates(self.trials)
        simulated = self.block_rates(model.simulate(self.trials))
        return {f"{prefix}_loglik_per_choice": float(np.mean(ll)),
                f"{prefix}_n_choices": int(len(ll)),
                f"{prefix}_block_msd": float(np.mean((simulated - people) ** 2)),
                f"{prefix}_block_rates_people": people.tolist(),
                f"{prefix}_block_rates_model": simulated.tolist()}

    def settings(self, model: str | type, purpose: str = "fit") -> dict:
        """Constructor settings of ``model`` (a registry key or a class) for this data.

        Every repeated-choice model simulates 10 agents per person, with the option
        distributions when they are known; the rest the model derives from the trial
        table itself (`calibration_settings`, e.g. the IBL population's prior instances
        and noise draws per option).  ``purpose`` is "fit" or "score" (held-out people).
        """
        out: dict = {"n_agents": 10}
        if self.options is not None:
            out["options"] = self.options
        out.update(_model_class(model, self.kind).calibration_settings(self.trials, purpose))
        return out

    def hash(self) -> str:
        return content_hash(self.trials)


def _model_class(model: str | type, kind: str) -> type:
    """The class of ``model``: a registry key (for data of ``kind``) or the class itself."""
    return model if isinstance(model, type) else model_class(model, kind)


def _block_means(rates: pd.DataFrame) -> np.ndarray:
    """Block rates as an array, whatever shape `block_rates` returns (long or wide)."""
    if "block" in rates.columns:
        value = [c for c in rates.columns if c not in ("block", "subject", "n")][0]
        return rates.groupby("block")[value].mean().to_numpy(dtype=float)
    return rates.mean(axis=0, numeric_only=True).to_numpy(dtype=float)
