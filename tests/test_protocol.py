"""Every registered model follows the model protocol (cogsim.protocol): parameters declared
on the class, get/set_params round trips, set_params refuses unknown names and bad values
naming the parameter, the methods of its kind with the one signature, lookup by registry
key, and params.json round trips (old files naming a module path still load)."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.calibration.data import RateData, TrialData
from cogsim.calibration.models import (
    LEGACY_CLASSES,
    MODELS,
    build_model,
    model_class,
    registry_key,
)
from cogsim.calibration.record import (
    baseline_from_record,
    model_from_record,
    read_params,
    write_params,
)
from cogsim.errors import DataError, InputError
from cogsim.protocol import (
    DATA_KINDS,
    Parameter,
    ParamsMixin,
    RateModel,
    TrialModel,
    constructor_defaults,
)

ROOT = Path(__file__).resolve().parents[1]
REGISTERED = sorted(MODELS)
IDS = [f"{key}-{kind}" for key, kind in REGISTERED]
OPTIONS = {"safe": ((2.0,), (1.0,)), "risky": ((0.0, 4.0), (0.5, 0.5))}


def settings_for(kind: str) -> dict:
    """Small, fast settings for a model of ``kind``."""
    return {"n_agents": 4} if kind == "rates" else {"n_agents": 1, "options": OPTIONS}


def make(key: str, kind: str, **params):
    cls = model_class(key, kind)
    settings = settings_for(kind)
    accepted = inspect.signature(cls).parameters
    return cls(seed=1, **{k: v for k, v in settings.items() if k in accepted}, **params)


def problems() -> pd.DataFrame:
    return pd.read_csv(ROOT / "populations" / "gambles.csv")


def trials() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for s in ("a", "b"):
        for t in range(1, 9):
            risky = rng.random() < 0.5
            rows.append({"subject": s, "trial": t, "option_a": "safe", "option_b": "risky",
                         "response": "risky" if risky else "safe",
                         "outcome": float(rng.choice([0.0, 4.0])) if risky else 2.0})
    return pd.DataFrame(rows)


def middle(cls) -> dict[str, float]:
    """A point inside the search box of every free parameter, away from the defaults."""
    return {n: cls.bounds[n][0] + 0.37 * (cls.bounds[n][1] - cls.bounds[n][0])
            for n in cls.param_names}


# ---------------------------------------------------------------- declarations
@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_parameters_are_declared_on_the_class(key, kind):
    cls = model_class(key, kind)
    assert issubclass(cls, ParamsMixin)
    assert cls.data_kind == kind and kind in DATA_KINDS
    assert cls.parameters and all(isinstance(p, Parameter) for p in cls.parameters)
    declared = {p.name: p for p in cls.parameters}
    assert cls.param_names and set(cls.param_names) <= set(declared)
    assert cls.defaults == {n: float(p.default) for n, p in declared.items()}
    for name in cls.param_names:
        p = declared[name]
        low, high = cls.bounds[name]
        assert low < high, name
        # the search box lies in the valid range (an open end may be the box's edge)
        assert (low > p.low if p.low_open and low == p.low else low >= p.low), name
        assert high <= p.high, name
        assert p.check(p.default) == p.default, name        # the default is valid
        assert p.doc, name
    # the constructor's defaults are the declared ones
    ctor = constructor_defaults(cls)
    for name, default in cls.defaults.items():
        assert ctor[name] == default, name


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_get_set_params_round_trip(key, kind):
    model = make(key, kind)
    cls = type(model)
    params = model.get_params()
    assert list(params) == list(cls.param_names)
    assert params == {n: cls.defaults[n] for n in cls.param_names}
    mid = middle(cls)
    assert model.set_params(**mid) is model
    assert model.get_params() == mid
    for name, value in mid.items():
        assert getattr(model, name) == value                 # attributes follow
    other = make(key, kind).set_params(**model.get_params())
    assert other.get_params() == model.get_params()
    assert make(key, kind, **mid).get_params() == mid          # the constructor agrees


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_set_params_refuses_unknown_names_naming_them(key, kind):
    model = make(key, kind)
    before = model.get_params()
    with pytest.raises(InputError, match="unknown parameter 'bogus'") as e:
        model.set_params(bogus=1.0)
    assert all(n in str(e.value) for n in model.param_names)  # says what there is
    assert model.get_params() == before


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_set_params_refuses_bad_values_naming_the_parameter(key, kind):
    model = make(key, kind)
    before = model.get_params()
    for name in model.param_names:
        p = model._declared[name]
        bad = [math.nan, math.inf, -math.inf, "0.5", None, True, [1.0]]
        if math.isfinite(p.low):
            bad.append(p.low - 1.0)
        if p.low_open:
            bad.append(p.low)
        if math.isfinite(p.high):
            bad.append(p.high + 1.0)
        for value in bad:
            with pytest.raises(InputError, match=f"parameter {name}: expected a ") as e:
                model.set_params(**{name: value})
            assert type(model).__name__ in str(e.value)
            assert model.get_params() == before, (name, value)  # nothing was set
    # one bad value among good ones sets none of them
    first = model.param_names[0]
    with pytest.raises(InputError):
        model.set_params(**{**middle(type(model)), first: math.nan})
    assert model.get_params() == before


def test_fixed_parameters_are_constructor_settings():
    """A declared but fixed parameter (the description model's weight, the repeated-choice
    model's lapse) is checked in the constructor and refused by set_params."""
    ibl = model_class("ibl", "rates")(weight=2.0)
    assert ibl.weight == 2.0 and "weight" not in ibl.get_params()
    with pytest.raises(InputError, match="'weight' is a fixed parameter"):
        ibl.set_params(weight=1.0)
    with pytest.raises(InputError, match="parameter weight"):
        model_class("ibl", "rates")(weight=-1.0)
    with pytest.raises(InputError, match="parameter lapse: expected a number in \\[0, 1\\]"):
        model_class("ibl", "trials")(lapse=2.0)


# ---------------------------------------------------------------- one signature
PREDICT = ["self", "problems", "protocol"]
LOGLIK = ["self", "trials"]
SIMULATE = ["self", "trials", "n_agents"]


def _names(method) -> list[str]:
    return list(inspect.signature(method).parameters)


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_methods_of_its_kind_have_the_one_signature(key, kind):
    cls = model_class(key, kind)
    model = make(key, kind)
    if kind == "rates":
        assert isinstance(model, RateModel)
        assert _names(cls.predict_rates) == PREDICT
        assert inspect.signature(cls.predict_rates).parameters["protocol"].default == "c13k"
        assert not hasattr(cls, "trial_log_likelihood")
        table = problems()
        assert model.predict_rates(table).shape == (len(table),)
        assert model.predict_rates(table, protocol="cpc").shape == (len(table), 5)
    else:
        assert isinstance(model, TrialModel)
        assert _names(cls.trial_log_likelihood) == LOGLIK
        assert _names(cls.simulate) == SIMULATE
        assert inspect.signature(cls.simulate).parameters["n_agents"].default is None
        assert not hasattr(cls, "predict_rates")
        table = trials()
        ll = model.trial_log_likelihood(table)
        assert ll.shape == (len(table),) and np.all(ll < 0)
        sim = model.simulate(table, n_agents=2)
        assert len(sim) == 2 * len(table) and set(sim["response"]) <= {"safe", "risky"}


def test_calibration_settings_come_from_the_model():
    """What calibration derives from the data is declared by the model (no branch on its
    name): the IBL population takes the payoff range as prior instances and M noise draws
    by purpose; the delta rule takes nothing beyond the shared settings."""
    data = TrialData(trials(), "t", trialtype=None, risky="risky", options=OPTIONS)
    ibl = data.settings("ibl", "fit")
    assert ibl["prior"] == (0.0, 4.0) and ibl["n_samples"] == 32
    assert data.settings(model_class("ibl", "trials"), "score")["n_samples"] == 128
    assert data.settings("rl") == {"n_agents": 10, "options": OPTIONS}
    rates = RateData(problems(), np.full(len(problems()), 0.5), "r")
    assert rates.settings("ibl") == {} and rates.settings("cpt", "score") == {}


# ---------------------------------------------------------------- registry
@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_registry_lookup_by_key(key, kind):
    cls = model_class(key, kind)
    assert registry_key(cls) == (key, kind) == registry_key(make(key, kind))
    assert LEGACY_CLASSES[f"{cls.__module__}:{cls.__name__}"] == (key, kind)
    model = build_model(key, middle(cls), 3, kind=kind, **settings_for(kind)
                        if "n_agents" in inspect.signature(cls).parameters else {})
    assert type(model) is cls and model.get_params() == middle(cls) and model.seed == 3


def test_registry_refuses_unknown_keys_and_kinds():
    with pytest.raises(InputError, match="option --model: expected one of .*got 'oracle_bone'"):
        model_class("oracle_bone", "rates")
    with pytest.raises(InputError, match="'rl' does not model choice rates"):
        model_class("rl", "rates")
    with pytest.raises(InputError, match="'cpt' does not model individual repeated"):
        model_class("cpt", "trials", option="--baseline")
    with pytest.raises(InputError, match="not a registered model"):
        registry_key(object())
    with pytest.raises(InputError, match="missing"):
        build_model("cpt", {"alpha": 0.5}, kind="rates")


# ---------------------------------------------------------------- params.json
def record_for(key: str, kind: str) -> dict:
    cls = model_class(key, kind)
    settings = {k: v for k, v in settings_for(kind).items()
                if k in inspect.signature(cls).parameters}
    if kind == "trials":
        settings["options"] = {k: [list(x), list(p)] for k, (x, p) in OPTIONS.items()}
    return {"model": key, "kind": kind, "params": middle(cls),
            "intervals": {"level": 0.95, "n_boot": 0}, "data": {"name": "synthetic"},
            "settings": settings, "seed": 4, "cogsim_version": "test", "fit": {},
            "baseline": None}


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_params_json_round_trip(tmp_path, key, kind):
    record = record_for(key, kind)
    write_params(record, tmp_path / "params.json")
    text = (tmp_path / "params.json").read_text()
    assert "cogsim." not in text and '"class"' not in text        # keys, never module paths
    back = read_params(tmp_path / "params.json")
    assert back == record
    model = model_from_record(back)
    assert registry_key(model) == (key, kind)
    assert model.get_params() == record["params"] and model.seed == 4
    # and once more through the model's own parameters
    again = {**record, "params": model.get_params()}
    write_params(again, tmp_path / "again.json")
    assert read_params(tmp_path / "again.json") == record


@pytest.mark.parametrize("key,kind", REGISTERED, ids=IDS)
def test_old_params_json_with_a_module_path_still_loads(tmp_path, key, kind):
    record = record_for(key, kind)
    old = {"model": key, "class": MODELS[key, kind],
           **{k: v for k, v in record.items() if k not in ("model", "kind")}}
    (tmp_path / "old.json").write_text(json.dumps(old))
    back = read_params(tmp_path / "old.json")
    assert (back["model"], back["kind"]) == (key, kind) and "class" not in back
    assert model_from_record(back).get_params() == record["params"]
    assert build_model(MODELS[key, kind], record["params"], **record["settings"]).get_params() \
        == record["params"]


def test_bad_params_json_is_refused_naming_file_and_field(tmp_path):
    record = record_for("ibl", "rates")
    cases = {
        "unknown class": ({**{k: v for k, v in record.items() if k != "kind"},
                           "class": "os:system"}, "field 'class'"),
        "unknown key": ({**record, "model": "oracle_bone"}, "field 'model'"),
        "wrong kind": ({**record, "model": "rl"}, "field 'model'"),
        "bad kind": ({**record, "kind": "votes"}, "field 'kind'"),
        "no params": ({k: v for k, v in record.items() if k != "params"}, "'params'"),
        "bad value": ({**record, "params": {**record["params"], "noise": -1}},
                      "parameter noise"),
        "missing value": ({**record, "params": {"noise": 1.0}}, "missing"),
        "bad baseline": ({**record, "baseline": {"model": "cpt", "kind": "trials",
                                                 "params": {}}}, "field 'baseline.model'"),
    }
    for name, (bad, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(DataError, match=expected) as e:
            model_from_record(read_params(path), str(path))
        assert path.name in str(e.value), name


SHIPPED = sorted(ROOT.glob("calibration/*/*/params.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_shipped_params_json_name_models_by_key(path):
    record = json.loads(path.read_text())
    assert "class" not in record
    assert (record["model"], record["kind"]) in MODELS
    base = record["baseline"]
    assert (base["model"], base["kind"]) in MODELS and "settings" in base
    back = read_params(path)
    assert registry_key(model_from_record(back, str(path))) == (record["model"], record["kind"])
    assert registry_key(baseline_from_record(back, str(path))) == (base["model"], base["kind"])
