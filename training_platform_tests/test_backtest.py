"""The walk-forward backtest, betting arithmetic, calibration error, drift and fingerprints."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from training_platform.ml.evaluation.backtest import (
    anchor_comparison,
    backtest_seasons,
    walk_forward_backtest,
)
from training_platform.ml.evaluation.betting import BettingRules, betting_metrics, max_drawdown, place_bets
from training_platform.ml.evaluation.drift import drift_check
from training_platform.ml.evaluation.metrics import expected_calibration_error, probability_metrics
from training_platform.ml.features.gold import build_gold_features
from training_platform.sources.fingerprints import changed_weeks, week_fingerprints
from training_platform.sources.synthetic import generate_league
from training_platform.sources.weeks import week_start

GAMES = generate_league("nfl", seasons=4, first_season=2021)
GOLD = build_gold_features(GAMES).assign(partition_week=lambda g: week_start(g["game_date"]))


class SeenRecorder(ClassifierMixin, BaseEstimator):
    """Remembers which games each fit saw and which games it then scored."""

    log: list = []

    def fit(self, X, y):
        self.seen_ = set(X["game_id"])
        self.classes_ = np.array([0.0, 1.0])
        return self

    def predict_proba(self, X):
        SeenRecorder.log.append((self.seen_, set(X["game_id"])))
        return np.tile([0.4, 0.6], (len(X), 1))


@pytest.mark.parametrize("refit_every_weeks", [1, 3, 53])
def test_the_walk_forward_never_scores_a_game_with_a_model_that_saw_it(refit_every_weeks):
    SeenRecorder.log = []
    report = walk_forward_backtest(SeenRecorder(), GOLD, seasons=2, refit_every_weeks=refit_every_weeks)
    scored = set()
    week_of = dict(zip(GOLD["game_id"], GOLD["partition_week"]))
    for seen, predicted in SeenRecorder.log:
        assert not seen & predicted
        assert max(week_of[g] for g in seen) < min(week_of[g] for g in predicted)
        scored |= predicted
    assert (
        len(scored)
        == report["games"]
        == GOLD[GOLD["season"].isin([2023, 2024]) & GOLD["home_win"].notna()].shape[0]
    )


def test_backtest_reports_every_metric_per_season_and_baselines_on_the_same_games():
    champion = pd.DataFrame({"game_id": GOLD["game_id"], "p_home": 0.55})
    report = walk_forward_backtest(SeenRecorder(), GOLD, seasons=2, champion=champion)
    assert report["seasons"] == [2023, 2024] and set(report["per_season"]) == {2023, 2024}
    assert {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier", "ece"} <= set(
        report["model"]
    )
    for name in ("constant_home_rate", "market", "elo", "oracle", "champion"):
        assert report["baselines"][name]["games"] == report["games"]
    # the constant baseline is each season's prior home-win rate, not the test season's own
    prior_2024 = GOLD.loc[GOLD["season"] < 2024, "home_win"].mean()
    frame = report["predictions"]
    assert np.allclose(frame.loc[frame["season"] == 2024, "p_constant_home_rate"], prior_2024)
    assert report["betting"]["bets"] > 0


class StarterReader(ClassifierMixin, BaseEstimator):
    """0.5 plus a tenth of the new-starter difference: moves only when a side's starter changes."""

    def fit(self, X, y):
        self.classes_ = np.array([0.0, 1.0])
        return self

    def predict_proba(self, X):
        p = 0.5 + 0.1 * X["qb_new_starter_diff"].fillna(0).to_numpy(float)
        return np.column_stack([1 - p, p])


def test_every_game_is_scored_as_served_before_its_starters_are_named():
    report = walk_forward_backtest(StarterReader(), GOLD, seasons=2)
    frame = report["predictions"]
    assert (frame["p_home_named_starters"] != 0.5).sum() > 5  # the league's backups and returns
    # served before lineups, a change of starter is not known yet: each team's last one is assumed
    assert np.allclose(frame["p_home"], 0.5)
    assert report["model"] == probability_metrics(frame["home_win"], frame["p_home"])  # what gates read
    named = report["named_starters"]
    assert named["model"] == probability_metrics(frame["home_win"], frame["p_home_named_starters"])
    assert named["served_minus_named"]["games"] == report["games"]
    # a model that reads no starter scores the same either way, and the report says nothing more
    assert "named_starters" not in walk_forward_backtest(SeenRecorder(), GOLD, seasons=2)


def test_a_backtest_needs_an_earlier_season():
    with pytest.raises(ValueError, match="at least two seasons"):
        backtest_seasons(GOLD[GOLD["season"] == 2024])
    assert backtest_seasons(GOLD, seasons=10) == [2022, 2023, 2024]


def bets_frame(p_home, home_win, home_ml, away_ml):
    n = len(p_home)
    return pd.DataFrame(
        {
            "game_date": pd.date_range("2024-09-05", periods=n),
            "partition_week": ["2024-09-03"] * n,
            "p_home": p_home,
            "home_win": home_win,
            "home_moneyline": home_ml,
            "away_moneyline": away_ml,
        }
    )


