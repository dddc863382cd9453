"""One house for the activation math: shipped calibrations predict as before, and no
module but :mod:`cogsim.memory` computes activations, retrieval probabilities or blends.

``test_shipped_calibrations_predict_as_before`` rebuilds the model of every shipped
``calibration/*/*/params.json`` (and the baseline fitted beside it) and compares what it
predicts on small synthetic inputs with the predictions saved in
``tests/data/predictions_before/`` before the activation math was gathered into
:mod:`cogsim.memory`.  The comparison is exact (``np.array_equal``): the refactoring moved
code, it did not change arithmetic.  (The files were written with NumPy 2.4 on x86-64; a
NumPy build whose exp or log rounds differently in the last bit could change a saved
blended value there.)

The inputs are synthetic and committed beside the predictions (``problems.csv``: described
gambles of every lottery shape, with and without ambiguity, correlation and feedback;
``trials-<options>.csv``: repeated-choice trial tables with forced trials and a response
that is none of the offered options).  To write the files again (only when a change of the
predictions is intended, and say so in the commit)::

    python tests/test_one_math.py --write
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.calibration.models import build_model, model_class
from cogsim.calibration.predict import load_params

ROOT = Path(__file__).resolve().parents[1]
BEFORE = Path(__file__).resolve().parent / "data" / "predictions_before"
SHIPPED = sorted(ROOT.glob("calibration/*/*/params.json"))
PROTOCOLS = {"c13k": ["c13k"], "cpc": [f"cpc.{b}" for b in range(1, 6)]}
SIMULATED_AGENTS = 3          # agents per person in the saved simulations (kept small)


# ------------------------------------------------------------------------ inputs
def synthetic_problems() -> pd.DataFrame:
    """48 described-gamble problems covering every lottery shape, Amb, Corr and Feedback."""
    rng = np.random.default_rng(20240611)
    shapes = ["-", "Symm", "R-skew", "L-skew"]
    rows = []
    for i in range(48):
        shape_b = shapes[i % 4]
        num_b = 1 if shape_b == "-" else int(rng.choice([2, 3, 5, 7, 9]))
        shape_a = "-" if i % 6 else "Symm"
        num_a = 1 if shape_a == "-" else 3
        p_hb = float(rng.choice([0.01, 0.05, 0.1, 0.2, 0.5, 0.8, 0.95, 1.0]))
        rows.append({
            "Ha": int(rng.integers(-10, 30)), "pHa": float(rng.choice([0.1, 0.5, 0.9, 1.0])),
            "La": int(rng.integers(-20, 5)), "LotShapeA": shape_a, "LotNumA": num_a,
            "Hb": int(rng.integers(-5, 60)), "pHb": p_hb, "Lb": int(rng.integers(-30, 10)),
            "LotShapeB": shape_b, "LotNumB": num_b,
            "Amb": int(i % 5 == 0), "Corr": int(rng.choice([-1, 0, 0, 1])),
            "Feedback": bool(i % 7 != 3),
        })
    return pd.DataFrame(rows)


def synthetic_trials(options: dict, subjects: list, n_trials: int, seed: int) -> pd.DataFrame:
    """A repeated-choice trial table: two-option trials over all pairs, some forced ones
    (one with a response that is none of the options), outcomes from the distributions."""
    rng = np.random.default_rng(seed)
    names = sorted(options)
    rows = []
    for s in subjects:
        for t in range(1, n_trials + 1):
            if len(names) > 2 and t % 5 == 0:           # forced trial
                a, b = names[int(rng.integers(len(names)))], None
                response = a if t % 15 else "wrongside"
            else:
                a, b = (str(x) for x in rng.choice(names, 2, replace=False))
                response = a if rng.random() < 0.5 else b
            if response in options:
                values, probs = options[response]
                outcome = float(rng.choice(values, p=probs))
            else:
                outcome = np.nan
            rows.append({"subject": s, "trial": t, "option_a": a, "option_b": b,
                         "response": response, "outcome": outcome})
    return pd.DataFrame(rows)


def trial_inputs(options: dict) -> pd.DataFrame:
    """The trial table for models whose options are ``options`` (created once, then read)."""
    key = "-".join(sorted(options))
    path = BEFORE / f"trials-{key}.csv"
    if path.exists():
        return pd.read_csv(path)
    subjects = [3, 17, 40] if len(options) > 2 else ["p-a", "p-b", "p-c"]
    return synthetic_trials(options, subjects, 45, seed=len(path.name))


def problem_inputs() -> pd.DataFrame:
    path = BEFORE / "problems.csv"
    if path.exists():
        return pd.read_csv(path, keep_default_na=False)
    return synthetic_problems()


# ------------------------------------------------------------------- predictions
def _models(path: Path) -> dict:
    """The calibrated model of a params.json and its baseline, by role."""
    record = json.loads(path.read_text())
    models = {"model": load_params(path)}
    baseline = record.get("baseline")
    if baseline:
        accepted = inspect.signature(model_class(baseline["model"], baseline["kind"])).parameters
        settings = {k: v for k, v in (record.get("settings") or {}).items() if k in accepted}
        models["baseline"] = build_model(baseline["model"], baseline["params"],
                                         int(record.get("seed", 0)), kind=baseline["kind"],
                                         **settings)
    return models


def predictions(path: Path) -> dict[str, pd.DataFrame]:
    """Everything a shipped calibration predicts on the synthetic inputs, by file name."""
    stem = f"{path.parent.parent.name}-{path.parent.name}"
    models = _models(path)
    out: dict[str, pd.DataFrame] = {}
    if hasattr(models["model"], "predict_rates"):              # described gambles
        problems = problem_inputs()
        table = {}
        for role, model in models.items():
            for protocol, names in PROTOCOLS.items():
                rates = np.asarray(model.predict_rates(problems, protocol=protocol))
                for name, column in zip(names, rates.reshape(len(problems), -1).T):
                    table[f"{role}.{name}"] = column
        out[f"{stem}.rates.csv"] = pd.DataFrame(table)
        return out
    trials = trial_inputs(models["model"].options)                # repeated choice
    out[f"{stem}.loglik.csv"] = pd.DataFrame(
        {role: model.trial_log_likelihood(trials) for role, model in models.items()})
    for role, model in models.items():
        sim = model.simulate(trials, n_agents=SIMULATED_AGENTS)
        out[f"{stem}.{role}.simulate.csv"] = sim[["agent", "subject", "trial", "response",
                                                 "outcome", "value_a", "value_b"]]
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            if not np.array_equal(x.astype(np.float64), y.astype(np.float64), equal_nan=True):
                return False
        elif not np.array_equal(x.astype(str), y.astype(str)):
            return False
    return True


def write() -> None:
    """Save the inputs, then the current predictions of every shipped calibration on them
    (computed from the files as read back, as the test reads them)."""
    BEFORE.mkdir(parents=True, exist_ok=True)
    if not (BEFORE / "problems.csv").exists():
        synthetic_problems().to_csv(BEFORE / "problems.csv", index=False)
    for path in SHIPPED:
        model = _models(path)["model"]
        if not hasattr(model, "predict_rates"):
            trials = BEFORE / f"trials-{'-'.join(sorted(model.options))}.csv"
            if not trials.exists():
                trial_inputs(model.options).to_csv(trials, index=False, float_format="%.17g")
    for path in SHIPPED:
        for name, frame in predictions(path).items():
            frame.to_csv(BEFORE / name, index=False, float_format="%.17g")
            assert _same(_read(BEFORE / name), frame), f"{name} does not round-trip"
            print(f"wrote {name}")


# ------------------------------------------------------------------------- tests
def test_every_shipped_calibration_has_saved_predictions():
    assert SHIPPED, "no calibration/*/*/params.json found"
    saved = {p.name for p in BEFORE.glob("*.csv")}
    for path in SHIPPED:
        stem = f"{path.parent.parent.name}-{path.parent.name}"
        assert any(name.startswith(stem + ".") for name in saved), stem


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_shipped_calibrations_predict_as_before(path):
    """Each shipped params.json (model and baseline) predicts exactly what it did before
    the activation math moved into cogsim.memory: rates of described gambles under both
    protocols; log-likelihoods of each choice and simulated choices, outcomes and blended
    values of repeated choice.  Exact equality, NaN equal to NaN."""
    for name, frame in predictions(path).items():
        saved = _read(BEFORE / name)
        assert _same(frame, saved), f"{name}: predictions differ from the saved ones"


# ------------------------------------------------------------ one house for the math
#: Identifiers that name a blending temperature (or its inverse).
TEMPERATURE = re.compile(r"^(temperatures?|taus?|temp|inv_tau|effective_temperature)$")


def _called(node: ast.AST) -> str | None:
    """The bare name of a called function: ``np.log(...)`` -> "log", ``exp(...)`` -> "exp"."""
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute):
            return f.attr
        if isinstance(f, ast.Name):
            return f.id
    return None


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _one(node: ast.AST) -> bool:
    """1 as a literal or a cast literal (``1``, ``1.0``, ``np.float32(1)``)."""
    if _literal(node):
        return node.value == 1
    return isinstance(node, ast.Call) and len(node.args) == 1 and _one(node.args[0])


def _odds(node: ast.AST) -> bool:
    """``u / (1 - u)`` or ``(1 - u) / u``, the two u the same expression."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
        return False
    for u, rest in ((node.left, node.right), (node.right, node.left)):
        if isinstance(rest, ast.BinOp) and isinstance(rest.op, ast.Sub) and _one(rest.left) \
                and ast.dump(rest.right) == ast.dump(u):
            return True
    return False


