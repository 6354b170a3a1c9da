"""Warehouse table names, derived from asset keys (no DuckDB import: assets name their tables at load)."""

from collections.abc import Sequence


def table_for(asset_key_path: Sequence[str]) -> str:
    """The table an asset writes is named by its key: raw/games -> raw_games (the one place it is derived)."""
    return "_".join(asset_key_path)
