"""The scorecard: identical games for every forecaster, FiveThirtyEight matched to nflverse's franchises,
and a README section and results rows that are exactly what bench/scorecard.json says."""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scorecard_table import (  # noqa: E402
    MARKERS,
    join_fivethirtyeight,
    render,
    replace_section,
    results_rows,
    window_table,
)
from training_platform_tests.conftest import SHARED_DATA, require_shared  # noqa: E402


def test_fivethirtyeight_is_matched_to_nflverse_franchises_and_either_way_round():
    games = pd.DataFrame(
        {
            "game_id": ["2015_01_SD_STL", "2020_01_WAS_LV", "2019_07_LA_CIN"],
            "game_date": ["2015-09-13", "2020-09-13", "2019-10-27"],
            "home_team": ["STL", "LV", "CIN"],
            "away_team": ["SD", "WAS", "LA"],
        }
    )
    elo = pd.DataFrame(
        {
            "date": ["2015-09-13", "2020-09-13", "2019-10-27", "2019-10-28"],
            "team1": ["LAR", "OAK", "LAR", "NE"],  # London: 538's designated home is nflverse's away team
            "team2": ["LAC", "WSH", "CIN", "BUF"],
            "elo_prob1": [0.6, 0.7, 0.8, 0.5],
            "qbelo_prob1": [0.55, 0.65, 0.75, 0.5],
        }
    )
    joined = join_fivethirtyeight(games, elo, "nfl")
    assert joined.loc["2015_01_SD_STL", "fivethirtyeight_elo"] == 0.6
    assert joined.loc["2020_01_WAS_LV", "fivethirtyeight_qb_elo"] == 0.65
    assert joined.loc["2019_07_LA_CIN", "fivethirtyeight_elo"] == pytest.approx(0.2)  # flipped to CIN
    assert len(joined) == 3  # the game nflverse does not have is not invented


def frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.3, 0.8, n)
    return pd.DataFrame(
        {
            "game_id": [f"g{i}" for i in range(n)],
            "game_date": pd.date_range("2020-09-01", periods=n, freq="D"),
            "home_win": (rng.uniform(size=n) < truth).astype(float),
            "p_market": truth,
            "sharp": np.clip(truth + rng.normal(0, 0.01, n), 0.01, 0.99),
            "coin": 0.5,
        }
    )


def test_every_forecaster_is_scored_on_the_identical_games_with_its_paired_difference_to_the_line():
    games = frame()
    games.loc[:9, "sharp"] = np.nan  # a forecaster missing games shrinks the set for everyone
    table = window_table(games, {"sharp": "market_aware", "coin": "anchor"})
    assert table["games"] == 390 and {r["games"] for r in table["rows"]} == {390}
    rows = {r["forecaster"]: r for r in table["rows"]}
    same = games.iloc[10:]
    coin_minus_line = ((0.5 - same["home_win"]) ** 2 - (same["p_market"] - same["home_win"]) ** 2).mean()
    assert rows["coin"]["vs_market"]["brier_diff"] == pytest.approx(coin_minus_line)
    assert rows["coin"]["brier"] == pytest.approx(0.25) and rows["market"]["vs_market"] is None
    results = {r["name"]: r for r in results_rows("nfl", 2020, 2021, table)}
    assert set(results) == {
        f"scorecard_nfl_{v}_2020_2021_{m}" for v in ("market_aware", "market") for m in ("brier", "log_loss")
    }
    aware = results["scorecard_nfl_market_aware_2020_2021_brier"]
    assert aware["forecaster"] == "sharp" and aware["anchor_value"] == round(rows["market"]["brier"], 4)


