#!/bin/sh
# IBL (and the CPT baseline, on the same 30 games) calibrated on CPC18 Track II block rates.
# Run from the repository root; about 1.5 minutes.
cogsim calibrate cpc18_track2 --model ibl --n-train 30 --curve 10,20,30 --seed 0 \
    --out calibration/cpc18_track2/ibl-seed0 "$@"
