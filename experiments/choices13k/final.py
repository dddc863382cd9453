"""The final model (class defaults): calibrate on 100 rows for 3 draws; timings.

    python experiments/choices13k/final.py
"""
import time

import numpy as np

from cogsim.ibl.described import IBLDescriptionModel
from fit import calibrate, heldout, load, split


def timing(data):
    """Seconds per predict_rates: 100 rows (draws cached), all rows (fresh and again)."""
    model = IBLDescriptionModel()
    train, _ = split(data, 0)
    model.predict_rates(train)
    t = time.perf_counter()
    for _ in range(50):
        model.predict_rates(train)
    per100 = (time.perf_counter() - t) / 50
    t = time.perf_counter()
    model.predict_rates(data)
    fresh = time.perf_counter() - t
    return per100, fresh


if __name__ == "__main__":
    data = load()
    per100, fresh = timing(data)
    print(f"predict_rates: 100 rows {per100 * 1e3:.1f} ms; all {len(data)} rows {fresh:.2f} s")
    print("bounds:", IBLDescriptionModel.bounds)
    for draw in (0, 1, 2):
        train, test = split(data, draw)
        model = IBLDescriptionModel()
        params, fit_mse, secs = calibrate(model, train, maxiter=40, popsize=15)
        mse = heldout(model, test)
        const = float(np.mean((train.b_rate.mean() - test.b_rate) ** 2))
        print(f"draw {draw}: " + " ".join(f"{k}={v:.4f}" for k, v in params.items())
              + f"  train {fit_mse:.4f}  held-out {mse:.4f} (constant {const:.4f})"
              f"  calibration {secs:.1f} s", flush=True)
