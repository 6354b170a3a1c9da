"""The markets a model forecasts: what it predicts, the line it is measured against and the odds a bet on
each side pays. Plain Python, read when the Dagster definitions load.

A market's target is 1, 0 or, for a push (the margin or total lands on the line) and a game without a
line, empty: pushes are never trained on, and are scored as pushes (the stake comes back).
"""

from __future__ import annotations

from dataclasses import dataclass

BREAK_EVEN_AT_MINUS_110 = 110 / 210  # 0.5238: the hit rate at which -110 bets break even


@dataclass(frozen=True)
class Market:
    name: str
    target: str  # gold column: 1 when the "yes" side wins
    sides: tuple[str, str]  # (yes, no), as a bet is named
    odds: tuple[str, str]  # gold columns: American odds of a bet on each side
    line: str | None = None  # gold column the target is decided against (None: the moneyline)
    push: str | None = None  # gold column: 1 when the game landed on the line
    suffix: str = ""  # asset names: models/elo_nfl, models/elo_nfl_ats, models/elo_nfl_totals
    forecast_columns: tuple[str, str] = ("p_home", "p_away")  # predictions/: P of each side

    def asset_name(self, model: str, sport: str) -> str:
        return f"{model}_{sport}{self.suffix}"

    def seat(self, sport: str) -> str:
        """The champion's seat in this market: production/nfl, production/nfl_ats, its pointer file's name."""
        return f"{sport}{self.suffix}"

    @property
    def flag(self) -> str:
        """What `tp` needs to name this market: nothing for the moneyline, its default."""
        return "" if self.name == "moneyline" else f" --market {self.name}"

    @property
    def label(self) -> str:
        return {"moneyline": "moneyline", "ats": "against the spread", "totals": "totals (over/under)"}[
            self.name
        ]


MARKETS: dict[str, Market] = {
    "moneyline": Market("moneyline", "home_win", ("home", "away"), ("home_moneyline", "away_moneyline")),
    "ats": Market(
        "ats",
        "home_cover",
        ("home", "away"),
        ("home_spread_odds", "away_spread_odds"),
        line="spread_line",
        push="spread_push",
        suffix="_ats",
        forecast_columns=("p_home_covers", "p_away_covers"),
    ),
    "totals": Market(
        "totals",
        "over",
        ("over", "under"),
        ("over_odds", "under_odds"),
        line="total_line",
        push="total_push",
        suffix="_totals",
        forecast_columns=("p_over", "p_under"),
    ),
}
LINE_MARKETS = tuple(name for name, market in MARKETS.items() if market.line)  # ats, totals


def market(name: str) -> Market:
    if name not in MARKETS:
        raise ValueError(f"unknown market {name!r}; known: {', '.join(MARKETS)}")
    return MARKETS[name]