def test_flat_stake_profit_against_the_moneyline_with_the_vig_left_in():
    # home +150 (break-even 0.40): the model says 0.50, a 0.10 edge -> bet home, win 1.5 units.
    # second game: away -200 (break-even 0.667), model gives the away side 0.75 -> bet away, lose 1 unit.
    # third game: no side clears the threshold -> no bet.
    frame = bets_frame([0.50, 0.25, 0.55], [1, 1, 0], [150, 170, -120], [-170, -200, 100])
    bets = place_bets(frame, BettingRules(edge_threshold=0.03))
    assert list(bets["side"]) == ["home", "away"] and list(bets["profit"]) == pytest.approx([1.5, -1.0])
    result = betting_metrics(frame, BettingRules(edge_threshold=0.03))
    assert (
        result["bets"] == 2 and result["units"] == pytest.approx(0.5) and result["roi"] == pytest.approx(0.25)
    )
    assert result["max_drawdown_units"] == pytest.approx(1.0)
    # the away bet: Kelly stake (0.5 * 0.75 - 0.25) / 0.5 = 0.25, a quarter of it 0.0625, capped at 5%
    assert result["max_drawdown_kelly"] == pytest.approx(0.05)


def test_no_bet_without_valid_odds_or_a_result():
    frame = bets_frame([0.9, 0.9], [np.nan, 1], [150, 50], [-170, -170])  # unplayed; +50 is not valid odds
    assert betting_metrics(frame)["bets"] == 0


def test_max_drawdown():
    assert max_drawdown(np.array([0, 2, 1, 3, 0.5])) == pytest.approx(2.5)
    assert max_drawdown(np.array([1.0, 2.0, 1.0]), relative=True) == pytest.approx(0.5)


def test_expected_calibration_error_by_hand():
    y = np.array([1, 0, 1, 1])
    p = np.array([0.15, 0.15, 0.85, 0.85])  # bin 1: 0.5 observed vs 0.15; bin 8: 1.0 vs 0.85
    assert expected_calibration_error(y, p) == pytest.approx((2 * 0.35 + 2 * 0.15) / 4)
    assert probability_metrics(y, p)["ece"] == pytest.approx(0.25)


def test_drift_needs_a_full_window_and_a_clear_decay():
    y = np.array([1.0, 0.0] * 30)
    assert not drift_check(np.full(60, 0.5), y, reference_brier=0.24, window=50).decayed  # 0.25 <= 0.26
    assert drift_check(1 - y, y, reference_brier=0.24, window=50).decayed
    assert not drift_check((1 - y)[:20], y[:20], reference_brier=0.24, window=50).decayed  # too few games


def test_drift_does_not_fire_on_sampling_noise():
    """A champion exactly as good as its backtest says: its 50-game rolling Brier wanders by about
    0.014, so a bare 0.02 tolerance would request retraining for about one window in ten."""
    rng = np.random.default_rng(0)
    p = rng.uniform(0.3, 0.8, (2000, 50))
    y = (rng.uniform(size=p.shape) < p).astype(float)
    reference = float(np.mean(p * (1 - p)))  # the expected Brier of a calibrated forecast
    naive = np.mean([np.mean((pi - yi) ** 2) > reference + 0.02 for pi, yi in zip(p, y)])
    fired = np.mean(
        [drift_check(pi, yi, reference, window=50, tolerance=0.02).decayed for pi, yi in zip(p, y)]
    )
    assert naive > 0.05 and fired < 0.02
    assert drift_check(1 - y[0], y[0], reference, window=50).decayed  # real decay still fires


def test_fingerprints_notice_exactly_the_changed_week():
    before = week_fingerprints(GAMES)
    changed = GAMES.copy()
    changed.loc[100, "home_score"] += 3
    after = week_fingerprints(changed.sample(frac=1.0, random_state=0))  # row order does not matter
    week = week_start([GAMES.loc[100, "game_date"]]).iloc[0].strftime("%Y-%m-%d")
    assert changed_weeks(before, after) == [week]
    assert changed_weeks(before, week_fingerprints(GAMES)) == []


def test_a_reports_data_version_moves_with_played_games_only():
    from training_platform.ml.modeling.training import played_data_hash

    base = played_data_hash(GOLD)
    fixture = GOLD.tail(1).assign(
        game_id="upcoming", home_win=np.nan, game_date=GOLD["game_date"].max() + pd.Timedelta(days=7)
    )
    assert played_data_hash(pd.concat([GOLD, fixture])) == base  # a coming game scheduled: no report is stale
    assert played_data_hash(GOLD.sample(frac=1.0, random_state=2)) == base  # order does not matter
    corrected = GOLD.copy()
    corrected.loc[corrected.index[10], "home_win"] = 1 - corrected.loc[corrected.index[10], "home_win"]
    assert played_data_hash(corrected) != base
    assert played_data_hash(GOLD.iloc[0:0]) == ""


def test_each_variant_is_compared_with_its_own_anchor_on_the_same_games():
    report = walk_forward_backtest(SeenRecorder(), GOLD, seasons=2)
    frame = report["predictions"]
    # Elo's baseline is the gold table's pre-game probability of the very games scored
    expected = GOLD.set_index("game_id").loc[frame["game_id"], "elo_prob_home"].to_numpy()
    assert np.allclose(frame["p_elo"], expected)
    free, aware = anchor_comparison(report, "market_free"), anchor_comparison(report, "market_aware")
    assert free["anchor"] == "elo" and aware["anchor"] == "market"
    # the model always says 0.6: its Brier minus Elo's, game by game
    y = frame["home_win"].to_numpy()
    assert free["brier_diff"] == pytest.approx(np.mean((0.6 - y) ** 2 - (expected - y) ** 2))
    assert aware["brier_diff"] == pytest.approx(
        report["baselines"]["market"]["model_minus_this"]["brier_diff"]
    )
    no_lines = walk_forward_backtest(SeenRecorder(), GOLD.assign(market_prob_home=np.nan), seasons=2)
    assert anchor_comparison(no_lines, "market_aware") == {"anchor": "market", "games": 0}
