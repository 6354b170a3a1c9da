"""`tp` command line: the champion's registry from a shell.

    tp champion --sport nfl                              the current champion and its history
    tp status [--sport nfl]                              check every champion's copies against the registry and repair them
    tp rollback --sport nfl --model elo_nfl --version 3  restore an earlier version
    tp promote  --sport nfl --model elo_nfl --version 4  promote a version by hand (recorded as manual)

Rollback and promote materialize production/<sport> (so Dagster's lineage shows them) in the
instance at $DAGSTER_HOME, or in a throwaway one when it is unset. Exit codes: 0 done, 2 refused.
"""

from __future__ import annotations

import argparse
import sys

from training_platform.sources.schema import SPORTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("champion", help="show the champion and the registry history of a sport")
    show.add_argument("--sport", required=True, choices=SPORTS)
    status = commands.add_parser(
        "status", help="reconcile the pointer files and MLflow alias with the registry"
    )
    status.add_argument("--sport", choices=SPORTS, help="one sport (default: every sport)")
    for action, text in (
        ("rollback", "make an earlier model version the champion again"),
        ("promote", "make a version the champion by hand, without the automatic comparison"),
    ):
        command = commands.add_parser(action, help=text)
        command.add_argument("--sport", required=True, choices=SPORTS)
        command.add_argument("--model", required=True, help="registered name, e.g. elo_nfl")
        command.add_argument("--version", required=True, type=int)
    args = parser.parse_args(argv)

    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from training_platform.defs.resources import default_resources
    from training_platform.storage.registry import ChampionRegistry

    resources = default_resources()
    warehouse = resources["warehouse"].open()
    if not warehouse.path.exists():  # a mistyped TP_WAREHOUSE must not become a fresh, empty registry
        print(
            f"tp {args.command}: no warehouse at {warehouse.path} (TP_WAREHOUSE / TP_DATA_DIR); nothing has been "
            "ingested or promoted there. Check the path, or run `make demo` to create one.",
            file=sys.stderr,
        )
        return 2
    registry = ChampionRegistry(warehouse)
    if args.command == "status":
        return _status(registry, resources, [args.sport] if args.sport else list(SPORTS))
    if args.command == "champion":
        history = registry.history(args.sport)
        if history.empty:
            print(f"{args.sport}: no champion yet")
            return 0
        columns = [
            "entry_id",
            "action",
            "model",
            "version",
            "sha256",
            "forced",
            "promoted_at",
            "dagster_run_id",
        ]
        print(history[columns].assign(sha256=history["sha256"].str[:12]).to_string(index=False))
        return 0
    from training_platform.champion import refuse_current_champion, stored_version

    store = resources["model_store"]
    try:  # refuse early, before Dagster loads; production/<sport> checks the same again when it runs
        stored_version(registry, store.open(), args.sport, args.model, args.version)
        refuse_current_champion(registry, args.sport, args.model, args.version)
    except (ValueError, RuntimeError) as exc:
        print(f"{args.command} refused: {exc}", file=sys.stderr)
        return 2
    error = _materialize_production(
        args.sport, "rollback" if args.command == "rollback" else "manual", args.model, args.version
    )
    if error:
        print(f"{args.command} refused: {error}", file=sys.stderr)
        return 2
    row = registry.current(args.sport)
    print(
        f"{args.sport} champion is now {row['model']} v{row['version']} (sha256 {row['sha256'][:12]}…), "
        f"replacing {row['replaces_version']}; registry entry {row['entry_id']}"
    )
    return 0


def _status(registry, resources, sports: list[str]) -> int:
    """Each sport's champion as the registry records it; stale copies are rewritten from it. Exit 2
    when a champion's artifact no longer matches its recorded SHA-256 (nothing can be derived from it)."""
    from training_platform.champion import reconcile, stale_copies
    from training_platform.ml.artifacts import ArtifactIntegrityError

    store, mlflow_uri = resources["model_store"].open(), resources["tracking"].mlflow_uri
    damaged = False
    for sport in sports:
        row = registry.current(sport)
        if row is None:
            print(f"{sport}: no champion yet")
            continue
        stale = stale_copies(registry, sport, store, mlflow_uri)
        try:
            reconcile(registry, sport, store, mlflow_uri)
        except ArtifactIntegrityError as exc:
            damaged = True
            print(
                f"{sport}: champion {row['model']} v{row['version']} is damaged: {exc}. Roll back or promote "
                f"another version: tp rollback --sport {sport} --model <model>_{sport} --version <N>",
                file=sys.stderr,
            )
            continue
        print(
            f"{sport}: {row['model']} v{row['version']} (sha256 {row['sha256'][:12]}…, registry entry "
            f"{row['entry_id']}, {row['action']}); "
            + (f"repaired {', '.join(stale)}" if stale else "copies in sync")
        )
    return 2 if damaged else 0


def _materialize_production(sport: str, action: str, model: str, version: int) -> str | None:
    """Run production/<sport> with the action's config; the failure's message, or None on success."""
    import dagster as dg

    from training_platform.definitions import ALL_ASSETS, defs
    from training_platform.settings import Settings

    instance = (
        dg.DagsterInstance.get() if Settings.from_env().dagster_home else dg.DagsterInstance.ephemeral()
    )
    config = {
        "ops": {f"production__{sport}": {"config": {"action": action, "model": model, "version": version}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }  # the outcome is printed by main
    result = dg.materialize(
        ALL_ASSETS,
        selection=[dg.AssetKey(["production", sport])],
        instance=instance,
        resources=defs.resources,
        run_config=config,
        raise_on_error=False,
        tags={"trigger": f"tp {action}"},
    )
    if result.success:
        return None
    failures = result.get_step_failure_events()
    return failures[0].step_failure_data.error.message.strip() if failures else "the run failed"


if __name__ == "__main__":
    sys.exit(main())
