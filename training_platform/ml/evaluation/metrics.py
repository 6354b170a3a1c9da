"""Probability-forecast and classification metrics on a common footing."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

ECE_BINS = 10


def probability_bin(p, bins: int = ECE_BINS) -> np.ndarray:
    """Index of each probability's equal-width bin; 1.0 falls in the last bin."""
    return np.minimum((np.asarray(p, dtype=float) * bins).astype(int), bins - 1)


def expected_calibration_error(y_true, p, bins: int = ECE_BINS) -> float:
    """Mean |observed rate - mean forecast| over equal-width probability bins, weighted by games."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(p, dtype=float)
    which = probability_bin(p, bins)
    total = 0.0
    for b in np.unique(which):
        in_bin = which == b
        total += in_bin.sum() * abs(y[in_bin].mean() - p[in_bin].mean())
    return float(total / len(y))


def probability_metrics(y_true, p_home) -> dict[str, float]:
    """Every metric of P(home wins) on the games with both an outcome and a forecast.

    Precision, recall and F1 treat "home wins" as the positive class at a 0.5 threshold.
    ROC AUC is NaN when only one outcome occurs.
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(p_home, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(p)
    if not keep.any():
        raise ValueError("no games with both an outcome and a forecast")
    y, p = y[keep].astype(int), np.clip(p[keep], 1e-15, 1 - 1e-15)
    picked = (p > 0.5).astype(int)
    return {
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "accuracy": float(accuracy_score(y, picked)),
        "precision": float(precision_score(y, picked, zero_division=0)),
        "recall": float(recall_score(y, picked, zero_division=0)),
        "f1": float(f1_score(y, picked, zero_division=0)),
        "roc_auc": float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan"),
        "ece": expected_calibration_error(y, p),
        "games": int(keep.sum()),
    }


def paired_difference(y_true, p_model, p_anchor) -> dict[str, float]:
    """The model's per-game Brier and log loss minus the anchor's, on the games both forecast: the mean
    difference (< 0: the model is better) and its standard error (games are treated as independent)."""
    y = np.asarray(y_true, dtype=float)
    p, q = (np.clip(np.asarray(v, dtype=float), 1e-15, 1 - 1e-15) for v in (p_model, p_anchor))
    keep = ~np.isnan(y) & ~np.isnan(p) & ~np.isnan(q)
    y, p, q = y[keep], p[keep], q[keep]
    if len(y) < 2:
        return {"games": int(len(y))}
    brier = (p - y) ** 2 - (q - y) ** 2
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)) + (y * np.log(q) + (1 - y) * np.log(1 - q))
    return {
        "games": int(len(y)),
        "brier_diff": float(brier.mean()),
        "brier_diff_se": float(brier.std(ddof=1) / np.sqrt(len(y))),
        "log_loss_diff": float(loss.mean()),
        "log_loss_diff_se": float(loss.std(ddof=1) / np.sqrt(len(y))),
    }
