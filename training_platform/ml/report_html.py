"""A self-contained HTML page for an evaluation report (no external assets)."""

from __future__ import annotations

import html

METRICS = ("log_loss", "brier", "accuracy", "games")


def render_report(title: str, report: dict) -> str:
    rows = [_row("model", report["model"])]
    for name, base in report["baselines"].items():
        rows.append(_row(f"baseline: {name}", base))
        rows.append(_row(f"model on the games {name} covers", base["model_on_same_games"]))
    gates = "".join(
        f"<tr><td>{html.escape(g['name'])}</td><td>{'pass' if g['passed'] else '<b>FAIL</b>'}</td>"
        f"<td>{g['value']:.4f}</td><td>{g['threshold']}</td><td>{html.escape(g['rule'])}</td></tr>"
        for g in report.get("gates", [])
    )
    header = "".join(f"<th>{m}</th>" for m in METRICS)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body><h1>{html.escape(title)}: season {report['season']} held out</h1>
<p>{report['games']} games, each scored walk-forward by a model fitted only on earlier weeks
({report['trained_on_games_before']} games from earlier seasons).</p>
<h2>Out-of-sample metrics</h2><table><tr><th></th>{header}</tr>{''.join(rows)}</table>
<h2>Gates</h2><table><tr><th>gate</th><th>result</th><th>value</th><th>threshold</th><th>rule</th></tr>{gates}</table>
</body></html>"""


def _row(label: str, metrics: dict) -> str:
    cells = "".join(
        f"<td>{metrics[m]:.4f}</td>" if isinstance(metrics[m], float) else f"<td>{metrics[m]}</td>" for m in METRICS
    )
    return f"<tr><td>{html.escape(label)}</td>{cells}</tr>"
