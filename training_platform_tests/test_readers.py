"""FiveThirtyEight's Elo CSVs and the generic CSV reader's column mapping (sports file `csv_columns`), on small
files the tests write, through the registry and raw/games, and on the real files where ../shared has them."""

from __future__ import annotations

import datetime as dt

import pytest

from training_platform.sources.mapped_csv import read_fivethirtyeight
from training_platform.sources.registry import SourceSpec, load_games
from training_platform.sources.schema import SchemaError
from training_platform.sources.weeks import weeks_covering
from training_platform.storage.warehouse import Warehouse
from training_platform_tests.conftest import SHARED_DATA, make_resources, require_shared
from training_platform_tests.test_lineage import ingest

FIVETHIRTYEIGHT = """date,season,neutral,playoff,team1,team2,elo1_pre,elo2_pre,elo_prob1,elo_prob2,score1,score2
9/9/2021,2021,0,,TB,DAL,1656.2,1452.4,0.82,0.18,31,29
2021-09-12,2021,1,0,JAX,HOU,1400.0,1420.0,0.47,0.53,21,37
2021-09-12,2021,0,0,NYY,BOS,1500.0,1510.0,0.50,0.50,3,4
2021-09-12,2021,0,0,NYY,BOS,1500.0,1510.0,0.50,0.50,6,2
2022-01-16,2021,0,w,KC,PIT,1700.0,1500.0,0.80,0.20,,
"""
KAGGLE = """season,date,regular,playoffs,away,home,score_away,score_home,whos_favored,spread,total,moneyline_away,moneyline_home
2017,2016-10-25,True,False,ny,cle,88,117,home,10.5,202.5,450,-600
2017,2016-10-26,True,False,gs,sa,100,129,away,5.0,211,-220,180
2017,2017-04-16,False,True,por,gs,,,home,13.0,224,800,-1200
"""
NBA_MAPPING = """
sports:
  nba:
    source: synthetic
    max_score: 200
    ties: false
    csv_columns: {season: season, game_date: date, home_team: home, away_team: away, home_score: score_home,
                  away_score: score_away, spread_line: spread, total_line: total, home_moneyline: moneyline_home,
                  away_moneyline: moneyline_away, game_type: playoffs}
    csv_values: {game_type: {"True": POST, "False": REG}}
    csv_spread_favourite: whos_favored
"""


def test_fivethirtyeight_rows_become_home_games_with_types_ids_and_upcoming_games(tmp_path):
    path = tmp_path / "nfl_elo.csv"
    path.write_text(FIVETHIRTYEIGHT)
    games = read_fivethirtyeight(path, "nfl")
    assert games["game_id"].tolist() == [
        "nfl_20210909_DAL_TB",
        "nfl_20210912_HOU_JAX",
        "nfl_20210912_BOS_NYY",
        "nfl_20210912_BOS_NYY_2",  # a double-header
        "nfl_20220116_PIT_KC",
    ]
    assert games["game_date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2021-09-09", "2021-09-12"]
    assert games["game_type"].tolist() == ["REG", "REG", "REG", "REG", "POST"]
    assert games["neutral"].tolist() == [False, True, False, False, False]
    assert games[["home_team", "home_score", "away_score"]].iloc[0].tolist() == ["TB", 31, 29]
    assert games["home_score"].isna().tolist() == [False] * 4 + [True]  # not played yet
    assert games["true_home_win_prob"].isna().all()  # 538's forecasts are anchors, never read as inputs


def test_a_file_that_is_not_fivethirtyeights_is_refused_naming_what_is_missing(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("date,home,away\n2021-09-09,TB,DAL\n")
    with pytest.raises(
        SchemaError, match=r"not FiveThirtyEight's Elo format: missing column\(s\) \['season'"
    ):
        read_fivethirtyeight(path, "nfl")
    with pytest.raises(FileNotFoundError, match="FiveThirtyEight file not found"):
        read_fivethirtyeight(tmp_path / "absent.csv", "nfl")


@pytest.fixture
def nba_mapping(tmp_path, monkeypatch):
    sports = tmp_path / "sports.yaml"
    sports.write_text(NBA_MAPPING)
    monkeypatch.setenv("TP_SPORTS_FILE", str(sports))
    source = tmp_path / "nba.csv"
    source.write_text(KAGGLE)
    return sports, source


def test_a_mapped_csv_signs_the_spread_for_the_home_team_and_recodes_values(tmp_path, nba_mapping):
    _, source = nba_mapping
    games = load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")
    assert games["spread_line"].tolist() == [10.5, -5.0, 13.0]  # the favourite was away in the second
    assert games["game_type"].tolist() == ["REG", "REG", "POST"]
    assert games["game_id"].tolist() == ["nba_20161025_ny_cle", "nba_20161026_gs_sa", "nba_20170416_por_gs"]
    assert games[["home_moneyline", "away_moneyline", "total_line"]].iloc[1].tolist() == [
        180.0,
        -220.0,
        211.0,
    ]


def test_a_mapped_csv_is_ingested_by_raw_games(tmp_path, nba_mapping, instance):
    _, source = nba_mapping
    resources = make_resources(tmp_path / "data", nba=f"csv:{source}")
    result = ingest(resources, instance, "nba", weeks_covering(dt.date(2016, 10, 25), dt.date(2017, 4, 16)))
    assert result.success
    stored = Warehouse(resources["warehouse"].path).read("raw_games", "nba")
    assert sorted(stored["game_id"]) == ["nba_20161025_ny_cle", "nba_20161026_gs_sa", "nba_20170416_por_gs"]


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("home_team: home", "home_side: home", "csv_columns maps unknown column(s) ['home_side']"),
        (
            "home_team: home",
            "home_team: hometeam",
            "csv_columns names file column(s) it lacks: ['home_team <- hometeam']",
        ),
        (
            "csv_values: {game_type",
            "csv_values: {roof",
            "csv_values recodes 'roof', which csv_columns does not map",
        ),
        (
            "csv_spread_favourite: whos_favored",
            "csv_spread_favourite: favourite",
            "needs the file's column 'favourite'",
        ),
    ],
)
def test_a_wrong_mapping_names_the_setting_and_the_column(tmp_path, nba_mapping, old, new, message):
    sports, source = nba_mapping
    sports.write_text(sports.read_text().replace(old, new, 1))
    with pytest.raises(SchemaError) as raised:
        load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")
    assert message in str(raised.value) and str(source) in str(raised.value)


