"""The sports the platform knows, from one YAML file (the package's sports.yaml, or TP_SPORTS_FILE).

Partitions, jobs, asset factories, the CLI, the demo and the data-quality rules derive from it. `SPORTS`
is read once, when this module is imported (as the code location is when it loads): an edited sports file
takes effect on the next load. Plain values only: the Dagster definitions import this before any table.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from training_platform.ml.modeling.catalog import MODEL_NAMES
from training_platform.ml.modeling.markets import LINE_MARKETS, MARKETS
from training_platform.yaml_files import read_yaml

PACKAGE_SPORTS_FILE = Path(__file__).with_name("sports.yaml")
_SPORT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SYNTHETIC_SPORTS = ("mlb", "nba", "nfl")  # the embedded league generates these (sources/synthetic_specs.py)
FALLBACK_HISTORY_START = dt.date(1999, 9, 7)  # nflverse's first week: the oldest history the platform has
ELO_KEYS = {"k_factor", "home_advantage", "mean_reversion", "initial_rating", "margin_multiplier"}
KEYS = {"source", "history_start", "max_score", "ties", "elo", "elo_search", "models", "markets", "venues"}
CSV_KEYS = {"csv_columns", "csv_values", "csv_spread_favourite"}  # a csv: source in its own layout
VENUE_COLUMNS = ("team", "first_season", "last_season", "latitude", "longitude", "utc_offset")


@dataclass(frozen=True)
class Sport:
    name: str
    source: str | None = "synthetic"  # None: TP_SOURCE_<SPORT> must give it
    history_start: dt.date | None = None
    max_score: int = 1000
    ties: bool = True
    elo: dict = field(default_factory=dict)  # EloParams' fields
    elo_search: dict | None = None  # {grid: ..., optuna: ...}, replacing search_spaces/elo.yaml
    models: tuple[str, ...] = MODEL_NAMES  # the candidates with tuning/, models/ and reports/ assets
    csv_columns: dict | None = None  # canonical column -> the file's column (sources/mapped_csv.py)
    csv_values: dict | None = None  # canonical column -> {the file's value: canonical value}
    csv_spread_favourite: str | None = None  # the file's column naming the favourite the spread is for
    venues: Path | None = None  # team locations by season (ml/features/team_context.py), for travel features
    line_markets: dict = field(default_factory=dict)  # "ats"/"totals" -> the candidates with assets there

    def models_for(self, market: str) -> tuple[str, ...]:
        """The candidates with tuning/, models/ and reports/ assets in `market` (none: not offered)."""
        return self.models if market == "moneyline" else tuple(self.line_markets.get(market, ()))


def load_sports(path: Path | None = None) -> dict[str, Sport]:
    """Every sport of the sports file at `path` (the package's when None), by name, or a ValueError
    naming the file, the entry and the fix."""
    path = Path(path) if path else PACKAGE_SPORTS_FILE
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return _load(str(path), stamp)


@lru_cache(maxsize=8)
def _load(path_name: str, stamp: int) -> dict[str, Sport]:
    path = Path(path_name)
    try:
        config = read_yaml(path, "sports file")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"sports file {path} does not exist (TP_SPORTS_FILE); fix the path, or unset it to use the "
            "package's sports.yaml"
        ) from None
    entries = config.get("sports") if isinstance(config, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ValueError(f"sports file {path} must hold a non-empty mapping `sports: {{<name>: {{...}}}}`")
    sports = {name: _sport(path, name, entries[name]) for name in sorted(entries, key=str)}
    seats = {MARKETS[m].seat(name): name for name in sports for m in LINE_MARKETS}
    for name in sports:  # nfl_ats is the seat of nfl's spread: no sport may be called that
        if name in seats:
            raise ValueError(
                f"{path}: sports.{name}: the name is taken by {seats[name]}'s {name.rsplit('_', 1)[1]} market "
                "(its assets are production/" + name + "); give the sport another name"
            )
    return sports


def _sport(path: Path, name, entry) -> Sport:
    where = f"{path}: sports.{name}"
    if not isinstance(name, str) or not _SPORT_NAME.match(name):
        raise ValueError(
            f"{where}: a sport's name must be lower-case ASCII letters, digits and _, starting with a letter "
            "(e.g. nhl): it names assets, tables and TP_SOURCE_<SPORT>"
        )
    entry = entry or {}
    if not isinstance(entry, dict) or set(entry) - KEYS - CSV_KEYS:
        unknown = sorted(set(entry) - KEYS - CSV_KEYS) if isinstance(entry, dict) else entry
        raise ValueError(f"{where}: unknown setting(s) {unknown}; known: {sorted(KEYS | CSV_KEYS)}")
    source = entry.get("source", "synthetic" if name in SYNTHETIC_SPORTS else None)  # None: TP_SOURCE_<SPORT>
    if source is not None:
        check_source(name, str(source), f"{where}.source")
    start = entry.get("history_start")
    if isinstance(start, dt.datetime):
        start = start.date()
    elif isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise ValueError(
                f"{where}.history_start: {start!r} is not a date; write it as YYYY-MM-DD"
            ) from None
    elif start is not None and not isinstance(start, dt.date):
        raise ValueError(f"{where}.history_start: {start!r} is not a date; write it as YYYY-MM-DD")
    max_score = entry.get("max_score", 1000)
    if isinstance(max_score, bool) or not isinstance(max_score, int) or max_score < 1:
        raise ValueError(f"{where}.max_score: {max_score!r} must be a positive whole number")
    ties = entry.get("ties", True)
    if not isinstance(ties, bool):
        raise ValueError(f"{where}.ties: {ties!r} must be true or false")
    elo = entry.get("elo") or {}
    if not isinstance(elo, dict) or set(elo) - ELO_KEYS:
        raise ValueError(f"{where}.elo: unknown Elo setting(s); known: {sorted(ELO_KEYS)}")
    for key, value in elo.items():
        wanted = bool if key == "margin_multiplier" else (int, float)
        if not isinstance(value, wanted) or (key != "margin_multiplier" and isinstance(value, bool)):
            raise ValueError(
                f"{where}.elo.{key}: {value!r} must be {'true or false' if wanted is bool else 'a number'}"
            )
    search = entry.get("elo_search")
    if search is not None and (not isinstance(search, dict) or set(search) != {"grid", "optuna"}):
        raise ValueError(f"{where}.elo_search: needs both `grid` and `optuna`, as in search_spaces/elo.yaml")
    models = entry.get("models", list(MODEL_NAMES))
    if not isinstance(models, list) or not models or set(models) - set(MODEL_NAMES):
        raise ValueError(f"{where}.models: {models!r} must list models among {', '.join(MODEL_NAMES)}")
    line_markets = _line_markets(where, entry.get("markets"))
    columns, values = entry.get("csv_columns"), entry.get("csv_values")
    if columns is not None and not (
        isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values())
    ):
        raise ValueError(
            f"{where}.csv_columns: must map canonical columns to the file's, e.g. {{home_team: home}}"
        )
    if values is not None and not (
        isinstance(values, dict) and all(isinstance(v, dict) for v in values.values())
    ):
        raise ValueError(
            f"{where}.csv_values: must map a column to {{file value: value}}, e.g. {{game_type: {{True: POST}}}}"
        )
    favourite = entry.get("csv_spread_favourite")
    venues = None if entry.get("venues") is None else _venues_file(path, where, str(entry["venues"]))
    return Sport(
        name,
        source,
        start,
        max_score,
        ties,
        dict(elo),
        search,
        tuple(models),
        columns,
        values,
        favourite,
        venues,
        line_markets,
    )


def _line_markets(where: str, markets) -> dict[str, tuple[str, ...]]:
    """The sports file's `markets: {ats: [elo, logistic], totals: [elo]}`: the spread and totals candidates."""
    if markets is None:
        return {}
    offered = [m for m in MODEL_NAMES if m != "market_correction"]  # it corrects the moneyline only
    if not isinstance(markets, dict) or set(markets) - set(LINE_MARKETS):
        raise ValueError(
            f"{where}.markets: {markets!r} must map {' and/or '.join(LINE_MARKETS)} to a list of models "
            "(the moneyline's are `models`)"
        )
    for name, models in markets.items():
        if not isinstance(models, list) or not models or set(models) - set(offered):
            raise ValueError(
                f"{where}.markets.{name}: {models!r} must list models among {', '.join(offered)}"
            )
    return {name: tuple(models) for name, models in markets.items()}


def candidate_assets() -> list[tuple[str, str, str]]:
    """(model, sport, market) of every tuning/, models/ and reports/ asset the sports file asks for."""
    sports = configured()
    return [
        (model, name, market)
        for model in MODEL_NAMES
        for name in SPORTS
        for market in MARKETS
        if model in sports[name].models_for(market)
    ]


def _venues_file(sports_file: Path, where: str, name: str) -> Path:
    """A venues CSV beside the sports file, else among the package's own (so a copy of the package's
    sports.yaml keeps finding nfl_venues.csv); its header is checked now, not when features are built
    (with the csv module: loading the definitions imports no pandas)."""
    given = Path(name).expanduser()
    places = (
        [given] if given.is_absolute() else [sports_file.parent / given, PACKAGE_SPORTS_FILE.parent / given]
    )
    found = next((place.resolve() for place in places if place.is_file()), None)
    if found is None:
        raise ValueError(
            f"{where}.venues: {' nor '.join(str(p) for p in places)} exists; give a CSV of team, "
            "first_season, last_season, latitude, longitude, utc_offset (as the package's nfl_venues.csv), "
            "or remove the setting"
        )
    with found.open(newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [c for c in VENUE_COLUMNS if c not in header]
    if missing:
        raise ValueError(
            f"{where}.venues: {found} lacks column(s) {missing}; it needs {', '.join(VENUE_COLUMNS)}"
        )
    return found


def sports_file_path() -> Path:
    """TP_SPORTS_FILE, else the package's sports.yaml."""
    from training_platform.settings import sports_file

    return Path(sports_file() or PACKAGE_SPORTS_FILE)


def configured() -> dict[str, Sport]:
    """The sports of the environment's sports file (TP_SPORTS_FILE, else the package's)."""
    return load_sports(sports_file_path())


def check_source(name: str, source: str, where: str) -> None:
    """A ValueError when `source` cannot feed sport `name` (the synthetic league has three sports)."""
    if source.strip().partition(":")[0] == "synthetic" and name not in SYNTHETIC_SPORTS:
        raise ValueError(
            f"{where}: the synthetic league has only {', '.join(SYNTHETIC_SPORTS)}; "
            f"give {name} a source such as csv:/path/to/{name}.csv"
        )


def sport(name: str) -> Sport:
    sports = configured()
    if name not in sports:
        raise ValueError(f"unknown sport {name!r}; the sports file declares {', '.join(sports)}")
    return sports[name]


def history_start(name: str, settings) -> dt.date:
    """The date the sport's history begins under `settings` (a Settings): the sports file's
    `history_start`, else the synthetic league's first opening day, else FALLBACK_HISTORY_START."""
    own = load_sports(settings.sports_file)[name]
    if own.history_start is not None:
        return own.history_start
    if settings.source(name).strip().partition(":")[0] == "synthetic":
        from training_platform.sources.synthetic_specs import SPECS, first_synthetic_season

        return SPECS[name].season_start(first_synthetic_season(settings.synthetic_seasons))
    return FALLBACK_HISTORY_START


SPORTS: tuple[str, ...] = tuple(configured())
