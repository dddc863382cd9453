"""Response times: quantiles per group and the Kolmogorov-Smirnov distance between two
samples (in seconds; rows whose ``rt`` is NaN, from models without response times, are
left out).

References
----------
- Ratcliff, R., & McKoon, G. (2008). The diffusion decision model. Neural Computation,
  20(4), 873-922 (RT quantiles .1/.3/.5/.7/.9).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cogsim.fidelity.canonical import InsufficientDataError, _check_frame, _key_columns

__all__ = ["DEFAULT_RT_QUANTILES", "ks_distance", "rt_quantiles"]

DEFAULT_RT_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)


def rt_quantiles(judgments: pd.DataFrame, by="group",
                 q: Sequence[float] = DEFAULT_RT_QUANTILES) -> pd.DataFrame:
    """Response-time quantiles (seconds) per group.

    Rows with ``rt`` NaN are dropped (models without RTs).  Quantiles use NumPy's default
    (linear interpolation, type 7).  Returns a DataFrame indexed by the ``by`` value(s)
    with one column per quantile (float labels) and ``n``; ``by=None`` gives one row,
    ``"all"``.
    """
    _check_frame(judgments, ["rt", *_key_columns(by)], "judgments", nullable=["rt"])
    qs = np.asarray(q, dtype=float)
    if qs.ndim != 1 or len(qs) == 0 or np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"q must be a non-empty list of probabilities in [0, 1], got {q!r}")
    rt = pd.to_numeric(judgments["rt"], errors="coerce")
    df = judgments.assign(_rt=rt)[rt.notna().to_numpy()]
    if len(df) == 0:
        raise InsufficientDataError("judgments column 'rt' has no response times (all NaN)")
    if (df["_rt"] < 0).any():
        raise ValueError("judgments column 'rt' has negative response times")
    if by is None:
        groups = [("all", df["_rt"].to_numpy())]
    else:
        groups = [(g, sub["_rt"].to_numpy()) for g, sub in df.groupby(by, sort=True)]
    rows = {g: [*np.quantile(v, qs), len(v)] for g, v in groups}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[*map(float, qs), "n"])
    out["n"] = out["n"].astype(int)
    if by is not None:
        out.index.name = by if isinstance(by, str) else None
    return out


def ks_distance(x, y) -> float:
    """Two-sample Kolmogorov-Smirnov distance ``sup_t |F_x(t) - F_y(t)|``.

    ``x``/``y`` are RT samples (array-like or Series; NaN dropped) or judgments tables (their
    ``rt`` column is used).  ``scipy.stats.ks_2samp(...).statistic``.
    """
    samples = []
    for name, s in (("x", x), ("y", y)):
        if isinstance(s, pd.DataFrame):
            _check_frame(s, ["rt"], name, nullable=["rt"])
            s = s["rt"]
        v = pd.to_numeric(pd.Series(np.asarray(s, dtype=float).ravel()), errors="coerce")
        v = v.dropna().to_numpy()
        if len(v) == 0:
            raise ValueError(f"ks_distance: sample {name!r} ('rt') has no values")
        samples.append(v)
    return float(stats.ks_2samp(samples[0], samples[1]).statistic)
