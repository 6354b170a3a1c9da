"""Reader for nflverse's `games.csv` (schedule, results and closing lines since 1999).

The file is read from a path or an http(s) URL; a URL is cached under the cache directory and
revalidated after CACHE_TTL_S (ETag / Last-Modified), so new weeks arrive; an error page or any
body that is not a games CSV is refused and never cached; every error names the path or URL.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from training_platform.redaction import redacted, without_credentials
from training_platform.sources.csv_games import UNREADABLE_CSV
from training_platform.sources.schema import SchemaError, conform
from training_platform.storage.files import write_atomically

CACHE_TTL_S = 6 * 3600  # a URL is asked again (If-None-Match / If-Modified-Since) after this long

# One stable code per franchise, so a relocated team keeps its rating history.
FRANCHISE_CODES = {"STL": "LAR", "LA": "LAR", "SD": "LAC", "OAK": "LV"}
NFL_FRANCHISES = frozenset(
    "ARI ATL BAL BUF CAR CHI CIN CLE DAL DEN DET GB HOU IND JAX KC LAC LAR LV MIA MIN "
    "NE NO NYG NYJ PHI PIT SEA SF TB TEN WAS".split()
)
POSTSEASON_TYPES = {"WC", "DIV", "CON", "SB"}
_REQUIRED = ("game_id", "season", "game_type", "gameday", "home_team", "away_team")


def franchise(code: str) -> str:
    return FRANCHISE_CODES.get(code, code)


def read_nflverse_games(
    location: str | Path, cache_dir: Path | None = None, cache_ttl_s: float = CACHE_TTL_S
) -> pd.DataFrame:
    """Read an nflverse games.csv (plain or .gz) into the canonical games schema."""
    path = _local_copy(str(location), cache_dir, cache_ttl_s)
    try:
        raw = pd.read_csv(path, low_memory=False)
    except UNREADABLE_CSV as exc:
        # a truncated .gz raises a bare EOFError: say which file
        raise SchemaError(
            f"nflverse file {redacted(str(location))}: not a readable CSV ({type(exc).__name__}: {exc})"
        ) from exc
    return nflverse_to_games(raw, redacted(str(location)))


def nflverse_to_games(raw: pd.DataFrame, source: str = "nflverse") -> pd.DataFrame:
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise SchemaError(f"{source}: not an nflverse games file, missing column(s) {missing}")
    get = lambda column: raw[column] if column in raw.columns else pd.NA  # noqa: E731
    games = pd.DataFrame(
        {
            "game_id": raw["game_id"],
            "sport": "nfl",
            "season": raw["season"],
            "game_type": raw["game_type"].map(lambda t: "POST" if t in POSTSEASON_TYPES else t),
            "week": get("week"),
            "game_date": raw["gameday"],
            "home_team": raw["home_team"].map(franchise),
            "away_team": raw["away_team"].map(franchise),
            "home_score": get("home_score"),
            "away_score": get("away_score"),
            "neutral": get("location").eq("Neutral") if "location" in raw.columns else pd.NA,
            "divisional": get("div_game"),
            "home_rest": get("home_rest"),
            "away_rest": get("away_rest"),
            "spread_line": get("spread_line"),
            "total_line": get("total_line"),
            "home_moneyline": get("home_moneyline"),
            "away_moneyline": get("away_moneyline"),
            "home_spread_odds": get("home_spread_odds"),
            "away_spread_odds": get("away_spread_odds"),
            "over_odds": get("over_odds"),
            "under_odds": get("under_odds"),
            "roof": get("roof"),
            "surface": get("surface"),
            "temp": get("temp"),
            "wind": get("wind"),
            "home_qb_id": get("home_qb_id"),
            "away_qb_id": get("away_qb_id"),
        }
    )
    return conform(games, source)


def _local_copy(location: str, cache_dir: Path | None, ttl_s: float = CACHE_TTL_S) -> Path:
    if not location.startswith(("http://", "https://")):
        path = Path(location).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"nflverse games file not found: {path}")
        return path
    if cache_dir is None:
        raise ValueError("a cache directory is needed to read nflverse games from a URL")
    digest = hashlib.sha256(location.encode()).hexdigest()[:16]
    cached = Path(cache_dir) / f"nflverse-{digest}-{Path(urlsplit(location).path).name}"  # no query, no token
    stamp = cached.with_name(cached.name + ".http.json")  # the validators of the cached copy
    known = json.loads(stamp.read_text()) if stamp.exists() and cached.exists() else {}
    if known and time.time() - known.get("checked_at", 0) < ttl_s:
        return cached
    headers = {
        k: v
        for k, v in (("If-None-Match", known.get("etag")), ("If-Modified-Since", known.get("last_modified")))
        if v
    }
    shown = redacted(location)
    plain, auth = without_credentials(location)
    try:
        with urllib.request.urlopen(
            urllib.request.Request(plain, headers={**headers, **auth}), timeout=60
        ) as response:  # noqa: S310
            body, info = response.read(), response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and known:  # not modified: the cached copy is current
            write_atomically(stamp, json.dumps({**known, "checked_at": time.time()}).encode())
            return cached
        raise SchemaError(f"nflverse URL {shown}: HTTP {exc.code} {exc.reason}; nothing was cached") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:  # ValueError: http.client.InvalidURL
        if known:
            warnings.warn(
                f"nflverse URL {shown} unreachable ({exc}); using the copy cached at "
                f"{time.ctime(known.get('checked_at', 0))}",
                stacklevel=2,
            )
            return cached
        raise SchemaError(f"nflverse URL {shown}: unreachable ({exc})") from None
    _refuse_non_csv(body, info.get("Content-Type", ""), shown, gzipped=location.endswith(".gz"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(cached, body)  # only a complete, validated download becomes the cache
    validators = {
        "etag": info.get("ETag"),
        "last_modified": info.get("Last-Modified"),
        "checked_at": time.time(),
    }
    write_atomically(stamp, json.dumps(validators).encode())
    return cached


def _refuse_non_csv(body: bytes, content_type: str, url: str, gzipped: bool) -> None:
    """An error page, a login page or an empty body is never cached as games."""
    if gzipped and body[:2] == b"\x1f\x8b":
        return
    head = body[:4096].lstrip().lower()
    if not head or "html" in content_type.lower() or head.startswith((b"<", b"{")) or b"game_id" not in head:
        raise SchemaError(
            f"nflverse URL {url} returned {content_type or 'no content type'} that is not a games CSV "
            f"(starts {body[:60]!r}); nothing was cached"
        )