def _sqrt2(node: ast.AST) -> bool:
    """sqrt(2) as a call (``np.sqrt(2)``, ``math.sqrt(2.0)``) or a constant named SQRT2."""
    if _called(node) == "sqrt" and node.args and _literal(node.args[0]) \
            and node.args[0].value == 2:
        return True
    name = node.id if isinstance(node, ast.Name) else \
        node.attr if isinstance(node, ast.Attribute) else ""
    return re.fullmatch(r"_?SQRT_?2", name) is not None


def _sum_of_exp(node: ast.AST) -> bool:
    """An expression that sums exp(...): ``np.exp(x).sum(...)``, ``np.sum(np.exp(x))`` or
    ``instance_sum(np.exp(x), ...)`` (memory's sum over instances)."""
    return any(_called(n) in ("sum", "instance_sum") and any(_called(m) == "exp" for m in ast.walk(n))
               for n in ast.walk(node))


def _negated_variable(node: ast.AST) -> bool:
    """``-x`` where x is not a number literal (``-d``, ``-self.decay``, ``-d[:, None]``)."""
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
        and not _literal(node.operand)


def _mentions_temperature(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        name = sub.id if isinstance(sub, ast.Name) else \
            sub.attr if isinstance(sub, ast.Attribute) else None
        if name is not None and TEMPERATURE.match(name):
            return True
    return False


def _mentions_inverse_temperature(node: ast.AST) -> bool:
    return any((isinstance(sub, ast.Name) and "inv_tau" in sub.id)
               or (isinstance(sub, ast.Attribute) and "inv_tau" in sub.attr)
               for sub in ast.walk(node))


def _scopes(tree: ast.Module):
    """Each function (with what it contains) and the module's own statements."""
    top = [n for n in tree.body
           if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    yield ast.Module(body=top, type_ignores=[])
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield node


def activation_math(source: str) -> list[tuple[int, str]]:
    """(line, what) of every telltale of activation math in Python ``source``.

    What it looks for, exactly:

    1. *power-law decay*: ``x ** -y``, ``x **= -y``, or a call named ``power`` or ``pow``
       (``np.power``, ``math.pow``, ``pow``) whose exponent is ``-y``, where y is not a
       number literal (``age ** -decay``; ``2.0 ** -25`` is not flagged);
    2. *log of a time difference*: a call named ``log`` (``np.log``, ``math.log``) whose
       argument is a subtraction ``a - b`` with neither side a number literal
       (``np.log(t - created)``);
    3. *logistic noise*: the odds ``u / (1 - u)`` or ``(1 - u) / u`` (the two u the same
       expression; 1 may be cast, ``np.float32(1)``) in a function that calls a function
       named ``log``, or any use of an attribute or a called function named
       ``logistic`` (``rng.logistic(...)``, ``scipy.stats.logistic``);
    4. *exp-normalise softmax*: a function (or the module's top level) that calls a
       function named ``exp`` and also divides by an expression naming a temperature
       (an identifier ``temperature``, ``temperatures``, ``tau``, ``taus``, ``temp``,
       ``inv_tau`` or ``effective_temperature``, also as an attribute such as
       ``self.tau``), multiplies by an identifier containing ``inv_tau``, or divides by
       the sum (``x.sum(...)``, ``np.sum(x)``) of a variable assigned from an ``exp`` call;
    5. *log-sum-exp* (ACT-R's blended activation ln sum exp A): in a function that calls
       ``exp``, a call named ``log`` of an expression that sums an ``exp`` call
       (``np.exp(x).sum(...)``, ``np.sum(np.exp(x))``) or of a variable assigned from one;
    6. *the default temperature*: a multiplication by sqrt(2) (a call named ``sqrt`` of
       the literal 2, or an identifier ``SQRT2``, ``_SQRT2``, ``SQRT_2``), or a comparison
       with an identifier ``MINIMUM_TEMPERATURE``.

    Calls are recognised by the bare function name, whatever the module it comes from.
    The logit choice rules of the baselines (``expit(d / temperature)``, ``log_expit``),
    Thurstone's ``ndtr(d / sqrt(2))``, SciPy's ``logsumexp`` of a mixture likelihood and
    ACT-R's latency ``F exp(-f A)`` are none of these.
    """
    tree = ast.parse(source)
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Pow) \
                and _negated_variable(node.right if isinstance(node, ast.BinOp) else node.value):
            found.add((line, "power-law decay x ** -d"))
        name = _called(node)
        if name in ("power", "pow") and len(node.args) >= 2 and _negated_variable(node.args[1]):
            found.add((line, "power-law decay power(x, -d)"))
        if name == "log" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Sub) \
                    and not _literal(arg.left) and not _literal(arg.right):
                found.add((line, "log of a time difference"))
        if (isinstance(node, ast.Attribute) and node.attr == "logistic") or name == "logistic":
            found.add((line, "logistic noise (a logistic distribution)"))
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Mult) \
                and any(_sqrt2(x) for x in ((node.left, node.right)
                                            if isinstance(node, ast.BinOp) else (node.value,))):
            found.add((line, "default temperature sqrt(2) * noise"))
        if isinstance(node, ast.Compare) and any(
                isinstance(x, (ast.Name, ast.Attribute))
                and (x.id if isinstance(x, ast.Name) else x.attr) == "MINIMUM_TEMPERATURE"
                for x in [node.left, *node.comparators]):
            found.add((line, "default temperature: comparison with MINIMUM_TEMPERATURE"))
    for scope in _scopes(tree):
        nodes = list(ast.walk(scope))
        if any(_called(n) == "log" for n in nodes):
            for n in nodes:
                if _odds(n):
                    found.add((n.lineno, "logistic noise log(u / (1 - u))"))
        exps = [n for n in nodes if _called(n) == "exp"]
        if not exps:
            continue
        summed_exp = {t.id for n in nodes if isinstance(n, ast.Assign) and _sum_of_exp(n.value)
                      for t in n.targets if isinstance(t, ast.Name)}
        for n in nodes:
            if _called(n) == "log" and any(
                    _sum_of_exp(a) or any(isinstance(x, ast.Name) and x.id in summed_exp
                                          for x in ast.walk(a)) for a in n.args):
                found.add((n.lineno, "log-sum-exp ln sum exp(A)"))
        from_exp = {t.id for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign))
                    and any(_called(v) == "exp" for v in ast.walk(n.value))
                    for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                    if isinstance(t, ast.Name)}
        for n in nodes:
            if not isinstance(n, (ast.BinOp, ast.AugAssign)):
                continue
            right = n.right if isinstance(n, ast.BinOp) else n.value
            if isinstance(n.op, ast.Div) and _mentions_temperature(right):
                found.add((n.lineno, "softmax exp(A / temperature)"))
            if isinstance(n.op, ast.Mult) and _mentions_inverse_temperature(right):
                found.add((n.lineno, "softmax exp(A * inverse temperature)"))
            if isinstance(n.op, ast.Div) and _called(right) == "sum":
                summed = [right.func.value] if isinstance(right.func, ast.Attribute) \
                    and not (isinstance(right.func.value, ast.Name)
                             and right.func.value.id in ("np", "numpy")) else right.args[:1]
                if any(isinstance(x, ast.Name) and x.id in from_exp for x in summed):
                    found.add((n.lineno, "softmax exp(...) / sum"))
    return sorted(found)


