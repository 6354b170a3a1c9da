"""What the Dagster definitions need from ml/ when they load: the models on offer, what each reads,
and the backtest window's default. Plain Python (no numpy, pandas or scikit-learn), so loading the
definitions stays cheap; ml/modeling/zoo.py builds the models themselves."""

from training_platform.ml.features.columns import MARKET_COLUMNS, MODEL_FEATURES
from training_platform.ml.modeling.markets import market as market_of

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
# How a model's probabilities are calibrated ("auto": sigmoid or isotonic by out-of-fold log loss).
# market_correction is calibrated by construction: its intercept and its slope on the line's log-odds are
# a Platt map of the market, fitted with the correction, so a second map only adds noise (embedded league,
# walk-forward 2020-24: NFL log loss 0.6148 as is, 0.6165 recalibrated, the line 0.6148; MLB 0.6708,
# 0.6713, 0.6708).
CALIBRATION = {"market_correction": "none"}


def calibration_of(name: str) -> str:
    return CALIBRATION.get(base_model(name), "auto")


def base_model(name: str) -> str:
    """The estimator a model name builds: `logistic_market_free` is `logistic` on other columns."""
    return name.removesuffix(MARKET_FREE)


def variant_of(name: str, market: str = "moneyline") -> str:
    """ "market_free" when the model reads no market input (it can score games before lines are
    posted and look for an edge over the market), else "market_aware". The spread or total a line
    market's target is decided against does not count: without it nothing can be forecast."""
    own_line = {market_of(market).line}
    return (
        "market_aware"
        if set(input_columns(name, market)) & (set(MARKET_COLUMNS) - own_line)
        else "market_free"
    )


def input_columns(name: str, market: str = "moneyline") -> list[str]:
    """The gold columns a model reads (Elo: the games and, for its online updates, past margins and,
    for the totals, past totals); in a line market, the line too."""
    line = market_of(market).line
    if name == "elo":
        extra = {"ats": ["spread_line"], "totals": ["total_points", "total_line"]}.get(market, [])
        return ELO_COLUMNS + extra
    columns = MARKET_FREE_COLUMNS if name.endswith(MARKET_FREE) else list(MODEL_FEATURES)
    return columns + [line] if line and line not in columns else columns
