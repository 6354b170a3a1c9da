"""Which candidate becomes a sport's champion: a pure function of the candidates and the incumbent.

Only comparable figures are compared. A candidate counts when its report was made on the current
data version, every threshold gate passed and it is not a version a rollback demoted. The
candidates are ranked by log loss on the games they all scored, and the best one replaces the
champion only if, on the games both scored, it is no worse than the champion by more than the
tolerance — unless this run forces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from training_platform.ml.evaluation.metrics import probability_metrics


@dataclass(frozen=True, eq=False)  # compared by identity: its forecasts are a frame
class Candidate:
    name: str  # e.g. logistic_nfl
    version: int
    data_hash: str  # of the features the report was made on
    gates_passed: bool  # every threshold gate
    forecasts: pd.DataFrame  # game_id, p_home, home_win: its walk-forward forecasts
    variant: str = "market_aware"
    # False: its forecasts were scored another way than today's reports score (older code's named
    # starters), so a gap to them measures the scoring, not the models
    comparable: bool = True

    @property
    def key(self) -> tuple[str, int]:
        return self.name, self.version


@dataclass
class Decision:
    promote: Candidate | None  # None: the champion stays
    forced: bool = False
    verdicts: dict[str, str] = field(default_factory=dict)  # name -> why it was or was not chosen
    eligible: list[str] = field(default_factory=list)
    common_games: int = 0
    champion_gap: float | None = None  # best candidate's log loss minus the champion's, on common games
    unearned: bool = False  # the champion's own current report fails today's gates: it has no seat to defend


def log_loss_on(forecasts: pd.DataFrame, games) -> float:
    rows = forecasts.set_index("game_id").loc[list(games)]
    return float(probability_metrics(rows["home_win"], rows["p_home"])["log_loss"])


def _scored(candidate: Candidate) -> set:
    f = candidate.forecasts
    return set(f.loc[f["p_home"].notna() & f["home_win"].notna(), "game_id"])


def eligibility(candidate: Candidate, data_hash: str, barred: set[tuple[str, int]]) -> str | None:
    """Why `candidate` may not be chosen, or None when it may."""
    if candidate.data_hash != data_hash:
        return "its report was made on other data than the current features; re-run its report"
    if not candidate.comparable:
        return (
            "its report scored games with their named starters (older code), not as served; re-run its report"
        )
    if not candidate.gates_passed:
        return "failed a metric gate"
    if candidate.key in barred:
        return f"v{candidate.version} was rolled back; a new version must pass against the restored champion"
    if not _scored(candidate):
        return "scored no games"
    return None


def choose(
    candidates: list[Candidate],
    data_hash: str,
    champion: Candidate | None,
    barred: set[tuple[str, int]] = frozenset(),
    tolerance: float = 0.002,
    force: set[str] = frozenset(),
) -> Decision:
    decision = Decision(promote=None)
    decision.unearned = champion is not None and champion.data_hash == data_hash and not champion.gates_passed
    eligible = []
    for candidate in candidates:
        reason = eligibility(candidate, data_hash, barred)
        if reason:
            decision.verdicts[candidate.name] = f"v{candidate.version}: not a candidate: {reason}"
        else:
            eligible.append(candidate)
    decision.eligible = [c.name for c in eligible]
    forced_pool = [c for c in eligible if c.name in force]
    pool = forced_pool or eligible
    for candidate in (c for c in eligible if c not in pool):
        decision.verdicts[candidate.name] = (
            f"v{candidate.version}: not compared: this run forces {sorted(force)}"
        )
    if not pool:
        return decision
    common = set.intersection(*(_scored(c) for c in pool))
    if not common:  # figures on different games are not comparable: choose nothing
        for c in pool:
            decision.verdicts[c.name] = (
                f"v{c.version}: no game in common with the other candidates; nothing compared"
            )
        return decision
    losses = {c.name: log_loss_on(c.forecasts, common) for c in pool}
    decision.common_games = len(common)
    best = min(pool, key=lambda c: (losses[c.name], c.name))
    for c in pool:
        decision.verdicts[c.name] = (
            f"v{c.version}: log loss {losses[c.name]:.4f} on {len(common)} common games"
            + ("; best candidate" if c is best else "")
        )
    if champion is not None and best.key == champion.key:
        decision.verdicts[best.name] += "; already the champion"
        return decision
    if champion is None:
        decision.promote = best
        return decision
    if decision.unearned:
        # the champion's own current report fails today's gates: it no longer earns its seat, and a
        # candidate that passes replaces it without having to beat it
        decision.promote = best
        decision.verdicts[best.name] += (
            f"; champion {champion.name} v{champion.version} fails the current gates: replaced"
        )
        return decision
    if not champion.comparable:
        # its report scored each game with its named starters, today's as served before they are named:
        # the gap would favour it by the scoring alone, so the best candidate that passes replaces it
        decision.promote = best
        decision.verdicts[best.name] += (
            f"; champion {champion.name} v{champion.version}'s report scored games with their named "
            "starters (older code), not as served, so it cannot be compared: replaced"
        )
        return decision
    shared = _scored(best) & _scored(champion)
    if not shared:  # the champion's forecasts are gone or cover other games: no comparison, no change
        if best.name in force:
            decision.promote, decision.forced = best, True
            decision.verdicts[best.name] += (
                "; no games in common with the champion: FORCED by this run's config"
            )
        else:
            decision.verdicts[best.name] += (
                f"; no games in common with champion {champion.name} "
                f"v{champion.version}: the champion stays (force to replace it)"
            )
        return decision
    gap = log_loss_on(best.forecasts, shared) - log_loss_on(champion.forecasts, shared)
    decision.champion_gap = gap
    beats = bool(np.isfinite(gap)) and gap <= tolerance
    comparison = f"{gap:+.4f} log loss vs champion {champion.name} v{champion.version} on {len(shared)} games"
    if beats:
        decision.promote = best
        decision.verdicts[best.name] += f"; {comparison} (tolerance {tolerance}): promoted"
    elif best.name in force:
        decision.promote, decision.forced = best, True
        decision.verdicts[best.name] += f"; {comparison}: would have failed, FORCED by this run's config"
    else:
        decision.verdicts[best.name] += (
            f"; {comparison} exceeds the tolerance {tolerance}: the champion stays"
        )
    return decision
