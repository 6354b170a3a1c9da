"""A throwaway PostgreSQL server from the machine's own package, for trying the Postgres profile.

`python -m training_platform.local_postgres start [--dir D] [--port P]` initialises a cluster in `D`
(trust authentication, listening on 127.0.0.1 only), starts it and prints the URL of a database for
each store (dagster, mlflow, optuna); `stop --dir D` stops it. The tests and `make bench` start one the
same way in a temporary folder. It is a development convenience: a team's real server is whatever their
DBA runs, and the platform only ever sees its URLs (README, "Scale-out").
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DATABASES = ("dagster", "mlflow", "optuna")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: Debian's /usr/lib/postgresql/<version>/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "no PostgreSQL server found (initdb): install Debian's package with "
        "`apt-get install -y postgresql` (make test, and so .ci/run, does it when it runs as root)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LocalPostgres:
    folder: Path
    port: int

    def url(self, database: str) -> str:
        # psycopg2 named: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which dagster-postgres cannot use
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        _run(["pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"], check=False)


def start(folder: Path, port: int | None = None) -> LocalPostgres:
    """Initialise (once) and start a cluster in `folder`, with one database per store."""
    folder = Path(folder).resolve()
    port = port or free_port()
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # initdb refuses to run as root: the cluster belongs to Debian's postgres user
        folder.chmod(0o755)
        shutil.chown(folder, "postgres")
    if not (data / "PG_VERSION").exists():
        _run(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=200"
    _run(["pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start"])
    server = LocalPostgres(folder, port)
    for database in DATABASES:
        _run(
            ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database],
            check=False,  # already there after a restart
        )
    return server


def _run(command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    command = [str(server_binaries() / command[0]), *command[1:]]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, cwd="/")
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training_platform.local_postgres", description=__doc__)
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--dir", default="data/postgres", help="cluster folder (default data/postgres)")
    parser.add_argument("--port", type=int, default=5432)
    args = parser.parse_args(argv)
    try:
        if args.action == "stop":
            LocalPostgres(Path(args.dir).resolve(), args.port).stop()
            return 0
        server = start(Path(args.dir), args.port)
    except (PostgresUnavailable, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    for database in DATABASES:
        print(f"{database}: {server.url(database)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
