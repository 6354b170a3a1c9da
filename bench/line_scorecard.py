"""`make line-scorecard`: the spread and totals forecasts on real NFL games, as a handicapper keeps score.

For each window and each model of the NFL's `markets` in the sports file: tuned on the seasons before the
window only, then walk-forward over it, exactly the path reports/<model>_nfl_ats and _totals take (the
scorecard's `walk_forward`; its report's figures, which score each game as served before its starters
are named). Every game is picked on the side the model favours; a push is a push. The hit
rate, with its Wilson 95% interval, stands beside the break-even of -110 odds (52.4%) and beside picking
the first side (home cover, over) on every one of the same games; the Brier score beside the market's own
price of the line (its two odds, vig removed). Writes bench/line_scorecard.json and the README section
"Against the spread and totals on real games"; `make bench` adds each model's hit rate to
bench/results.json as line_scorecard_nfl_<market>_<model>_<first>_<last>_hit_rate.

Run: python bench/line_scorecard.py [--n-trials 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scorecard import NFLVERSE, README, games_of, gold_of, log, walk_forward  # noqa: E402
from bench.scorecard_table import replace_section  # noqa: E402
from training_platform.sports import configured  # noqa: E402

WINDOWS = ((2012, 2022), (2023, 2024))
MARKERS = ("<!-- line-scorecard:start -->", "<!-- line-scorecard:end -->")
OUT = Path(__file__).parent / "line_scorecard.json"


def score(market: str, model: str, gold, first: int, last: int, n_trials: int) -> dict:
    report = walk_forward(model, "nfl", gold, first, last, n_trials, market=market)
    picks, predictions = report["picks"], report["predictions"]
    decided = predictions["home_win"].notna()
    return {
        "market": market,
        "model": model,
        "first": first,
        "last": last,
        **{
            k: picks[k]
            for k in ("games", "pushes", "hits", "hit_rate", "hit_rate_low_95", "hit_rate_high_95")
        },
        "break_even": picks["break_even"],
        "first_side_hit_rate": float(predictions.loc[decided, "home_win"].mean()),
        "picks_first_side": picks["picks_first_side"],
        "roi_at_odds": picks["roi_at_odds"],
        "games_with_odds": picks["games_with_odds"],
        "brier": report["model"]["brier"],
        "market_brier": report["baselines"]["market"]["brier"],
        "market_games": report["baselines"]["market"]["games"],
        "model_brier_on_market_games": report["baselines"]["market"]["model_on_same_games"]["brier"],
    }


def render(rows: list[dict]) -> str:
    lines = [
        "| market | seasons | model | games (pushes) | hit rate [95% interval] | first side every game | "
        "picks on the first side | ROI at the odds (games) | Brier: model / market price (same games) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['market']} | {r['first']}–{r['last']} | {r['model']} | {r['games']:,} ({r['pushes']}) | "
            f"{r['hit_rate']:.3f} [{r['hit_rate_low_95']:.3f}, {r['hit_rate_high_95']:.3f}] | "
            f"{r['first_side_hit_rate']:.3f} | {r['picks_first_side']:.1%} | "
            f"{r['roi_at_odds']:+.3f} ({r['games_with_odds']:,}) | "
            f"{r['model_brier_on_market_games']:.4f} / {r['market_brier']:.4f} ({r['market_games']:,}) |"
        )
    return "\n".join(lines) + "\n"


def results_rows(rows: list[dict]) -> list[dict]:
    return [
        {
            "name": f"line_scorecard_nfl_{r['market']}_{r['model']}_{r['first']}_{r['last']}_hit_rate",
            "value": round(r["hit_rate"], 4),
            "unit": "share of decided picks",
            "anchor_name": f"the first side picked on the same {r['games']} games",
            "anchor_value": round(r["first_side_hit_rate"], 4),
            "ratio": round(r["hit_rate"] / r["first_side_hit_rate"], 4),
            "interval_95": [round(r["hit_rate_low_95"], 4), round(r["hit_rate_high_95"], 4)],
        }
        for r in rows
    ]


def run(n_trials: int = 20) -> list[dict]:
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        gold = gold_of(games_of("nfl", Path(tmp)))
    for market, models in configured()["nfl"].line_markets.items():
        for first, last in WINDOWS:
            log(f"[line scorecard] nfl {market} {first}-{last}")
            rows += [score(market, model, gold, first, last, n_trials) for model in models]
    OUT.write_text(json.dumps(rows, indent=2) + "\n")  # with the README, once: they always agree
    README.write_text(replace_section(README.read_text(), render(rows), MARKERS))
    log(f"[line scorecard] wrote {OUT} and README's section in {time.perf_counter() - started:.0f} s")
    return results_rows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-trials", type=int, default=20)
    args = parser.parse_args(argv)
    if not NFLVERSE.exists():
        print(
            f"line scorecard: {NFLVERSE} is absent (the real data lives in ../shared/data)", file=sys.stderr
        )
        return 3
    for row in run(args.n_trials):
        log(
            f"  {row['name']} = {row['value']} {row['interval_95']} ({row['anchor_name']}: {row['anchor_value']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