def _package_modules() -> list[Path]:
    return sorted((ROOT / "cogsim").rglob("*.py"))


def test_memory_is_the_only_module_computing_activations():
    """No module of cogsim but cogsim/memory.py contains activation math (see
    `activation_math` for exactly what is looked for): base-level learning, logistic
    noise, retrieval probabilities and blending are cogsim.memory's, which the IBL,
    ACT-R, described-gamble and repeated-choice models call."""
    offenders = []
    for path in _package_modules():
        if path == ROOT / "cogsim" / "memory.py":
            continue
        for line, what in activation_math(path.read_text()):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not offenders, "activation math outside cogsim/memory.py:\n" + "\n".join(offenders)


def test_the_check_sees_the_math_in_memory():
    """The check is not vacuous: run on cogsim/memory.py it finds each kind of math."""
    found = [what for _, what in activation_math((ROOT / "cogsim" / "memory.py").read_text())]
    for kind in ("power-law decay", "logistic noise", "softmax", "log-sum-exp",
                 "default temperature"):
        assert any(what.startswith(kind) for what in found), (kind, found)


@pytest.mark.parametrize("snippet, kind", [
    ("def f(t, tk, d):\n    return np.log(np.sum((t - tk) ** -d))", "power-law decay"),
    ("def f(age, d):\n    return np.power(age, -d)", "power-law decay"),
    ("def f(t, created):\n    return np.log(t - created)", "log of a time difference"),
    ("def f(u):\n    return np.log(u / (1 - u))", "logistic noise"),
    ("def f(u):\n    return np.log((np.float32(1) - u) / u)", "logistic noise"),
    ("def f(rng, s):\n    return rng.logistic(scale=s, size=3)", "logistic noise"),
    ("def f(a, temperature):\n    w = np.exp(a / temperature)\n    return w", "softmax"),
    ("def f(a, tau):\n    z = a / tau\n    return np.exp(z)", "softmax"),
    ("def f(a, u):\n    w = np.exp(a - a.max())\n    return (w * u).sum() / w.sum()", "softmax"),
    ("def f(a, inv_tau):\n    a *= inv_tau\n    return np.exp(a)", "softmax"),
    ("def f(a, top):\n    total = np.exp(a - top).sum(axis=0)\n    return top + np.log(total)",
     "log-sum-exp"),
    ("def f(s):\n    t = s * np.sqrt(2)\n    return 1.0 if t < 0.01 else t", "default temperature"),
    ("def f(s):\n    t = SQRT2 * s\n    return np.where(t < MINIMUM_TEMPERATURE, 1, t)",
     "default temperature"),
])
def test_the_check_finds_each_telltale(snippet, kind):
    assert any(what.startswith(kind) for _, what in activation_math(snippet)), snippet


@pytest.mark.parametrize("snippet", [
    "def f(d, temperature):\n    return expit(d / temperature)",          # logit choice rule
    "def f(a, lf, le):\n    return lf * np.exp(-le * a)",                # ACT-R latency
    "def f(p):\n    return np.log(1 - p) + 2.0 ** -25",
    "def f(s, z):\n    return s * np.exp(0.5 * z)",
    "def f(d):\n    return ndtr(d / np.sqrt(2))",                              # Thurstone
    "def f(logp):\n    return logsumexp(logp, axis=0) - np.log(len(logp))",
])
def test_the_check_leaves_other_math_alone(snippet):
    assert activation_math(snippet) == []


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        sys.exit("usage: python tests/test_one_math.py --write")
