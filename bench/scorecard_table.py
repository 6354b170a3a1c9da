"""The scorecard's table: every forecaster on the identical games of a window, and its markdown.

Pure functions of forecasts (no fitting), so tests run them on small frames; bench/scorecard.py
produces the forecasts by walk-forward on the real files.
"""

from __future__ import annotations

import math

import pandas as pd

from training_platform.ml.evaluation.metrics import paired_difference, probability_metrics

# Our team codes -> FiveThirtyEight's, per sport. NFL: nflverse's reader gives a franchise one code
# (LAR, LAC, LV); 538 keeps a franchise's code across relocations (OAK for the Raiders in Las Vegas), and
# its 2012-2021 copy says WAS where its latest files say WSH. NBA: the Kaggle betting file's codes (case aside).
TO_FIVETHIRTYEIGHT = {
    "nfl": {"STL": "LAR", "LA": "LAR", "SD": "LAC", "LV": "OAK"},
    "nba": {
        "BKN": "BRK",
        "CHA": "CHO",
        "GS": "GSW",
        "NO": "NOP",
        "NY": "NYK",
        "PHX": "PHO",
        "SA": "SAS",
        "UTAH": "UTA",
        "WSH": "WAS",
    },
}
FIVETHIRTYEIGHT_ALIASES = {"nfl": {"WSH": "WAS"}, "nba": {}}
MARKET = "closing line (vig-free)"
MARKERS = ("<!-- scorecard -->", "<!-- /scorecard -->")


def join_fivethirtyeight(games: pd.DataFrame, elo: pd.DataFrame, sport: str) -> pd.DataFrame:
    """game_id -> 538's elo_prob1 / qbelo_prob1 for the home team of `games` (game_id, game_date,
    home_team, away_team). Matched on date and the two teams; 538's team1 is the designated home, which
    at a neutral site may be our away team, so the pair is matched either way round."""
    ours_to_theirs, aliases = TO_FIVETHIRTYEIGHT[sport], FIVETHIRTYEIGHT_ALIASES[sport]

    def code(team: str) -> str:
        return ours_to_theirs.get(team.upper(), team.upper())

    ours = games.assign(
        date=pd.to_datetime(games["game_date"]).dt.normalize(),
        home=games["home_team"].map(code),
        away=games["away_team"].map(code),
    )
    theirs = elo.assign(
        date=pd.to_datetime(elo["date"], format="mixed").dt.normalize(),
        home=elo["team1"].map(lambda c: aliases.get(c, c)),
        away=elo["team2"].map(lambda c: aliases.get(c, c)),
    )
    probabilities = [c for c in ("elo_prob1", "qbelo_prob1") if c in theirs]
    straight = ours.merge(theirs[["date", "home", "away", *probabilities]], on=["date", "home", "away"])
    swapped = ours.merge(
        theirs[["date", "home", "away", *probabilities]].rename(columns={"home": "away", "away": "home"}),
        on=["date", "home", "away"],
    )
    swapped[probabilities] = 1.0 - swapped[probabilities]
    both = pd.concat([straight, swapped]).drop_duplicates("game_id")
    return both.set_index("game_id")[probabilities].rename(
        columns={"elo_prob1": "fivethirtyeight_elo", "qbelo_prob1": "fivethirtyeight_qb_elo"}
    )


def window_table(frame: pd.DataFrame, forecasters: dict[str, str]) -> dict:
    """Metrics of every forecaster (column -> variant) on the games where all of them and the market
    have a forecast, each with its paired Brier and log-loss difference to the market."""
    columns = list(forecasters)
    same = frame.dropna(subset=["home_win", "p_market", *columns])
    rows = []
    for column, variant in forecasters.items():
        metrics = probability_metrics(same["home_win"], same[column])
        paired = paired_difference(same["home_win"], same[column], same["p_market"])
        rows.append({"forecaster": column, "variant": variant, **metrics, "vs_market": paired})
    market = probability_metrics(same["home_win"], same["p_market"])
    rows.append({"forecaster": "market", "variant": "market", **market, "vs_market": None})
    return {
        "games": int(len(same)),
        "first_game": f"{pd.to_datetime(same['game_date']).min():%Y-%m-%d}" if len(same) else None,
        "last_game": f"{pd.to_datetime(same['game_date']).max():%Y-%m-%d}" if len(same) else None,
        "rows": rows,
    }


def best_of_variant(table: dict, variant: str) -> dict | None:
    """The platform's best forecaster of a variant by Brier (anchors such as 538 are not candidates)."""
    rows = [r for r in table["rows"] if r["variant"] == variant]
    return min(rows, key=lambda r: r["brier"]) if rows else None


def results_rows(sport: str, first: int, last: int, table: dict) -> list[dict]:
    """bench/results.json rows: the best model of each variant and the market, beside the market's figure
    on the same games (the market's own row is beside the best market-free model, else market-aware)."""
    market = best_of_variant(table, "market")
    rows = []
    for variant in ("market_free", "market_aware", "market"):
        best = best_of_variant(table, variant)
        if best is None:
            continue
        for metric in ("brier", "log_loss"):
            anchor = (
                market
                if variant != "market"
                else best_of_variant(table, "market_free") or best_of_variant(table, "market_aware")
            )
            rows.append(
                {
                    "name": f"scorecard_{sport}_{variant}_{first}_{last}_{metric}",
                    "value": round(best[metric], 4),
                    "unit": metric,
                    "anchor_name": f"{anchor['forecaster']} on the same {table['games']} games",
                    "anchor_value": round(anchor[metric], 4),
                    "ratio": round(best[metric] / anchor[metric], 4),
                    "forecaster": best["forecaster"],
                }
            )
    return rows


def _paired(row: dict) -> str:
    paired = row["vs_market"]
    if not paired or not math.isfinite(paired.get("brier_diff", math.nan)):
        return "–"
    shown = round(paired["brier_diff"], 5)
    sign = "" if shown == 0 else "+" if shown > 0 else "-"  # rounded to zero it has no sign to show
    return f"{sign}{abs(shown):.5f} ± {paired['brier_diff_se']:.5f}"


def render(scorecard: dict) -> str:
    """The README section's body: one table per sport and window."""
    lines = []
    for key, table in scorecard["windows"].items():
        sport, first, last = key.split("_")
        lines += [
            f"**{sport.upper()} {first}–{last}**: {table['games']} games ({table['first_game']} to "
            f"{table['last_game']}), walk-forward, tuned only on seasons before {first}",
            "",
            "| forecaster | variant | Brier | log loss | accuracy | ECE | Brier minus the line's (± SE) |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in sorted(table["rows"], key=lambda r: r["brier"]):
            name = MARKET if row["forecaster"] == "market" else row["forecaster"]
            lines.append(
                f"| {name} | {row['variant'].replace('_', '-')} | {row['brier']:.4f} | {row['log_loss']:.4f} "
                f"| {row['accuracy']:.3f} | {row['ece']:.3f} | {_paired(row)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def replace_section(readme: str, body: str, markers: tuple[str, str] = MARKERS) -> str:
    start, end = markers
    if start not in readme or end not in readme:
        raise ValueError(f"README lacks the markers {start} … {end}")
    head, rest = readme.split(start, 1)
    return head + start + "\n" + body + end + rest.split(end, 1)[1]
