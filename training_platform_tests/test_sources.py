"""Sources: canonical schema, synthetic league, nflverse and generic CSV readers."""

import functools
import gzip
import http.server
import os
import threading
import time

import numpy as np
import pandas as pd
import pytest

from training_platform.sources.csv_games import read_games_csv
from training_platform.sources.nflverse import read_nflverse_games
from training_platform.sources.registry import SourceSpec, load_games
from training_platform.sources.schema import COLUMNS, SchemaError, conform
from training_platform.sources.synthetic import generate_league

NFLVERSE_FIXTURE = """game_id,season,game_type,week,gameday,away_team,away_score,home_team,home_score,location,result,away_moneyline,home_moneyline,spread_line,total_line,away_rest,home_rest,div_game,roof,surface,temp,wind,away_qb_id,home_qb_id,away_spread_odds,home_spread_odds,under_odds,over_odds
2015_01_SD_STL,2015,REG,1,2015-09-13,SD,31,STL,34,Home,3,120,-140,2.5,41.5,7,7,0,dome,fieldturf,,,QB1,QB2,-110,-110,-110,-110
2016_01_OAK_LA,2016,REG,1,2016-09-11,OAK,20,LA,17,Home,-3,-150,130,-3.0,44,7,7,0,outdoors,grass,70,5,QB3,QB4,-110,-110,-110,-110
2019_21_KC_SF,2019,SB,21,2020-02-02,KC,31,SF,20,Neutral,-11,-120,100,-1.5,54.5,14,14,0,dome,grass,,,QB5,QB6,-110,-110,-110,-110
2025_12_NYJ_BAL,2025,REG,12,2025-11-23,NYJ,,BAL,,Home,,250,-300,7.5,44.5,7,7,1,outdoors,grass,,,,,-110,-110,-110,-110
"""


def test_conform_names_the_missing_columns():
    with pytest.raises(SchemaError, match=r"missing required column\(s\) \['home_score', 'away_score'\]"):
        conform(
            pd.DataFrame(
                {
                    "game_id": ["a"],
                    "sport": ["nfl"],
                    "season": [2020],
                    "game_date": ["2020-09-10"],
                    "home_team": ["A"],
                    "away_team": ["B"],
                }
            )
        )


def test_conform_names_the_first_bad_value():
    frame = pd.DataFrame(
        {
            "game_id": ["a", "b"],
            "sport": "nfl",
            "season": [2020, 2020],
            "game_date": ["2020-09-10", "2020-09-11"],
            "home_team": ["A", "C"],
            "away_team": ["B", "D"],
            "home_score": [21, "twenty"],
            "away_score": [3, 7],
        }
    )
    with pytest.raises(SchemaError, match="home_score.*'twenty'"):
        conform(frame)


@pytest.mark.parametrize("sport", ["nfl", "nba", "mlb"])
def test_synthetic_league_is_deterministic_and_complete(sport):
    games = generate_league(sport, seed=7, seasons=2)
    again = generate_league.__wrapped__(sport, seed=7, seasons=2)  # bypass the cache
    pd.testing.assert_frame_equal(games, again)
    assert not games.equals(generate_league.__wrapped__(sport, seed=8, seasons=2))
    assert list(games.columns) == list(COLUMNS)
    assert games["game_id"].is_unique
    assert games["true_home_win_prob"].between(0, 1).all()
    assert games[["home_moneyline", "away_moneyline", "spread_line", "total_line"]].notna().all().all()


@pytest.mark.parametrize(
    "sport, games_per_team, margin_sd",
    [("nfl", 17, (13, 17)), ("nba", 82, (11, 16)), ("mlb", 162, (2.5, 4.5))],
)
def test_synthetic_league_is_shaped_like_its_sport(sport, games_per_team, margin_sd):
    games = generate_league(sport, seed=3, seasons=3)
    per_team_season = pd.concat(
        [
            games[["season", "home_team"]].set_axis(["season", "team"], axis=1),
            games[["season", "away_team"]].set_axis(["season", "team"], axis=1),
        ]
    ).value_counts()
    assert abs(per_team_season.mean() - games_per_team) <= 0.05 * games_per_team
    margin = games["home_score"] - games["away_score"]
    assert margin_sd[0] < margin.std() < margin_sd[1]
    assert 0.5 < (margin > 0).mean() < 0.62  # home advantage
    # The market is informative but worse than the truth it estimates.
    y = (margin > 0).astype(float)
    oracle = ((games["true_home_win_prob"] - y) ** 2).mean()
    implied_home = np.where(
        games["home_moneyline"] < 0,
        -games["home_moneyline"] / (100 - games["home_moneyline"]),
        100 / (games["home_moneyline"] + 100),
    )
    assert oracle < ((implied_home - y) ** 2).mean() < 0.25


def test_synthetic_nfl_plays_on_real_football_days():
    games = generate_league("nfl", seed=3, seasons=1)
    weekdays = pd.to_datetime(games["game_date"]).dt.day_name().value_counts()
    assert set(weekdays.index) == {"Thursday", "Sunday", "Monday"}
    assert weekdays["Sunday"] > 0.8 * len(games)
    assert games["divisional"].mean() > 0.25  # six of seventeen games are divisional
    assert (games["home_qb_id"].str.endswith("QB2")).any()  # QB absences happen


