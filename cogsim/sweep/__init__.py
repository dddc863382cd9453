"""Sweeps: many runs over parameter grids, random draws and seeds, run in parallel.

``cogsim sweep SPEC [--out DIR] [--workers N] [--scheduler ADDRESS]`` reads a sweep spec
(TOML), plans every run, runs the unfinished ones on :mod:`cogsim.executor` (local worker
processes by default, a Dask distributed cluster with ``--scheduler``), and writes:

* ``DIR/runs/<run-id>/`` per run, written atomically (a hidden temporary sibling renamed into
  place): ``run.json`` (run id, seed, parameters, ``status`` "ok" or "error", the measures or
  the error message, seconds) and ``spec.toml`` (the run's resolved population spec; with
  ``keep_judgments = true`` also ``judgments.parquet``).  A restarted sweep skips the runs
  whose ``run.json`` says "ok" and redoes the others; a failing run is recorded with its
  error and the others go on; the exit status is 0 only if every run succeeded (1 if some
  failed, 2 for a bad spec, found before any run starts).
* ``DIR/summary.parquet``: one row per run, in plan order: ``run_id``, ``seed``, one column
  per varied parameter (named by its path), ``status``, ``error``, then the measures.  Its
  content depends only on the spec: identical on any executor and any number of workers.
* ``DIR/plots/<measure>-vs-<parameter>.png``: each measure against each varied parameter,
  the mean over seeds as a line with the seeds' spread (mean +- 1 SD band and each seed's
  point), one line per combination of the other varied parameters.
* ``DIR/sweep.json``: the plan (spec file, run ids and their parameters).

The spec
--------
::

    name = "annotation-budget"
    population = "../../populations/default.toml"   # base population spec (path relative to
                                                    # this file, or an inline table); default:
                                                    # the built-in population
    seeds = [0, 1, 2]             # or { count = 5, start = 0 }
    measures = ["kendall_tau_vs_true_values", "inter_annotator_agreement"]  # default: all
    plots = "auto"                # each measure vs each varied parameter; "none"; or
                                  # [{ x = "assignment.annotators_per_pair",
                                  #    y = "kendall_tau_vs_true_values" }]

    [workload]
    kind = "generate"             # or "analysis"
    items = "items.csv"           # item table (relative to this file); default: built-in
    pairs = 200                   # override the population's [assignment]
    annotators_per_pair = 3
    keep_judgments = false        # also write each run's judgments.parquet

    [variants]                    # optional: a categorical dimension named "variant"; each
    clean = {}                    # variant is a table of {path = value} patches
    fatigued = { fatigue = { base = 0.02, per_judgment = 0.01, maximum = 0.4 } }
    biased = { "position_bias.p_first" = 0.7 }

    [grid]                        # every combination of these values
    "assignment.annotators_per_pair" = [1, 3, 5, 7, 9]
    "groups.helpful.noise" = [0.1, 0.25]

    [random]                      # optional: `draws` random points, each crossed with the grid
    draws = 8
    seed = 0
    [random.parameters]
    "groups[0].decay" = { low = 0.1, high = 1.0, log = true }   # log-uniform
    "fatigue.maximum" = { low = 0.1, high = 0.4 }               # uniform
    "groups[1].model" = { choices = ["ibl", "actr"] }

Runs are variants x grid points x random draws x seeds, in that nesting order.  A
*parameter path* is a dotted path into the population spec (``assignment.pairs``,
``groups[0].noise`` or ``groups.<name>.noise``, ``groups[1].values.helpfulness``,
``fatigue.base``; a missing section is created, its other fields taking their defaults) or,
for an analysis workload, ``options.<name>``.  A path that the population spec does not have,
an empty grid, a bad seed list or an unknown measure is a spec error: exit 2, one line naming
the sweep file and the field, before any run starts.  A value the population refuses (say
``noise = -1``) fails only the runs that use it: their ``run.json`` and summary row hold the
message.  A run's id is ``p<point>-s<seed>-<hash>``, the hash covering everything that
determines the run (resolved population, workload, options, seed): a restarted sweep whose
spec changed redoes exactly the runs whose inputs changed.

Generate workloads run :func:`cogsim.generate.generate` and record the scalars of its
summary (``n_judgments``, ``inter_annotator_agreement``, ``position_bias_rate``,
``lapse_rate``, ``prefer_longer``, ``prefer_lists``, ``kendall_tau_vs_true_values``,
``kendall_tau_vs_gold_values``, ...).

Analysis workloads
------------------
An experiment gives its own Python function, which may drive the oracle, fit models, or
anything else::

    [workload]
    kind = "analysis"
    function = "analysis.py:run"      # a file relative to the sweep spec, or "package.module:run"
    [workload.options]                # free-form; vary them as "options.<name>"
    rounds = 10000

    # analysis.py
    def run(spec: dict, seed: int) -> dict[str, float]:
        population = cogsim.spec.parse_spec(spec["population"])   # validated PopulationSpec
        ...
        return {"regret": 123.0, "accuracy": 0.81}

``spec`` is the run's resolved spec, a plain dict: ``run_id``; ``population`` (the population
spec as a dict, with this run's parameters and ``seed`` applied); ``items`` (absolute path of
the item table, or None for the built-in items); ``options`` (the workload's options with this
run's ``options.*`` parameters applied); ``parameters`` (``{path: value}`` of the varied
parameters).  ``seed`` is the run's seed: every random draw of the analysis must come from
it, so that the run is reproducible on any worker.  The function returns a flat dict of
measures (numbers, booleans, strings or None), which become the run's summary columns; an
exception fails that run only (recorded with its message).  The function runs in a worker
process (or on a Dask worker): it must be importable there and must not rely on global state.
"""

from cogsim.lazy import lazy_exports

_EXPORTS = {"GENERATE_MEASURES": "cogsim.sweep.spec", "RunPlan": "cogsim.sweep.spec",
            "Sweep": "cogsim.sweep.spec", "load_sweep": "cogsim.sweep.spec",
            "SweepResult": "cogsim.sweep.run", "execute_run": "cogsim.sweep.run",
            "run_sweep": "cogsim.sweep.run"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports("cogsim.sweep", _EXPORTS)