def test_a_value_the_mapping_does_not_name_and_a_spread_that_is_not_a_number_are_refused(
    tmp_path, nba_mapping
):
    _, source = nba_mapping
    source.write_text(KAGGLE.replace("True,False,ny", "TRUE,FALSE,ny"))
    with pytest.raises(SchemaError, match=r"csv_values.game_type has no entry for the file's value 'FALSE'"):
        load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")
    source.write_text(KAGGLE.replace(",home,10.5,", ",home,PK,"))
    with pytest.raises(SchemaError, match="column 'spread_line' cannot be read as numbers"):
        load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")
    source.write_text(KAGGLE.replace(",home,10.5,", ",,10.5,"))
    with pytest.raises(SchemaError, match="a spread without a favourite in 'whos_favored'"):
        load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")


def test_a_favourite_column_with_other_values_is_refused(tmp_path, nba_mapping):
    _, source = nba_mapping
    source.write_text(KAGGLE.replace(",away,5.0", ",visitor,5.0"))
    with pytest.raises(SchemaError, match="'whos_favored' must say home or away; first bad value 'visitor'"):
        load_games(SourceSpec.parse(f"csv:{source}"), "nba", tmp_path / "cache")


def test_the_real_nba_betting_file_loads_through_the_mapping_with_the_spread_on_the_favourite(
    tmp_path, monkeypatch
):
    path = require_shared(SHARED_DATA / "nba_betting_kaggle_2008_2025.csv.gz")
    sports = tmp_path / "sports.yaml"
    sports.write_text(NBA_MAPPING)
    monkeypatch.setenv("TP_SPORTS_FILE", str(sports))
    games = load_games(SourceSpec.parse(f"csv:{path}"), "nba", tmp_path / "cache")
    assert len(games) == 23118 and not games["game_id"].duplicated().any()
    priced = games.dropna(subset=["spread_line", "home_moneyline", "away_moneyline"])
    priced = priced[priced["spread_line"] != 0]
    agrees = (priced["spread_line"] > 0) == (priced["home_moneyline"] < priced["away_moneyline"])
    assert agrees.mean() > 0.99  # the spread names the moneyline favourite: the sign was mapped right
    assert set(games["game_type"]) == {"REG", "POST"}


@pytest.mark.parametrize(
    "name, sport, games, unplayed",
    [("538_nfl_elo_2012_2021", "nfl", 2690, 0), ("538_nba_elo_latest_2023", "nba", 1322, 7)],
)
def test_the_real_fivethirtyeight_files_load(name, sport, games, unplayed):
    table = read_fivethirtyeight(require_shared(SHARED_DATA / f"{name}.csv.gz"), sport)
    assert len(table) == games and table["home_score"].isna().sum() == unplayed
    assert not table["game_id"].duplicated().any()


def test_the_real_mlb_file_with_double_headers_and_a_trailing_summary_row_loads():
    table = read_fivethirtyeight(
        require_shared(SHARED_DATA / "538_mlb_elo_latest_2023_partial.csv.gz"), "mlb"
    )
    assert len(table) == 2429 and not table["game_id"].duplicated().any()
    assert table["game_id"].str.endswith("_2").sum() == 18  # the second game of each double-header


def test_the_mapping_the_csv_docs_show_is_the_one_tested_here():
    import re
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[1] / "docs" / "csv_schema.md").read_text()
    shown = yaml.safe_load(re.search(r"```yaml\n(.*?)```", doc, re.S).group(1))["sports"]["nba"]
    tested = yaml.safe_load(NBA_MAPPING)["sports"]["nba"]
    keys = ("csv_columns", "csv_values", "csv_spread_favourite", "max_score", "ties")
    assert {k: shown[k] for k in keys} == {k: tested[k] for k in keys}
