"""Fitting model parameters to human data, with intervals and held-out fidelity."""
