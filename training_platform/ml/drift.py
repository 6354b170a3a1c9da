"""Has the champion decayed? Its rolling Brier on recent games against its backtest Brier."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DriftCheck:
    games: int
    rolling_brier: float
    reference_brier: float
    tolerance: float
    decayed: bool

    def describe(self) -> str:
        return (f"rolling Brier {self.rolling_brier:.4f} over the last {self.games} games vs backtest "
                f"{self.reference_brier:.4f} + {self.tolerance} -> {'DECAYED' if self.decayed else 'ok'}")


def drift_check(p_home, home_win, reference_brier: float, window: int = 50, tolerance: float = 0.02) -> DriftCheck:
    """Decayed when the Brier of the last `window` scored games exceeds the reference by more
    than `tolerance`. Fewer than `window` games never count as decay: too noisy to act on."""
    p = np.asarray(p_home, dtype=float)
    y = np.asarray(home_win, dtype=float)
    keep = ~np.isnan(p) & ~np.isnan(y)
    p, y = p[keep][-window:], y[keep][-window:]
    brier = float(np.mean((p - y) ** 2)) if len(p) else float("nan")
    return DriftCheck(len(p), brier, reference_brier, tolerance,
                      decayed=len(p) >= window and brier > reference_brier + tolerance)
