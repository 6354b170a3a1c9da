"""Probability-forecast metrics on a common footing."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss


def probability_metrics(y_true, p_home) -> dict[str, float]:
    """Log loss, Brier and accuracy of P(home wins) on games with an outcome."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(p_home, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(p)
    if not keep.any():
        raise ValueError("no games with both an outcome and a forecast")
    y, p = y[keep], np.clip(p[keep], 1e-15, 1 - 1e-15)
    return {
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "accuracy": float(accuracy_score(y, p > 0.5)),
        "games": int(keep.sum()),
    }