@pytest.mark.parametrize(
    "difference, shown",
    [
        (0.0012345, "+0.00123 ± 0.00010"),
        (-0.0004, "-0.00040 ± 0.00010"),
        (-0.000003, "0.00000 ± 0.00010"),
        (0.0, "0.00000 ± 0.00010"),
        (float("nan"), "–"),
    ],
)
def test_a_paired_difference_is_shown_with_its_sign_unless_it_rounds_to_zero(difference, shown):
    table = {"windows": {"nfl_2020_2021": {"games": 1, "first_game": "a", "last_game": "b", "rows": [
        {"forecaster": "m", "variant": "market_aware", "brier": 0.2, "log_loss": 0.6, "accuracy": 0.6,
         "ece": 0.01, "vs_market": {"brier_diff": difference, "brier_diff_se": 0.0001}}]}}}  # fmt: skip
    assert f"| {shown} |" in render(table)


def test_the_section_is_replaced_between_its_markers_only():
    start, end = MARKERS
    readme = f"intro\n{start}\nold table\n{end}\noutro\n"
    assert replace_section(readme, "new\n") == f"intro\n{start}\nnew\n{end}\noutro\n"
    with pytest.raises(ValueError, match="README lacks the markers"):
        replace_section("no markers here", "new\n")


def test_the_readme_and_results_say_what_the_scorecard_file_says():
    scorecard = json.loads((ROOT / "bench" / "scorecard.json").read_text())
    readme = (ROOT / "README.md").read_text()
    start, end = MARKERS
    assert readme.split(start, 1)[1].split(end, 1)[0] == "\n" + render(scorecard)
    results = {r["name"]: r for r in json.loads((ROOT / "bench" / "results.json").read_text())}
    for key, table in scorecard["windows"].items():
        sport, first, last = key.split("_")
        for row in results_rows(sport, int(first), int(last), table):
            assert {k: results[row["name"]][k] for k in row} == row


def test_the_readme_and_results_say_what_the_line_scorecard_file_says():
    from bench import line_scorecard

    rows = json.loads((ROOT / "bench" / "line_scorecard.json").read_text())
    readme = (ROOT / "README.md").read_text()
    start, end = line_scorecard.MARKERS
    assert readme.split(start, 1)[1].split(end, 1)[0] == "\n" + line_scorecard.render(rows)
    results = {r["name"]: r for r in json.loads((ROOT / "bench" / "results.json").read_text())}
    for row in line_scorecard.results_rows(rows):
        assert {k: results[row["name"]][k] for k in row} == row
    assert {(r["market"], r["model"]) for r in rows} == {
        (market, model) for market in ("ats", "totals") for model in ("elo", "logistic")
    }
    # Against a line set to split the bettors, a pick record whose whole interval is below a coin flip is
    # a bug (a sign flipped, a side mislabelled), not bad luck.
    assert all(r["hit_rate_high_95"] > 0.5 for r in rows)


def test_fivethirtyeight_covers_the_nflverse_games_it_should():
    from training_platform.sources.nflverse import read_nflverse_games

    games = read_nflverse_games(str(require_shared(SHARED_DATA / "nflverse_games_1999_2024.csv.gz")))
    games = games[games["season"].between(2012, 2021) & games["home_score"].notna()]
    elo = pd.read_csv(require_shared(SHARED_DATA / "538_nfl_elo_2012_2021.csv.gz"))
    joined = join_fivethirtyeight(games, elo, "nfl")
    assert len(joined) == len(games)  # every played game of 2012-2021 (2,690 in both)


def test_the_nba_scorecard_reads_the_kaggle_file_as_the_docs_map_it_and_finds_538_for_its_games(tmp_path):
    require_shared(SHARED_DATA / "nba_betting_kaggle_2008_2025.csv.gz")
    from bench.scorecard import fivethirtyeight, games_of

    games = games_of("nba", tmp_path)
    window = games[games["season"].between(2014, 2022) & games["home_score"].notna()]
    joined = join_fivethirtyeight(window, fivethirtyeight("nba"), "nba")
    assert len(window) > 11000 and len(joined) / len(window) > 0.99
    assert "TP_SPORTS_FILE" not in __import__("os").environ  # the mapping was the scorecard's own, and gone
