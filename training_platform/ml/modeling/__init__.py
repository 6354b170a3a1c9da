"""Modeling: the estimators and their zoo, time-ordered splits, calibration, fitting, tuning, warm starts, stacking."""
