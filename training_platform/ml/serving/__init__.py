"""Serving: a loaded champion's fast scorer, and forecasts for coming games."""
