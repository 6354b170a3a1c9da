"""A self-contained HTML page for a walk-forward report: tables and images inline, no external assets."""

from __future__ import annotations

import html

from training_platform.ml.reporting.plots import png_data_uri

METRICS = ("log_loss", "brier", "accuracy", "precision", "recall", "f1", "roc_auc", "ece", "games")
BETTING = (
    "bets",
    "units",
    "roi",
    "hit_rate",
    "kelly_growth",
    "sharpe_weekly",
    "max_drawdown_units",
    "max_drawdown_kelly",
    "edge_threshold",
    "kelly_fraction",
)


def render_report(title: str, report: dict, images: dict[str, bytes]) -> str:
    seasons = report["seasons"]
    rows = [_row("model (pooled)", report["model"])]
    if named := report.get("named_starters"):  # the pooled row is scored as served before lineups
        label = "model with each game's own named starters (pooled row: each team's last starter assumed)"
        rows.append(_row(label, named["model"]))
    rows += [_row(f"model, season {s}", m) for s, m in sorted(report["per_season"].items())]
    for name, base in report["baselines"].items():
        rows.append(_row(f"baseline: {name}", base))
        rows.append(_row(f"model on the games {name} covers", base["model_on_same_games"]))
    anchor = report.get("vs_anchor") or {}
    if anchor.get("games"):
        rows.append(
            f"<tr><td>model minus {html.escape(anchor['anchor'])} (paired, {anchor['games']} games)</td>"
            f"<td colspan={len(METRICS)}>Brier {anchor['brier_diff']:+.5f} ± {anchor['brier_diff_se']:.5f}, "
            f"log loss {anchor['log_loss_diff']:+.5f} ± {anchor['log_loss_diff_se']:.5f}</td></tr>"
        )
    tuned, scored = report.get("tuning_window") or {}, report.get("backtest_window") or {}
    windows = (
        f"<p>Hyperparameters tuned on games of {tuned.get('first_game_date', '?')}..{tuned.get('last_game_date', '?')}; "
        f"scored walk-forward on {scored.get('first_game_date', '?')}..{scored.get('last_game_date', '?')}. "
        "The metric gates are the report's <code>metric_gates</code> check in Dagster.</p>"
    )
    betting = "".join(
        f"<tr><td>{k}</td>{_cell(report['betting'].get(k, ''))}</tr>"
        for k in BETTING
        if k in report["betting"]
    )
    picks = report.get("picks")
    pick_table = (
        "<h2>Pick record (every game, on the side the model favours)</h2><table>"
        + "".join(f"<tr><td>{k}</td>{_cell(v)}</tr>" for k, v in picks.items())
        + "</table>"
        if picks
        else ""
    )
    odds = {"ats": "spread odds", "totals": "total odds"}.get(report.get("market"), "moneyline")
    figures = "".join(
        f'<figure><img alt="{html.escape(name)}" src="{png_data_uri(png)}">'
        f"<figcaption>{html.escape(name.replace('_', ' '))}</figcaption></figure>"
        for name, png in images.items()
    )
    header = "".join(f"<th>{m}</th>" for m in METRICS)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}
figure{{display:inline-block;margin:0 1em 1em 0}}</style>
</head><body><h1>{html.escape(title)}: walk-forward backtest, seasons {seasons[0]}–{seasons[-1]}</h1>
<p>{report["games"]} games, each scored by a model with the tuned hyperparameters fitted only on earlier
weeks (refit every {report["refit_every_weeks"]} week(s)). Baselines are scored on the identical games.</p>
{windows}
<h2>Out-of-sample metrics</h2><table><tr><th></th>{header}</tr>{"".join(rows)}</table>
{pick_table}
<h2>Betting against the closing {odds} (vig in)</h2><table>{betting}</table>
<h2>Figures</h2>{figures}
</body></html>"""


def _cell(value) -> str:
    return f"<td>{value:.4f}</td>" if isinstance(value, float) else f"<td>{html.escape(str(value))}</td>"


def _row(label: str, metrics: dict) -> str:
    return f"<tr><td>{html.escape(label)}</td>{''.join(_cell(metrics.get(m, '')) for m in METRICS)}</tr>"
