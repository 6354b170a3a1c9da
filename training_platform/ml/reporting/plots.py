"""Report and tuning images as PNG bytes (matplotlib, no display needed)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import numpy as np
import pandas as pd

from training_platform.ml.evaluation.metrics import ECE_BINS, probability_bin


def _png(draw: Callable, title: str, xlabel: str, ylabel: str, size=(6, 3.6)) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size, dpi=100)
    draw(ax)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def png_data_uri(png: bytes) -> str:
    """The image inline, for Markdown metadata in the Dagster UI and self-contained HTML."""
    return f"data:image/png;base64,{base64.b64encode(png).decode()}"


def history_plot_png(history: list[float], title: str) -> bytes:
    """Optimisation history: each finished trial's CV log loss and the best so far."""

    def draw(ax):
        ax.plot(range(1, len(history) + 1), history, "o", ms=3, alpha=0.6, label="trial")
        ax.plot(range(1, len(history) + 1), np.minimum.accumulate(history), "-", label="best so far")

    return _png(draw, title, "finished trial", "CV log loss")


def reliability_png(predictions: pd.DataFrame, title: str, bins: int = ECE_BINS) -> bytes:
    """Observed home-win rate against the mean forecast, per equal-width bin, model and market."""

    def draw(ax):
        ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect")
        for column, label in (("p_home", "model"), ("p_market", "market")):
            if column not in predictions or predictions[column].isna().all():
                continue
            frame = predictions[[column, "home_win"]].dropna()
            which = probability_bin(frame[column], bins)
            grouped = frame.groupby(which).agg(forecast=(column, "mean"), observed=("home_win", "mean"))
            ax.plot(grouped["forecast"], grouped["observed"], "o-", label=label)

    return _png(draw, title, "forecast P(home win)", "observed home-win rate", size=(4.5, 4.5))


def roc_png(predictions: pd.DataFrame, title: str) -> bytes:
    from sklearn.metrics import roc_curve

    def draw(ax):
        ax.plot([0, 1], [0, 1], ":", color="grey")
        for column, label in (("p_home", "model"), ("p_market", "market")):
            if column in predictions and predictions[column].notna().any():
                frame = predictions[[column, "home_win"]].dropna()
                fpr, tpr, _ = roc_curve(frame["home_win"], frame[column])
                ax.plot(fpr, tpr, label=label)

    return _png(draw, title, "false positive rate", "true positive rate", size=(4.5, 4.5))


def cumulative_profit_png(bets: pd.DataFrame, title: str) -> bytes:
    """Flat one-unit stakes, in bet order, against the closing moneyline with the vig in."""

    def draw(ax):
        ax.axhline(0, color="grey", lw=0.8)
        if not bets.empty:
            ax.plot(pd.to_datetime(bets["game_date"]), bets["profit"].cumsum(), label=f"{len(bets)} bets")

    return _png(draw, title, "date", "profit (units)")


def brier_per_season_png(report: dict, title: str) -> bytes:
    def draw(ax):
        seasons = sorted(report["per_season"])
        width = 0.38
        x = np.arange(len(seasons))
        ax.bar(x - width / 2, [report["per_season"][s]["brier"] for s in seasons], width, label="model")
        market = report["baselines"].get("market", {}).get("brier_per_season", {})
        if market:
            ax.bar(x + width / 2, [market.get(s, np.nan) for s in seasons], width, label="market")
        ax.set_xticks(x, [str(s) for s in seasons])
        values = [report["per_season"][s]["brier"] for s in seasons] + list(market.values())
        ax.set_ylim(min(values) * 0.95, max(values) * 1.02)

    return _png(draw, title, "season", "Brier score")
