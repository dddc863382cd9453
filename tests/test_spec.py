"""Population specs: every number within the engines' ranges, shares summing to 1, sizes
refused before allocation, and specs written as TOML that reads back to the same spec."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogsim.errors import SizeError
from cogsim.spec import (
    Dist,
    PopulationSpec,
    SpecError,
    SpecSizeError,
    load_spec,
    parse_spec,
    spec_to_toml,
)

IBL = {"name": "g", "share": 1.0, "model": "ibl", "values": {"helpfulness": 1.0}}
ACTR = {**IBL, "model": "actr"}
BASE = {"n_annotators": 10, "groups": [IBL],
        "position_bias": {"p_first": 0.6}, "fatigue": {}, "feedback": {"rate": 0.5,
        "gold": {"helpfulness": 1.0}}, "social": {}, "drift": {"sd": 0.01}}

AT_LEAST_0, ABOVE_0, FINITE = "a number >= 0", "a number > 0", "a finite number"
UNIT, HALF_TO_1 = "a number in [0, 1]", "a number in [0.5, 1]"
NAN, INF = math.nan, math.inf

# (field path, expected range, bad values, group: IBL or ACT-R)
NUMBER_FIELDS = [
    *[(f"groups[0].{k}", AT_LEAST_0, [NAN, INF, -INF, -1, -0.5], IBL)
      for k in ("noise", "decay", "mismatch_penalty", "value_noise", "prior_instances")],
    ("groups[0].temperature", "a number >= 0.01", [NAN, INF, 0, 0.005, -1], IBL),
    ("groups[0].scale", ABOVE_0, [NAN, INF, 0, -2], IBL),
    ("groups[0].share", ABOVE_0, [NAN, INF, 0, -0.5], IBL),
    ("groups[0].values.helpfulness", FINITE, [NAN, INF, -INF], IBL),
    *[(f"groups[0].{k}", AT_LEAST_0, [NAN, INF, -1], ACTR)
      for k in ("utility_noise", "latency_factor", "encoding_time", "noise", "decay")],
    *[(f"groups[0].{k}", FINITE, [NAN, INF, -INF], ACTR)
      for k in ("evaluate_utility", "retrieval_threshold")],
    ("experience_rate", UNIT, [NAN, INF, -0.1, 1.5], IBL),
    ("position_bias.p_first", HALF_TO_1, [NAN, INF, 0.3, 1.01, -1], IBL),
    ("fatigue.base", UNIT, [NAN, -0.1, 2], IBL),
    ("fatigue.maximum", UNIT, [NAN, INF, -1, 1.5], IBL),
    ("fatigue.per_judgment", AT_LEAST_0, [NAN, INF, -0.01], IBL),
    ("feedback.rate", UNIT, [NAN, -0.5, 1.2], IBL),
    ("feedback.gold.helpfulness", FINITE, [NAN, INF, -INF], IBL),
    ("social.rewire", UNIT, [NAN, INF, -0.1, 1.1], IBL),
    ("social.weight", UNIT, [NAN, -0.1, 3], IBL),
    ("drift.sd", AT_LEAST_0, [NAN, INF, -0.01], IBL),
]
COUNT_FIELDS = [
    ("n_annotators", "a whole number >= 1", [0, -5, 1.5, NAN, INF]),
    ("seed", "a whole number >= 0", [-1, 0.5, NAN]),
    ("assignment.pairs", "a whole number >= 1", [0, -3, 2.5, INF]),
    ("assignment.annotators_per_pair", "a whole number >= 1", [0, NAN]),
    ("assignment.workload", "a whole number >= 1", [0, -1, 7.5]),
    ("social.degree", "a whole number >= 1", [0, -4, 2.5]),
]
# (parameter, distribution, field of the distribution that is wrong, expected range)
DIST_FIELDS = [
    ("noise", {"dist": "normal", "mean": 0.3, "sd": -0.1}, "sd", AT_LEAST_0),
    ("noise", {"dist": "normal", "mean": NAN, "sd": 0.1}, "mean", FINITE),
    ("noise", {"dist": "lognormal", "median": -1.0, "sigma": 0.1}, "median", ABOVE_0),
    ("noise", {"dist": "lognormal", "median": 0.2, "sigma": -1.0}, "sigma", AT_LEAST_0),
    ("noise", {"dist": "lognormal", "median": 0.2, "sigma": INF}, "sigma", AT_LEAST_0),
    ("noise", {"dist": "uniform", "low": NAN, "high": 1.0}, "low", FINITE),
    ("noise", {"dist": "uniform", "low": 0.0, "high": INF}, "high", FINITE),
    ("noise", {"dist": "beta", "a": 0.0, "b": 1.0}, "a", ABOVE_0),
    ("noise", {"dist": "beta", "a": 1.0, "b": -2.0}, "b", ABOVE_0),
    ("noise", {"dist": "fixed", "value": INF}, "value", FINITE),
    ("values.helpfulness", {"dist": "normal", "mean": 1.0, "sd": NAN}, "sd", AT_LEAST_0),
]


def spec_with(path: str, value, group: dict = IBL) -> dict:
    """BASE with ``group`` as its only group and ``value`` put at the dotted ``path``."""
    data = copy.deepcopy({**BASE, "groups": [group]})
    *parents, last = path.replace("groups[0]", "groups.0").split(".")
    node = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    node[last] = value
    return data


def refusal(data: dict) -> str:
    with pytest.raises(SpecError) as e:
        parse_spec(data, "test.toml")
    message = str(e.value)
    assert "\n" not in message
    return message


def test_base_spec_is_valid():
    assert parse_spec(spec_with("groups[0].noise", 0.0)).groups[0].noise == 0.0
    assert parse_spec(spec_with("groups[0].evaluate_utility", -3, ACTR)).groups[0].evaluate_utility == -3


@pytest.mark.parametrize("path, expected, value, group", [
    (path, expected, value, group) for path, expected, values, group in NUMBER_FIELDS
    for value in values])
def test_number_out_of_range_names_file_field_range_and_value(path, expected, value, group):
    message = refusal(spec_with(path, value, group))
    assert message == f"test.toml: field '{path}': expected {expected}, got {value!r}"


@pytest.mark.parametrize("path, expected, value", [
    (path, expected, value) for path, expected, values in COUNT_FIELDS for value in values])
def test_count_out_of_range_names_file_field_range_and_value(path, expected, value):
    message = refusal(spec_with(path, value))
    assert message == f"test.toml: field '{path}': expected {expected}, got {value!r}"


@pytest.mark.parametrize("param, dist, key, expected", DIST_FIELDS)
def test_bad_distribution_parameter_names_its_field(param, dist, key, expected):
    message = refusal(spec_with(f"groups[0].{param}", dist))
    assert message == (f"test.toml: field 'groups[0].{param}.{key}': expected {expected}, "
                       f"got {dist[key]!r}")


@pytest.mark.parametrize("value", [True, "0.3", [0.3]])
def test_a_number_field_refuses_other_types(value):
    message = refusal(spec_with("groups[0].noise", value))
    assert message == f"test.toml: field 'groups[0].noise': expected {AT_LEAST_0}, got {value!r}"


@pytest.mark.parametrize("param, dist, key, expected", [
    ("noise", {"dist": "fixed", "value": -1.0}, "value", f"{AT_LEAST_0}, got -1.0"),
    ("decay", {"dist": "normal", "mean": -0.5, "sd": 0.1}, "mean", f"{AT_LEAST_0}, got -0.5"),
    ("temperature", {"dist": "lognormal", "median": 0.005, "sigma": 0.1}, "median",
     "a number >= 0.01, got 0.005"),
    ("noise", {"dist": "uniform", "low": -1.0, "high": 1.0}, "low",
     f"{AT_LEAST_0} (the whole range of a uniform distribution must fit), got -1.0"),
    ("temperature", {"dist": "beta", "a": 2.0, "b": 2.0}, "low",
     ("a number >= 0.01 (the whole range of a beta distribution must fit), got 0.0 "
      "(the default)")),
    ("scale", {"dist": "beta", "a": 2.0, "b": 2.0, "low": -1.0, "high": 1.0}, "low",
     f"{ABOVE_0} (the whole range of a beta distribution must fit), got -1.0"),
])
def test_distribution_must_fit_the_range_of_its_parameter(param, dist, key, expected):
    message = refusal(spec_with(f"groups[0].{param}", dist))
    assert message == f"test.toml: field 'groups[0].{param}.{key}': expected {expected}"


@pytest.mark.parametrize("dist, key, part", [
    ({"dist": "normal", "mean": 0.0, "sd": 1e307}, "sd", "draws stay finite"),
    ({"dist": "lognormal", "median": 1.0, "sigma": 100.0}, "sigma", "draws stay finite"),
    ({"dist": "uniform", "low": -1e308, "high": 1e308}, "high", "width"),
    ({"dist": "uniform", "low": 1.0, "high": 1.0}, "high", "low < high"),
    ({"dist": "beta", "a": 1.0, "b": 1.0, "low": 2.0}, "high", "low < high"),
    ({"dist": "normal", "mean": 1.0, "sd": 1.0, "median": 2.0}, "median", "does not apply"),
])
def test_distribution_shape_errors_name_the_field(dist, key, part):
    message = refusal(spec_with("groups[0].values.helpfulness", dist))
    assert message.startswith(f"test.toml: field 'groups[0].values.helpfulness.{key}': ")
    assert part in message


def test_missing_and_unknown_distribution_fields():
    assert refusal(spec_with("groups[0].noise", {"dist": "normal", "mean": 1.0})) == (
        "test.toml: field 'groups[0].noise': a normal distribution needs mean and sd; "
        "missing sd")
    assert "expected 'fixed', 'normal'" in refusal(spec_with("groups[0].noise", {"dist": "gamma"}))


def test_normal_distribution_with_tails_below_the_range_is_accepted_and_clipped():
    """A normal distribution of noise whose mean is in range is accepted; the population
    clips draws below 0, so the engine gets valid noise."""
    from cogsim.generate import generate
    from cogsim.tasks import default_items

    data = spec_with("groups[0].noise", {"dist": "normal", "mean": 0.05, "sd": 1.0})
    data.update(n_annotators=20, assignment={"pairs": 10, "annotators_per_pair": 2})
    result = generate(parse_spec(data), default_items())
    assert len(result.judgments) == 20
    assert (result.population.ibl.noise >= 0).all() and (result.population.ibl.noise == 0).any()


def test_odd_attribute_names_are_quoted_in_the_field_path():
    data = spec_with("groups[0].values", {"a.b c": NAN})
    assert refusal(data) == ("test.toml: field \"groups[0].values['a.b c']\": expected "
                             "a finite number, got nan")


# ------------------------------------------------------------------ shares
def test_shares_must_sum_to_one():
    groups = [{**IBL, "name": "a", "share": 0.5}, {**IBL, "name": "b", "share": 0.9}]
    assert refusal({"groups": groups}) == ("test.toml: field 'groups': expected group shares "
                                           "that sum to 1, got 1.4 (0.5 + 0.9)")
    groups[1]["share"] = 0.5 - 1e-12
    assert parse_spec({"groups": groups}).groups[1].share == 0.5 - 1e-12


def test_shipped_specs_are_valid_and_their_shares_sum_to_one():
    paths = sorted(Path("populations").glob("*.toml")) + [
        Path("cogsim/data/default_population.toml")]
    for path in paths:
        spec = load_spec(path)
        assert abs(math.fsum(g.share for g in spec.groups) - 1) <= 1e-9, path


# ------------------------------------------------------------------- sizes
@pytest.fixture
def eight_gib(monkeypatch):
    monkeypatch.setenv("COGSIM_MEMORY_LIMIT", str(8 * 2**30))


@pytest.mark.parametrize("path, value, field", [
    ("n_annotators", 1e9, "n_annotators"),
    ("n_annotators", 10**12, "n_annotators"),
    ("assignment.pairs", 100_000_000_000, "assignment.pairs"),
    ("assignment.pairs", 1e10, "assignment.pairs"),
    ("groups[0].prior_instances", 1e12, "n_annotators"),
    ("groups[0].prior_instances", {"dist": "lognormal", "median": 100.0, "sigma": 5.0},
     "n_annotators"),
])
def test_sizes_that_cannot_fit_are_refused_before_allocation(eight_gib, path, value, field):
    with pytest.raises(SpecSizeError) as e:
        parse_spec(spec_with(path, value), "test.toml")
    assert isinstance(e.value, SizeError) and isinstance(e.value, SpecError)
    message = str(e.value)
    assert message.startswith(f"test.toml: field '{field}'")
    assert "need about" in message and "the limit is 8 GiB" in message and "\n" not in message


def test_a_complete_network_is_sized_by_its_links(eight_gib):
    data = spec_with("social", {"network": "complete"})
    data["n_annotators"] = 100_000
    with pytest.raises(SpecSizeError, match=r"test\.toml: field 'social' \(complete network of "
                                            r"100,000 annotators\): 9,999,900,000 network links"):
        parse_spec(data, "test.toml")
    data["social"] = {"network": "watts_strogatz", "degree": 4}
    assert parse_spec(data).n_annotators == 100_000


def test_a_whole_number_written_as_a_float_is_accepted():
    assert parse_spec(spec_with("n_annotators", 1e3)).n_annotators == 1000
    assert refusal(spec_with("n_annotators", 1e300)) == (
        "test.toml: field 'n_annotators': expected a whole number from 1 to 2**63 - 1, "
        "got 1e+300")


def test_check_size_takes_command_line_overrides(eight_gib):
    spec = parse_spec(spec_with("n_annotators", 10))
    spec.check_size("test.toml", n_pairs=1000, annotators_per_pair=3)
    with pytest.raises(SpecSizeError, match=r"1,000,000,000,000 pairs x 3 annotators per pair"):
        spec.check_size("test.toml", n_pairs=10**12, annotators_per_pair=3)


# ----------------------------------------------------------- reading files
def test_load_spec_refuses_what_is_not_a_toml_spec(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.toml")
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)))
    with pytest.raises(SpecError, match=r"binary\.toml: not UTF-8"):
        load_spec(tmp_path / "binary.toml")
    (tmp_path / "bad.toml").write_text("[[groups]]\nname = 'g'\nshare = 1\nnoise = nan\n"
                                       "[groups.values]\nx = 1\n")
    with pytest.raises(SpecError, match=r"bad\.toml: field 'groups\[0\]\.noise': expected a "
                                        r"number >= 0, got nan$"):
        load_spec(tmp_path / "bad.toml")


def test_items_path_is_relative_to_the_spec_folder_and_written_relative(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "specs" / "out").mkdir(parents=True)
    (tmp_path / "data" / "items.csv").write_text("item_id,x\na,1\n")
    text = spec_to_toml(parse_spec({"items": "../data/items.csv", "groups": [IBL]}))
    (tmp_path / "specs" / "spec.toml").write_text(text)
    spec = load_spec(tmp_path / "specs" / "spec.toml")
    assert Path(spec.items) == tmp_path / "data" / "items.csv"
    out = tmp_path / "specs" / "out"
    written = spec_to_toml(spec, relative_to=out)
    assert tomllib.loads(written)["items"] == "../../data/items.csv"
    (out / "spec.toml").write_text(written)
    assert load_spec(out / "spec.toml").items == spec.items
    assert tomllib.loads(spec_to_toml(spec))["items"] == spec.items     # no folder: absolute


# ------------------------------------------------------------------ writing
def test_header_is_written_as_comment_lines():
    spec = parse_spec({"groups": [IBL]})
    text = spec_to_toml(spec, {"seed": 3, "note": "two\nlines\x00", "ünï": "ok"})
    assert text.splitlines()[:3] == ["# seed: 3", "# note: two lines ", "# ünï: ok"]
    assert parse_spec(tomllib.loads(text)) == spec


def finite(lo: float = -1e6, hi: float = 1e6, exclude_min: bool = False):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, exclude_min=exclude_min)


def params(lo: float = -1e6, strict: bool = False):
    """A parameter with values >= lo (> lo if strict): a number or a fitting distribution
    (lo = -1e6 stands for any finite number)."""
    number = finite(lo, 1e6, strict)
    median = finite(max(lo, 0.0), 1e6, exclude_min=True)
    default_low_fits = lo < 0 or (lo == 0 and not strict)      # beta's default range [0, 1]

    def uniform(bounds):
        return {"dist": "uniform", "low": min(bounds), "high": max(bounds)}

    def beta(args):
        a, b, low, width = args
        out = {"dist": "beta", "a": a, "b": b}
        if low is not None:
            out.update(low=low, high=low + width)
        return out
    return st.one_of(
        number,
        number.map(lambda v: {"dist": "fixed", "value": v}),
        st.tuples(number, finite(0, 1e3)).map(
            lambda t: {"dist": "normal", "mean": t[0], "sd": t[1]}),
        st.tuples(median, finite(0, 5)).map(
            lambda t: {"dist": "lognormal", "median": t[0], "sigma": t[1]}),
        st.lists(number, min_size=2, max_size=2, unique=True).map(uniform),
        st.tuples(finite(1e-3, 50), finite(1e-3, 50),
                  (st.none() | number) if default_low_fits else number,
                  finite(1e-3, 10)).map(beta),
    )


names = st.text(max_size=12)


@st.composite
def specs(draw):
    """Specs with arbitrary attribute and group names and valid parameter values."""
    attributes = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    group_names = draw(st.lists(names.filter(bool), min_size=1, max_size=3, unique=True))
    weights = draw(st.lists(st.integers(1, 9), min_size=len(group_names),
                            max_size=len(group_names)))
    groups = []
    for name, w in zip(group_names, weights):
        model = draw(st.sampled_from(["ibl", "actr", "bradley_terry", "thurstone"]))
        group = {"name": name, "share": w / sum(weights), "model": model,
                 "values": {a: draw(params()) for a in attributes},
                 "noise": draw(params(0.0)), "decay": draw(params(0.0)),
                 "scale": draw(params(0.0, strict=True)),
                 "prior_instances": draw(st.integers(0, 100))}
        if draw(st.booleans()):
            group["temperature"] = draw(params(0.01))
        if model == "actr":
            named = [a for a in attributes if a]
            group["heuristics"] = ["prefer_first"] + [f"prefer_larger:{a}" for a in named[:1]]
            group["retrieval_threshold"] = draw(params())
        groups.append(group)
    data = {"name": draw(st.text(max_size=20)), "description": draw(st.text(max_size=40)),
            "n_annotators": draw(st.integers(1, 1000)), "seed": draw(st.integers(0, 2**63 - 1)),
            "groups": groups}
    if draw(st.booleans()):
        data["feedback"] = {"rate": draw(finite(0, 1)),
                            "gold": {a: draw(finite()) for a in attributes}}
    if draw(st.booleans()):
        data["position_bias"] = {"p_first": draw(finite(0.5, 1))}
    return parse_spec(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3))
def test_spec_to_toml_reads_back_to_the_same_spec(spec, header):
    assert parse_spec(tomllib.loads(spec_to_toml(spec, header))) == spec


def test_spec_to_toml_handles_names_a_hand_writer_got_wrong():
    spec = parse_spec({"name": 'q"uote\\', "groups": [
        {**IBL, "name": "Ärger \"x\"", "values": {"a.b": 1.0, "naïve": 2.0, "with space": 3.0,
                                                  "": {"dist": "normal", "mean": 0.0,
                                                       "sd": 1.0}}}]})
    assert parse_spec(tomllib.loads(spec_to_toml(spec))) == spec
    assert isinstance(spec.groups[0].values[""], Dist) and isinstance(spec, PopulationSpec)
