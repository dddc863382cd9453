"""Fidelity of synthetic pairwise preferences to human data.

Every measure is a small function: pandas in, a plain ``float`` or a ``DataFrame`` out.  One
module per family of measures; every name is importable from ``cogsim.fidelity`` itself:

=================================  ==========================================================
:mod:`~cogsim.fidelity.rates`      choice rates per problem; MSD/MSE, log-loss, accuracy
:mod:`~cogsim.fidelity.agreement`  inter-annotator agreement, Fleiss'/Cohen's kappa,
                                   agreement with a human reference, AlpacaEval bias/variance
:mod:`~cogsim.fidelity.biases`     position, length and list biases
:mod:`~cogsim.fidelity.ranking`    transitivity, Bradley-Terry scores, Kendall's tau
:mod:`~cogsim.fidelity.response_times`  RT quantiles, KS distance
:mod:`~cogsim.fidelity.report`     every measure at once; reference table; ``cogsim report``
:mod:`~cogsim.fidelity.canonical`  input checks and the integer view the measures share
=================================  ==========================================================

The AlpacaEval leaderboard (human reference figures) is read by
:mod:`cogsim.datasets.leaderboards`, and human judgments in the generic schema are converted
by :mod:`cogsim.datasets.judgments_table`; both are re-exported here.

Inputs
------
*Judgments table* -- one row per judgment, the layout cogsim writes (see DESIGN.md).  Each
measure needs only some of its columns and names a missing one in its error:

=============== ===============================================================
``pair_id``     the problem a judgment belongs to (the default ``key``)
``item_a``,     the two options' item ids
``item_b``
``first``       item id shown first
``chosen``      item id chosen (must be ``item_a`` or ``item_b``)
``p_a``         model probability of choosing ``item_a`` (NaN where none)
``rt``          response time in seconds (NaN where none)
``annotator_id``, ``group``, ``step`` -- used where a measure says so
=============== ===============================================================

Human data in the same layout may have fewer columns.  Human *aggregate* data is a rate of
choosing option B (``item_b``) per problem id: either a ``pandas.Series`` indexed by problem
id, or a DataFrame with the key column and a rate column (``b_rate`` by default, the name
``cogsim.datasets`` gives it for choices13k and CPC18).

Human judgments in the generic schema of ``cogsim.datasets`` (``option_a``, ``option_b``,
``choice`` = "A"/"B", optional ``shown_first``, ``trial``) are accepted everywhere a
judgments table is and converted by :func:`from_generic_schema`
(:mod:`cogsim.datasets.judgments_table`).

*Items table* -- one row per item with an ``item_id`` column and attribute columns, e.g. a
numeric ``length`` and a boolean ``is_list``.

"The same pair"
---------------
Measures that compare several judgments of one pair group rows by ``key`` (default
``"pair_id"``; a list of columns also works; ``None`` groups by the unordered pair of item
ids).  Within a group all rows must concern the same two items (in either order) or a
``ValueError`` names the offending key.  Agreement is orientation-free: two judgments agree
when they chose the same item id.

Errors
------
Bad input raises ``ValueError`` naming the column (missing column, no rows, missing values,
``chosen`` not one of the two options).  Input that is well formed but too thin for a
measure (say, no pair judged twice, for a held-out agreement) raises
:class:`InsufficientDataError`, a ``ValueError`` subclass that :func:`fidelity_report`
catches to skip that measure.
"""

from cogsim.datasets.judgments_table import from_generic_schema
from cogsim.datasets.leaderboards import (
    alpaca_eval_human_reference,
    alpaca_eval_leaderboard,
)
from cogsim.fidelity.agreement import (
    agreement_with_reference,
    alpaca_eval_bias,
    alpaca_eval_variance,
    cohens_kappa,
    fleiss_kappa,
    heldout_agreement,
    pairwise_agreement,
)
from cogsim.fidelity.biases import (
    prefer_attribute,
    prefer_first,
    prefer_lists,
    prefer_longer,
)
from cogsim.fidelity.canonical import TIE_RULES, InsufficientDataError
from cogsim.fidelity.ranking import (
    aggregate_preferences,
    bradley_terry,
    bradley_terry_counts,
    kendall_tau,
    transitivity_violations,
)
from cogsim.fidelity.rates import accuracy, choice_rates, log_loss, msd, mse
from cogsim.fidelity.report import compare_to_reference, fidelity_report
from cogsim.fidelity.response_times import (
    DEFAULT_RT_QUANTILES,
    ks_distance,
    rt_quantiles,
)

__all__ = [
    "DEFAULT_RT_QUANTILES",
    "TIE_RULES",
    "InsufficientDataError",
    "accuracy",
    "aggregate_preferences",
    "agreement_with_reference",
    "alpaca_eval_bias",
    "alpaca_eval_human_reference",
    "alpaca_eval_leaderboard",
    "alpaca_eval_variance",
    "bradley_terry",
    "bradley_terry_counts",
    "choice_rates",
    "cohens_kappa",
    "compare_to_reference",
    "fidelity_report",
    "fleiss_kappa",
    "from_generic_schema",
    "heldout_agreement",
    "kendall_tau",
    "ks_distance",
    "log_loss",
    "msd",
    "mse",
    "pairwise_agreement",
    "prefer_attribute",
    "prefer_first",
    "prefer_lists",
    "prefer_longer",
    "rt_quantiles",
    "transitivity_violations",
]
