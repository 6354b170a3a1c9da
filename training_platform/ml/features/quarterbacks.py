"""Who starts at quarterback, and what he is worth: features known once starters are named.

In the spirit of FiveThirtyEight's QB-adjusted Elo, every starter has a value: how far his team's results
beat its Elo expectation in his starts, exponentially weighted (each start counts `QB_WEIGHT`, as 538
blends a game). A game's starter is named before its closing line (NFL teams name starters days ahead;
the inactive list is final 90 minutes before kickoff), so the features read the game's own starter when
the source names him: a backup's first start moves that game's forecast. A coming game the source names
no starter for (nflverse fills starters only once a game is played) takes the team's last starter, and
`<side>_qb_named` says so and predictions/<sport> flags the game. Gold also keeps every game's differences as
made that way (`*_before_lineups`), and reports score every game with them: the figures a gate reads are
those of a forecast served before its starters are named, and one that names them is better informed.

Results update values only after the whole game day, so no game sees its own day's results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from training_platform.ml.features.columns import QB_PER_SIDE as PER_SIDE

QB_WEIGHT = 0.1  # each start's share of a QB's value (538 blends a game at 0.1 too)
# Starts of the team's last RECENT_STARTS games the starter made: 5 scored best of 3, 5, 10, 16 and 32
# on nflverse 2004-11 (walk-forward, market-free logistic), seasons before every scorecard window.
RECENT_STARTS = 5


def _named(qb) -> bool:
    return isinstance(qb, str) and qb != ""


def qb_features(games: pd.DataFrame, elo_prob_home: np.ndarray, starters_named: bool = True) -> pd.DataFrame:
    """Per side (`home_`, `away_` + PER_SIDE), before the game day's results:

    - qb_rating: the starter's value (0 for a starter never seen: the average);
    - qb_rating_change: his value minus the team's last starter's (0 when he is that starter);
    - qb_new_starter: 1 when he is not the team's last starter (a backup in, or the starter back);
    - qb_starts: log(1 + his earlier starts in the data);
    - qb_recent_share: the share of the team's last RECENT_STARTS games he started;
    - qb_named: 1 when the source names the game's starter, 0 when the last starter is assumed.

    Every column is empty where no starter is known (a sport whose source has no QB ids).
    `games` sorted by date (as gold sorts them). With `starters_named=False` every game's features are
    made as before its starters are named (the last starter assumed), while values still learn from the
    starters who played: what a forecast served from a source without starters (nflverse) is worth."""
    columns = [f"{side}_{name}" for side in ("home", "away") for name in PER_SIDE]
    out = pd.DataFrame(np.nan, index=games.index, columns=columns)
    if (
        not {"home_qb_id", "away_qb_id"} <= set(games)
        or games[["home_qb_id", "away_qb_id"]].isna().all().all()
    ):
        return out
    if not pd.to_datetime(games["game_date"]).is_monotonic_increasing:  # day boundaries need date order
        raise ValueError("qb_features needs games sorted by game_date (as build_gold_features sorts them)")
    margin = (games["home_score"] - games["away_score"]).to_numpy(float)
    home_result = np.where(
        margin > 0, 1.0, np.where(margin < 0, 0.0, np.where(np.isnan(margin), np.nan, 0.5))
    )
    residual = home_result - elo_prob_home  # + when the home side beat its Elo expectation
    teams = {side: games[f"{side}_team"].tolist() for side in ("home", "away")}
    starters = {side: games[f"{side}_qb_id"].tolist() for side in ("home", "away")}
    values = np.full((len(games), len(columns)), np.nan)
    value: dict[str, float] = {}
    starts: dict[str, int] = {}
    recent: dict[str, list[str]] = {}  # each team's last RECENT_STARTS starters
    dates = pd.to_datetime(games["game_date"]).to_numpy()
    bounds = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1], True])  # games arrive sorted by date
    for first, stop in zip(bounds[:-1], bounds[1:]):
        for row in range(first, stop):  # features first, from earlier days only
            for offset, side in ((0, "home"), (len(PER_SIDE), "away")):
                history = recent.get(teams[side][row], [])
                last = history[-1] if history else None
                named = starters_named and _named(starters[side][row])
                qb = starters[side][row] if named else last
                if qb is None:
                    continue
                rating = value.get(qb, 0.0)
                values[row, offset : offset + len(PER_SIDE)] = (
                    rating,
                    rating - value.get(last, 0.0) if last is not None else 0.0,
                    float(last is not None and qb != last),
                    np.log1p(starts.get(qb, 0)),
                    sum(start == qb for start in history) / len(history) if history else np.nan,
                    float(named),
                )
        for row in range(first, stop):  # then the day's starters and results
            for side, sign in (("home", 1.0), ("away", -1.0)):
                qb = starters[side][row]
                if not _named(qb):
                    continue
                team = teams[side][row]
                recent[team] = (recent.get(team, []) + [qb])[-RECENT_STARTS:]
                starts[qb] = starts.get(qb, 0) + 1
                if not np.isnan(residual[row]):
                    value[qb] = (1 - QB_WEIGHT) * value.get(qb, 0.0) + QB_WEIGHT * sign * residual[row]
    out[columns] = values
    return out
