"""The lab calibration: shared IBL parameters with a lapse per source, and its params.json
read by `cogsim predict --protocol cpc`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.baselines.beast import BEASTModel
from cogsim.calibration import RateData, read_params
from cogsim.calibration.lab import DECAY_BOUNDS, JointIBL, JointRateData, Shared
from cogsim.calibration.record import model_from_record

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "calibration" / "lab" / "params.json"


def gambles() -> pd.DataFrame:
    return pd.read_csv(ROOT / "populations" / "gambles.csv")


def test_joint_loss_is_the_mean_of_the_sources_with_their_own_lapse():
    table = gambles()
    online = RateData(table, np.full(len(table), 0.5), "online")
    lab = RateData(table, np.full((len(table), 5), 0.3), "lab")
    joint = JointIBL(n_agents=20).set_params(lapse_online=0.4, lapse_lab=0.0)
    both = JointRateData(online, lab)
    expected = 0.5 * online.loss(joint.for_source("online")) + 0.5 * lab.loss(
        joint.for_source("lab"))
    assert both.loss(joint) == pytest.approx(expected)
    assert joint.for_source("online").lapse == 0.4 and joint.for_source("lab").lapse == 0.0
    assert JointIBL.bounds["decay"] == DECAY_BOUNDS and DECAY_BOUNDS[1] <= 2.0
    with pytest.raises(ValueError, match="unknown parameters"):
        joint.set_params(lapse=0.1)
    shared = Shared(BEASTModel(n_agents=20))
    assert shared.for_source("online") is shared.for_source("lab")
    assert shared.param_names == BEASTModel.param_names


@pytest.mark.skipif(not LAB.exists(), reason="calibration/lab/params.json not written yet")
def test_lab_params_predict_cpc_blocks_from_the_command_line(tmp_path):
    record = read_params(LAB)
    assert (record["model"], record["kind"]) == ("ibl", "rates")
    assert record["params"]["lapse"] == record["joint"]["params"]["lapse_lab"]
    assert DECAY_BOUNDS[0] <= record["params"]["decay"] <= DECAY_BOUNDS[1]
    problems = tmp_path / "p.csv"
    gambles().to_csv(problems, index=False)
    out = tmp_path / "pred.csv"
    r = subprocess.run([sys.executable, "-m", "cogsim", "predict", "--params", str(LAB),
                        "--problems", str(problems), "--protocol", "cpc", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    predicted = pd.read_csv(out)[[f"B.{b}" for b in range(1, 6)]].to_numpy()
    model = model_from_record(record)
    np.testing.assert_allclose(predicted, model.predict_rates(gambles(), protocol="cpc"),
                               atol=1e-6)
    results = json.loads((LAB.parent / "results.json").read_text())
    assert results["cv"]["folds"] == 10
