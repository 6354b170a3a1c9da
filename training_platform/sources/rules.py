"""The data-quality rules raw/games checks, by name, and their thresholds.

Plain constants: the asset checks are declared from them when the Dagster definitions load, before
any table is read (sources/quality.py applies them).
"""

# rule name -> what it guards, as shown on the asset check.
RULES = {
    "schema": "required values present, teams distinct",
    "duplicate_game_id": "each game id once, and not already stored under another week",
    "impossible_score": "scores non-negative, at most the sport's max_score, both or neither present, no ties where the sport has none",
    "unknown_team": "every team is a known franchise of the sport",
    "future_completed_game": "no final score on a game dated after today",
    "wrong_partition": "every game dated inside the week partition it is stored under",
    "invalid_odds": "American odds are <= -100 or >= +100",
    "implausible_value": "finite lines within the sport's scores, finite odds whose two sides sum to a real "
    "book, a season within a year of the date, at most 12 games a team a week",
    "unsafe_text": "game ids and team names are plain text (no formula or markup in a CSV or report)",
}

SPREAD_CHECK = "spread_sign_convention"
MIN_SPREAD_AGREEMENT = 0.8  # the real 1999-2024 NFL file agrees in 99.6% of games; a flipped file in 0.4%
MIN_SPREAD_GAMES = 8  # fewer say nothing; every real NFL week of 8+ such games agrees in at least 87.5%