def test_nflverse_reader_normalises_franchises_and_game_types(tmp_path):
    path = tmp_path / "games.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(NFLVERSE_FIXTURE)
    games = read_nflverse_games(path)
    assert list(games["home_team"]) == ["LAR", "LAR", "SF", "BAL"]
    assert list(games["away_team"]) == ["LAC", "LV", "KC", "NYJ"]
    assert list(games["game_type"]) == ["REG", "REG", "POST", "REG"]
    assert list(games["neutral"]) == [False, False, True, False]
    assert games.loc[0, "spread_line"] == 2.5 and games.loc[0, "home_moneyline"] == -140
    assert games.loc[1, "roof"] == "outdoors" and games.loc[1, "temp"] == 70
    assert games.loc[0, "home_qb_id"] == "QB2" and bool(games.loc[3, "divisional"])
    assert pd.isna(games.loc[3, "home_score"])  # an unplayed game keeps no score


def test_nflverse_reader_downloads_a_url_once(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "games.csv").write_text(NFLVERSE_FIXTURE)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/games.csv"
        first = read_nflverse_games(url, cache_dir=tmp_path / "cache")
        (served / "games.csv").unlink()  # the second read must come from the cache
        second = read_nflverse_games(url, cache_dir=tmp_path / "cache")
    finally:
        server.shutdown()
    pd.testing.assert_frame_equal(first, second)
    assert len([p for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".http.json")]) == 1


@pytest.fixture
def served(tmp_path):
    """A local HTTP server over a folder: (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_url_is_revalidated_and_new_weeks_arrive(served, tmp_path):
    folder, base = served
    (folder / "games.csv").write_text(NFLVERSE_FIXTURE)
    first = read_nflverse_games(f"{base}/games.csv", cache_dir=tmp_path / "cache", cache_ttl_s=0)
    unchanged = read_nflverse_games(f"{base}/games.csv", cache_dir=tmp_path / "cache", cache_ttl_s=0)  # a 304
    pd.testing.assert_frame_equal(first, unchanged)
    extra = "2025_13_NYJ_BAL,2025,REG,13,2025-11-30,NYJ,,BAL,,Home,,250,-300,7.5,44.5,7,7,1,outdoors,grass,,,,,-110,-110,-110,-110\n"
    (folder / "games.csv").write_text(NFLVERSE_FIXTURE + extra)
    os.utime(folder / "games.csv", (time.time() + 5, time.time() + 5))  # a later Last-Modified
    assert (
        len(read_nflverse_games(f"{base}/games.csv", cache_dir=tmp_path / "cache", cache_ttl_s=0))
        == len(first) + 1
    )


def test_an_error_page_is_never_cached_and_errors_name_the_url(served, tmp_path):
    folder, base = served
    (folder / "games.csv").write_text("<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(SchemaError, match=r"games\.csv.*not a games CSV.*nothing was cached"):
        read_nflverse_games(f"{base}/games.csv", cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("nflverse-*"))
    (folder / "games.csv").write_text(NFLVERSE_FIXTURE)  # the server is fixed: the next read works
    assert len(read_nflverse_games(f"{base}/games.csv", cache_dir=tmp_path / "cache")) == 4
    with pytest.raises(SchemaError, match=r"127\.0\.0\.1.*missing\.csv: HTTP 404"):
        read_nflverse_games(f"{base}/missing.csv", cache_dir=tmp_path / "cache")
    with pytest.raises(SchemaError, match=r"https://\*\*\*@127\.0\.0\.1:9/g\.csv\?key=\*\*\*: unreachable"):
        read_nflverse_games("https://me:secret@127.0.0.1:9/g.csv?key=abc", cache_dir=tmp_path / "cache")


def test_a_truncated_gzip_names_its_file(tmp_path):
    whole = gzip.compress(NFLVERSE_FIXTURE.encode() * 50)
    path = tmp_path / "games.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        SchemaError, match=r"games\.csv\.gz: not a readable CSV \((EOFError|BadGzipFile|error)"
    ):
        read_nflverse_games(path)


def test_nflverse_reader_rejects_other_files(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="not an nflverse games file"):
        read_nflverse_games(path)
    with pytest.raises(FileNotFoundError):
        read_nflverse_games(tmp_path / "absent.csv")


def test_generic_csv_reader(tmp_path):
    path = tmp_path / "games.csv"
    path.write_text(
        "game_id,season,game_date,home_team,away_team,home_score,away_score,neutral\n"
        "g1,2023,2023-05-01,AAA,BBB,3,2,0\ng2,2023,2023-05-02,BBB,AAA,,,1\n"
    )
    games = read_games_csv(path, sport="mlb")
    assert list(games["sport"]) == ["mlb", "mlb"] and list(games["neutral"]) == [False, True]
    with pytest.raises(SchemaError, match="no 'sport' column"):
        read_games_csv(path)
    path.write_text("game_id,season\ng1,2023\n")
    with pytest.raises(SchemaError, match="missing required column"):
        read_games_csv(path, sport="mlb")


@pytest.mark.parametrize("spec, message", [("kaggle:x", "unknown games source"), ("csv", "needs a location")])
def test_source_specs_are_validated(spec, message):
    with pytest.raises(ValueError, match=message):
        SourceSpec.parse(spec)


def test_nflverse_source_has_no_other_sports(tmp_path):
    with pytest.raises(ValueError, match="only has NFL games"):
        load_games(SourceSpec.parse(f"nflverse:{tmp_path}/g.csv"), "nba", tmp_path)
