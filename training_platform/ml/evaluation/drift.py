"""Has the champion decayed? Its rolling Brier on recent games against its backtest Brier."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A 50-game rolling Brier has a standard error of about 0.014, so a fixed 0.02 tolerance fires on
# noise about one window in ten. Decay must also clear this many standard errors of the window.
NOISE_Z = 2.33  # one-sided 1%


@dataclass(frozen=True)
class DriftCheck:
    games: int
    rolling_brier: float
    reference_brier: float
    tolerance: float
    standard_error: float
    decayed: bool

    @property
    def margin(self) -> float:
        """How far above the reference the rolling Brier must be: the tolerance or the noise, the larger."""
        return max(self.tolerance, NOISE_Z * self.standard_error)

    def describe(self) -> str:
        return (
            f"rolling Brier {self.rolling_brier:.4f} over the last {self.games} games vs backtest "
            f"{self.reference_brier:.4f} + {self.margin:.4f} (tolerance {self.tolerance}, "
            f"{NOISE_Z} standard errors {self.standard_error:.4f}) -> {'DECAYED' if self.decayed else 'ok'}"
        )


def drift_check(
    p_home, home_win, reference_brier: float, window: int = 50, tolerance: float = 0.02
) -> DriftCheck:
    """Decayed when the Brier of the last `window` scored games exceeds the reference by more than
    the tolerance and by more than sampling noise. Fewer than `window` games never count as decay."""
    p = np.asarray(p_home, dtype=float)
    y = np.asarray(home_win, dtype=float)
    keep = ~np.isnan(p) & ~np.isnan(y)
    p, y = p[keep][-window:], y[keep][-window:]
    squared = (p - y) ** 2
    brier = float(np.mean(squared)) if len(p) else float("nan")
    error = float(np.std(squared, ddof=1) / np.sqrt(len(p))) if len(p) > 1 else float("inf")
    check = DriftCheck(len(p), brier, reference_brier, tolerance, error, decayed=False)
    decayed = len(p) >= window and brier > reference_brier + check.margin
    return DriftCheck(len(p), brier, reference_brier, tolerance, error, decayed)
