"""What the Dagster definitions need from ml/ when they load: the models on offer, what each reads,
and the backtest window's default. Plain Python (no numpy, pandas or scikit-learn), so loading the
definitions stays cheap; ml/modeling/zoo.py builds the models themselves."""

from training_platform.ml.features.columns import MARKET_COLUMNS, MODEL_FEATURES

MARKET_FREE = "_market_free"  # a feature model's variant that reads no line
MODEL_NAMES = (
    "elo",
    "logistic",
    "xgboost",
    "random_forest",
    "hist_gradient_boosting",
    "ensemble",
    "market_correction",  # the closing line's log-odds plus a correction regularised to zero
    "logistic" + MARKET_FREE,  # the same models on the features known before any line is posted
    "xgboost" + MARKET_FREE,
)
IMBALANCE = ("none", "class_weight", "smotenc")
BACKTEST_SEASONS = 5  # the report's walk-forward window, and the seasons tuning leaves out of its study
ELO_COLUMNS = ["game_id", "game_date", "season", "home_team", "away_team", "neutral", "home_margin"]
MARKET_FREE_COLUMNS = [c for c in MODEL_FEATURES if c not in MARKET_COLUMNS]


def base_model(name: str) -> str:
    """The estimator a model name builds: `logistic_market_free` is `logistic` on other columns."""
    return name.removesuffix(MARKET_FREE)


def variant_of(name: str) -> str:
    """ "market_free" when the model reads no market input (it can score games before lines are
    posted and look for an edge over the market), else "market_aware"."""
    return "market_aware" if set(input_columns(name)) & set(MARKET_COLUMNS) else "market_free"


def input_columns(name: str) -> list[str]:
    """The gold columns a model reads (Elo: the games and, for its online updates, past margins)."""
    if name == "elo":
        return ELO_COLUMNS
    return MARKET_FREE_COLUMNS if name.endswith(MARKET_FREE) else list(MODEL_FEATURES)
