"""The likelihood of a person's choices under a population model: a mixture over equally
weighted components (levels of a parameter spread across people)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["mixture_trial_log_likelihood"]


def mixture_trial_log_likelihood(logp: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-trial terms of a mixture likelihood over K equally weighted components.

    ``logp`` (K, P, T) holds log P_k of each observed choice, ``mask`` (P, T) which
    entries are trials.  Returns (P, T): log P(c_t | c_<t) = log sum_k w_k P_k(c_t), with
    w_k the posterior weight of component k after the earlier trials; the terms of a
    person sum to log mean_k prod_t P_k(c_t).  Masked-out entries are 0.
    """
    logp = np.where(mask, logp, 0.0)
    if logp.shape[0] == 1:
        return logp[0]
    cum = np.cumsum(logp, axis=-1)
    prev = cum - logp
    return np.where(mask, logsumexp(cum, axis=0) - logsumexp(prev, axis=0), 0.0)
