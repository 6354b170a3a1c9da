"""`make scorecard`: the platform's forecasts on real games, beside the market and FiveThirtyEight.

For each window (first and last season) and each model: tuned on the seasons before the window only,
then walk-forward over the window (refitted every few weeks on the games before, calibrated on
out-of-fold predictions of those games), exactly the path reports/<model>_<sport> takes. Every
forecaster is scored on the identical games: those with a result, a closing moneyline and, where the
window has them, FiveThirtyEight's forecasts. Writes bench/scorecard.json, the README section "How good
are the forecasts" and docs/scorecard_reliability.png; `make bench` adds the best of each variant to
bench/results.json as scorecard_<sport>_<variant>_<first>_<last>_<brier|log_loss>.

Run: python bench/scorecard.py [--models elo,logistic,market_correction] [--n-trials 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NFLVERSE = SHARED / "nflverse_games_1999_2024.csv.gz"
KAGGLE_NBA = SHARED / "nba_betting_kaggle_2008_2025.csv.gz"
FIVETHIRTYEIGHT = {
    "nfl": ("538_nfl_elo_2012_2021", "538_nfl_elo_latest_2022"),
    # the 1947-2020 file stops at the 2020 bubble's restart; the 2020 season's own file completes it
    "nba": (
        "538_nba_elo_1947_2020",
        "538_nba_elo_latest_2020",
        "538_nba_elo_latest_2021",
        "538_nba_elo_latest_2022",
    ),
}
REQUIRED = (
    NFLVERSE,
    KAGGLE_NBA,
    *(SHARED / f"{name}.csv.gz" for names in FIVETHIRTYEIGHT.values() for name in names),
)
OUT = Path(__file__).parent / "scorecard.json"
README = ROOT / "README.md"
DIAGRAM = ROOT / "docs" / "scorecard_reliability.png"
sys.path.insert(0, str(ROOT))

from bench.scorecard_table import (  # noqa: E402
    join_fivethirtyeight,
    render,
    replace_section,
    results_rows,
    window_table,
)
from training_platform.ml.evaluation.backtest import walk_forward_backtest  # noqa: E402
from training_platform.ml.features.gold import build_gold_features  # noqa: E402
from training_platform.ml.modeling.calibration import TimeSeriesCalibratedClassifier  # noqa: E402
from training_platform.ml.modeling.catalog import calibration_of, variant_of  # noqa: E402
from training_platform.ml.modeling.markets import MARKETS  # noqa: E402
from training_platform.ml.modeling.training import default_splitter, training_rows  # noqa: E402
from training_platform.ml.modeling.tuning import search_space, seed_for, tune  # noqa: E402
from training_platform.ml.modeling.zoo import make_model  # noqa: E402
from training_platform.sources.nflverse import read_nflverse_games  # noqa: E402
from training_platform.sources.registry import SourceSpec, load_games  # noqa: E402
from training_platform.sources.weeks import week_start  # noqa: E402
from training_platform.sports import PACKAGE_SPORTS_FILE  # noqa: E402

WINDOWS = {"nfl": ((2012, 2022), (2010, 2022), (2023, 2024)), "nba": ((2014, 2022),)}  # NBA: end years
MODELS = ("elo", "logistic_market_free", "logistic", "market_correction")  # xgboost: --models, slower
# Also shown as served before starters are named (as nflverse serves every forecast, and reports score).
SERVED = ("logistic_market_free",)
METHOD = {"elo": "grid"}  # as tuning/<model>_<sport>
REFIT_EVERY_WEEKS = {"elo": 53}  # Elo updates online game by game; its constants are refitted yearly


def log(message: str) -> None:
    print(message, flush=True)


def games_of(sport: str, work: Path) -> pd.DataFrame:
    """The real games, read as a user would: nflverse's reader, or the Kaggle NBA file through the sports
    file mapping docs/csv_schema.md shows (on top of the package's NBA entry, so Elo keeps NBA's defaults)."""
    if sport == "nfl":
        return read_nflverse_games(str(NFLVERSE))
    shown = yaml.safe_load(
        re.search(r"```yaml\n(.*?)```", (ROOT / "docs" / "csv_schema.md").read_text(), re.S)[1]
    )
    sports = yaml.safe_load(PACKAGE_SPORTS_FILE.read_text())
    sports["sports"]["nba"].update({k: v for k, v in shown["sports"]["nba"].items() if k.startswith("csv_")})
    path = work / "sports.yaml"
    path.write_text(yaml.safe_dump(sports))
    before = os.environ.get("TP_SPORTS_FILE")
    os.environ["TP_SPORTS_FILE"] = str(path)
    try:
        return load_games(SourceSpec.parse(f"csv:{KAGGLE_NBA}"), "nba", work / "cache")
    finally:
        if before is None:
            del os.environ["TP_SPORTS_FILE"]
        else:
            os.environ["TP_SPORTS_FILE"] = before


def gold_of(games: pd.DataFrame) -> pd.DataFrame:
    gold = build_gold_features(games)
    return gold.assign(partition_week=week_start(gold["game_date"]).to_numpy())


def fivethirtyeight(sport: str) -> pd.DataFrame:
    frames = [pd.read_csv(SHARED / f"{name}.csv.gz") for name in FIVETHIRTYEIGHT[sport]]
    return pd.concat(frames, ignore_index=True).drop_duplicates(["date", "team1", "team2"], keep="last")


def walk_forward(
    model: str,
    sport: str,
    gold: pd.DataFrame,
    first: int,
    last: int,
    n_trials: int,
    market: str = "moneyline",
) -> dict:
    """The walk-forward report of `model` over seasons first..last, tuned on the seasons before `first`.
    Its predictions' `p_home` is each game with its own named starters, as FiveThirtyEight's QB-adjusted Elo
    and the closing line know them, and `p_starters_assumed` the same fits scoring the game as it is served
    before its starters are named (the report's own `p_home`, what reports/<model>_<sport> gates)."""
    name = MARKETS[market].asset_name(model, sport)
    X, y, weeks = training_rows(gold[gold["season"] < first], market)
    started = time.perf_counter()
    tuned = tune(
        make_model(model, sport, seed=seed_for(name), market=market),
        search_space(model, sport, market),
        X,
        y,
        weeks,
        default_splitter(5, 0),
        method=METHOD.get(model, "optuna"),
        n_trials=n_trials,
        storage=None,
        study_name=f"scorecard-{name}-{first}",
        seed=seed_for(f"tuning/{name}"),
        log=lambda m: None,
    )
    estimator = TimeSeriesCalibratedClassifier(
        make_model(model, sport, tuned.best_params, seed=seed_for(name), market=market),
        method=calibration_of(model),
        n_splits=5,
    )
    report = walk_forward_backtest(
        estimator,
        gold[gold["season"] <= last],
        seasons=last - first + 1,
        refit_every_weeks=REFIT_EVERY_WEEKS.get(model, 4),
        market=market,
    )
    predictions = report["predictions"]
    predictions["p_starters_assumed"] = predictions["p_home"]
    if "p_home_named_starters" in predictions:
        predictions["p_home"] = predictions["p_home_named_starters"]
    named = report.get("named_starters", report)["model"]["brier"]
    log(
        f"  {name}: tuned {tuned.best_params} on {len(X)} games before {first}; "
        f"{report['games']} games scored, Brier {named:.4f} (as served {report['model']['brier']:.4f}) "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return report


def score_window(
    sport: str, gold: pd.DataFrame, first: int, last: int, models, n_trials: int, anchors
) -> tuple:
    frame = None
    forecasters = {model: variant_of(model) for model in models}
    for model in models:
        predictions = walk_forward(model, sport, gold, first, last, n_trials)["predictions"]
        if frame is None:
            keep = ["game_id", "game_date", "season", "home_win", "p_market", "p_constant_home_rate"]
            frame = predictions[keep].rename(columns={"p_constant_home_rate": "constant home rate"})
        by_game = predictions.set_index("game_id")
        frame[model] = frame["game_id"].map(by_game["p_home"])
        if model in SERVED and "p_home_named_starters" in by_game:
            frame[f"{model}, starters assumed"] = frame["game_id"].map(by_game["p_starters_assumed"])
            forecasters[f"{model}, starters assumed"] = "served"
    forecasters["constant home rate"] = "anchor"
    in_window = anchors.reindex(frame["game_id"])
    for column, label in (
        ("fivethirtyeight_elo", "FiveThirtyEight Elo"),
        ("fivethirtyeight_qb_elo", "FiveThirtyEight QB-adjusted Elo"),
    ):
        values = in_window[column].to_numpy() if column in in_window else None
        if values is not None and pd.notna(values).mean() > 0.95:  # only where 538 covers the window
            frame[label] = values
            forecasters[label] = "anchor"
    return window_table(frame, forecasters), frame, forecasters


def reliability_diagram(frame: pd.DataFrame, forecasters: dict, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import CalibrationDisplay

    same = frame.dropna(subset=["home_win", "p_market", *forecasters])
    figure, axes = plt.subplots(figsize=(6, 6))
    for column in [*forecasters, "p_market"]:
        label = "closing line (vig-free)" if column == "p_market" else column
        CalibrationDisplay.from_predictions(
            same["home_win"], same[column], n_bins=10, strategy="quantile", name=label, ax=axes
        )
    axes.set_title(title)
    DIAGRAM.parent.mkdir(exist_ok=True)
    figure.savefig(DIAGRAM, dpi=90, bbox_inches="tight")
    plt.close(figure)


def run(models=MODELS, n_trials: int = 20, work: Path | None = None) -> list[dict]:
    """Every window of every sport; writes the scorecard files and returns the results.json rows."""
    started = time.perf_counter()
    scorecard, rows = {"windows": {}}, []
    with tempfile.TemporaryDirectory() as tmp:
        for sport, windows in WINDOWS.items():
            games = games_of(sport, Path(work or tmp))
            gold = gold_of(games)
            anchors = join_fivethirtyeight(gold, fivethirtyeight(sport), sport)
            for first, last in windows:
                log(f"[scorecard] {sport} {first}-{last}")
                table, frame, forecasters = score_window(sport, gold, first, last, models, n_trials, anchors)
                scorecard["windows"][f"{sport}_{first}_{last}"] = table
                rows += results_rows(sport, first, last, table)
                if (sport, first, last) == ("nfl", *WINDOWS["nfl"][0]):
                    reliability_diagram(frame, forecasters, f"NFL {first}–{last}, identical games")
    OUT.write_text(json.dumps(scorecard, indent=2) + "\n")  # with the README, once: they always agree
    README.write_text(replace_section(README.read_text(), render(scorecard)))
    log(f"[scorecard] wrote {OUT}, {DIAGRAM} and README's section in {time.perf_counter() - started:.0f} s")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--n-trials", type=int, default=20)
    args = parser.parse_args(argv)
    absent = [path for path in REQUIRED if not path.exists()]
    if absent:
        print(f"scorecard: {absent[0]} is absent (the real data lives in ../shared/data)", file=sys.stderr)
        return 3
    for row in run(tuple(args.models.split(",")), args.n_trials):
        log(
            f"  {row['name']} = {row['value']} ({row['forecaster']}; {row['anchor_name']}: {row['anchor_value']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
