#!/bin/sh
# IBL population (and the delta-rule baseline, on the same 30 people) calibrated on the
# choice-engineering bandit data.  Run from the repository root; about 15 minutes.
cogsim calibrate choice_engineering --model ibl --n-train 30 --folds 3 --n-boot 5 \
    --curve 10,30,100 --seed 0 --out calibration/choice_engineering/ibl-seed0 "$@"
