"""The DuckDB warehouse: tables of games and features, written a sport-and-week window at a time.

DuckDB allows one writing process per file, so a writer that finds the file locked
waits and retries (Dagster may run two steps at once); readers open read-only.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb
import pandas as pd

from training_platform.storage.files import why

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
log = logging.getLogger(__name__)
_reads: ContextVar[set[str] | None] = ContextVar("warehouse_reads", default=None)


@contextmanager
def recording_reads() -> Iterator[set[str]]:
    """Collect the names of the tables read inside the block (the declared-reads test uses it)."""
    token = _reads.set(set())
    try:
        yield _reads.get()
    finally:
        _reads.reset(token)


def _read(table: str) -> None:
    _check_identifier(table)
    if (seen := _reads.get()) is not None:
        seen.add(table)


class WarehouseUnreadable(RuntimeError):
    """The warehouse file exists but DuckDB cannot open it (damaged, or not a DuckDB file)."""


class Warehouse:
    def __init__(self, path: str | Path, lock_timeout_s: float = 120.0):
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            connection = duckdb.connect(":memory:")  # nothing stored yet: empty, not an error
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connect_when_free(read_only)
        try:
            yield connection
        finally:
            connection.close()

    def _connect_when_free(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        started = time.monotonic()
        said = False
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise WarehouseUnreadable(
                        f"the warehouse {self.path} cannot be opened: {why(exc)}"
                    ) from exc
                waited = time.monotonic() - started
                if waited > self.lock_timeout_s:
                    raise WarehouseUnreadable(
                        f"the warehouse {self.path} stayed locked by another process for {waited:.0f} s ({exc}); "
                        "wait for that run to finish, or stop it, and run again"
                    ) from exc
                if not said and waited > 5:  # a wait is said, not sat through in silence
                    log.warning(
                        f"waiting for the warehouse {self.path}: another process holds its write lock"
                    )
                    said = True
                time.sleep(0.2)

    def replace_weeks(
        self,
        tables: dict[str, pd.DataFrame],
        sport: str,
        weeks: list[dt.date],
        appends: dict[str, pd.DataFrame] | None = None,
    ) -> None:
        """In one transaction, replace each table's rows of `sport` whose partition_week is in `weeks`
        (and append `appends`' rows to theirs: a record of what the replacement changed).

        Rows of other weeks are never touched, so re-running a partition is idempotent;
        if any write fails, every table keeps what it had.
        """
        with self.connect() as con:
            con.execute("BEGIN")
            try:
                for table, frame in tables.items():
                    _insert(con, table, frame, delete=(sport, weeks))
                for table, frame in (appends or {}).items():
                    _insert(con, table, frame)
                con.execute("COMMIT")
            except Exception as exc:
                roll_back(con)
                if isinstance(exc, (duckdb.IOException, OSError)):  # name the file and the likely cause
                    raise WarehouseUnreadable(
                        f"writing to the warehouse {self.path} failed: {why(exc)}"
                    ) from exc
                raise

    def append(self, table: str, frame: pd.DataFrame) -> None:
        """Insert `frame`'s rows into `table` (created from the frame if missing); nothing else changes."""
        with self.connect() as con:
            _insert(con, table, frame)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A read-only query; tables that do not exist yet read as an empty frame."""
        with self.connect(read_only=True) as con:
            try:
                return con.execute(sql, params or []).df()
            except duckdb.CatalogException:
                return pd.DataFrame()

    def read(
        self,
        table: str,
        sport: str,
        before: dt.date | None = None,
        since: dt.date | None = None,
    ) -> pd.DataFrame:
        """Rows of `sport` with partition_week in [since, before), in game order."""
        _read(table)
        with self.connect(read_only=True) as con:
            if not self.has_table(table, con):
                return pd.DataFrame()
            sql = f"SELECT * FROM {table} WHERE sport = ?"
            params: list = [sport]
            if before is not None:
                sql += " AND partition_week < ?"
                params.append(before)
            if since is not None:
                sql += " AND partition_week >= ?"
                params.append(since)
            return con.execute(sql + " ORDER BY game_date, game_id", params).df()

    def week_counts(self, table: str, sport: str) -> dict[str, int]:
        """Rows of `sport` stored per partition week (YYYY-MM-DD)."""
        _read(table)
        found = self.query(
            f"SELECT partition_week, count(*) AS n FROM {table} WHERE sport = ? GROUP BY 1", [sport]
        )
        return {
            f"{pd.Timestamp(w):%Y-%m-%d}": int(n)
            for w, n in zip(found.get("partition_week", []), found.get("n", []))
        }

    def teams(self, table: str, sport: str) -> set[str]:
        """Every team code stored for `sport` (home or away)."""
        _read(table)
        found = self.query(
            f"SELECT home_team AS team FROM {table} WHERE sport = ? "
            f"UNION SELECT away_team FROM {table} WHERE sport = ?",
            [sport, sport],
        )
        return set(found.get("team", pd.Series(dtype=str)).dropna())

    def game_weeks(self, table: str, sport: str, game_ids: list[str]) -> dict[str, str]:
        """Week (partition start) under which each of `game_ids` is already stored."""
        _read(table)
        if not game_ids:
            return {}
        with self.connect(read_only=True) as con:
            if not self.has_table(table, con):
                return {}
            rows = con.execute(
                f"SELECT game_id, partition_week FROM {table} WHERE sport = ? AND list_contains(?, game_id)",
                [sport, game_ids],
            ).fetchall()
        return {game_id: str(week)[:10] for game_id, week in rows}

    @staticmethod
    def has_table(table: str, con: duckdb.DuckDBPyConnection) -> bool:
        return bool(
            con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchone()[0]
        )


def roll_back(con) -> None:
    """Roll back what a failed transaction wrote; a transaction the failure already ended needs none."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give object columns a string type, so an empty frame still creates VARCHAR columns."""
    objects = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: "string" for c in objects}) if objects else frame


def _check_identifier(name: str) -> None:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe table name: {name!r}")


def _insert(con, table: str, frame: pd.DataFrame, delete: tuple[str, list] | None = None) -> None:
    """Insert `frame` into `table` (created or widened to fit), first deleting `delete`'s sport-weeks."""
    _check_identifier(table)
    con.register("incoming", _typed(frame))
    _create_or_widen(con, table)
    if delete is not None:
        con.execute(
            f"DELETE FROM {table} WHERE sport = ? AND list_contains(?::DATE[], partition_week::DATE)",
            [delete[0], list(delete[1])],
        )
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")


def _create_or_widen(con, table: str) -> None:
    """Create `table` from the registered `incoming` frame, or add the columns a newer writer brings
    (a new feature version): older rows read them as NULL until their weeks are rewritten."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM incoming LIMIT 0")
    stored = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for column, kind, *_ in con.execute("DESCRIBE incoming").fetchall():
        if column not in stored:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {kind}')
