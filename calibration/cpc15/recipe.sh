#!/bin/sh
# BEAST.sd and IBL calibrated on 60 of CPC15's 90 lab problems (block rates of the 25-trial
# protocol), each with the scaled-CPT baseline on the same 60, held out: the other 30.
# Run from the repository root.  BEAST uses the coarse-grid search (its default).
cogsim calibrate cpc15 --model beast --n-train 60 --folds 0 --n-boot 0 --curve '' --seed 0 \
    --out calibration/cpc15/beast-seed0 "$@"
cogsim calibrate cpc15 --model ibl --n-train 60 --folds 0 --n-boot 0 --curve '' --seed 0 \
    --search grid --out calibration/cpc15/ibl-seed0 "$@"
