"""Evaluation: input validation, metrics, betting rules, the walk-forward backtest, gates, drift, champion choice."""
