"""`tp champion`, `tp status`, `tp promote`, `tp rollback`: the champion's registry from a shell.

Promote and rollback materialize production/<sport> (so Dagster's lineage shows them) in the instance at
$DAGSTER_HOME, or in a throwaway one when it is unset."""

from __future__ import annotations

import json
import sys

from training_platform.cli.errors import BLOCKED, FAILED, OK, CliError, UsageError


def open_registry(command: str):
    """The resources and the champion registry; a missing warehouse is a usage error, never a new one."""
    from training_platform.defs.resources import default_resources
    from training_platform.storage.registry import ChampionRegistry

    resources = default_resources()
    warehouse = resources["warehouse"].open()
    if not warehouse.path.exists():  # a mistyped TP_WAREHOUSE must not become a fresh, empty registry
        raise UsageError(
            f"no warehouse at {warehouse.path} (TP_WAREHOUSE / TP_DATA_DIR); nothing has been "
            "ingested or promoted there. Check the path, or run `make demo` to create one."
        )
    return resources, ChampionRegistry(warehouse)


def champion(args) -> int:
    require_seat(args)
    _, registry = open_registry("champion")
    history = registry.history(args.sport, args.market)
    if history.empty:
        print(f"{seat_of(args)}: no champion yet")
        return OK
    columns = ["entry_id", "action", "model", "version", "sha256", "forced", "promoted_at", "dagster_run_id"]
    print(history[columns].assign(sha256=history["sha256"].str[:12]).to_string(index=False))
    return OK


def status(args) -> int:
    resources, registry = open_registry("status")
    from training_platform.ml.modeling.markets import MARKETS
    from training_platform.sports import SPORTS, configured

    seats = [
        (sport, market)
        for sport in ([args.sport] if args.sport else list(SPORTS))
        for market in MARKETS
        if configured()[sport].models_for(market)
    ]
    return _status(registry, resources, seats, args.json)


def change_champion(args) -> int:
    """rollback / promote: refused early (before Dagster loads) when the version cannot be champion;
    production/<sport> checks the same again when it runs."""
    from training_platform.champion import refuse_current_champion, stored_version
    from training_platform.ml.artifacts import ArtifactIntegrityError

    require_seat(args)
    resources, registry = open_registry(args.command)
    try:
        stored_version(
            registry, resources["model_store"].open(), args.sport, args.model, args.version, args.market
        )
        refuse_current_champion(registry, args.sport, args.model, args.version, args.market)
    except ArtifactIntegrityError as exc:
        raise CliError(f"{args.command} refused: {exc}", BLOCKED) from None
    except ValueError as exc:
        raise UsageError(f"{args.command} refused: {exc}") from None
    refused = _materialize_production(
        seat_of(args), "rollback" if args.command == "rollback" else "manual", args.model, args.version
    )
    if refused:
        raise refused
    row = registry.current(args.sport, args.market)
    print(
        f"{seat_of(args)} champion is now {row['model']} v{row['version']} (sha256 {row['sha256'][:12]}…), "
        f"replacing {row['replaces_version']}; registry entry {row['entry_id']}"
    )
    return OK


def _status(registry, resources, seats: list[tuple[str, str]], as_json: bool) -> int:
    """Each seat's champion (a sport and market) as the registry records it; stale copies are rewritten
    from it. Exit 2 when a champion's artifact no longer matches its recorded SHA-256 (nothing can be
    derived from it). With --json: each seat's /api/model_status document (null without a champion) on
    stdout, keyed nfl, nfl_ats, ..."""
    from training_platform.champion import reconcile, stale_copies
    from training_platform.ml.artifacts import ArtifactIntegrityError
    from training_platform.ml.modeling.markets import MARKETS
    from training_platform.storage.files import UnsafeWrite

    store, mlflow_uri = resources["model_store"].open(), resources["tracking"].mlflow_uri
    damaged, documents = False, {}
    say = (lambda line: print(line, file=sys.stderr)) if as_json else print
    for sport, market in seats:
        seat = MARKETS[market].seat(sport)
        row = registry.current(sport, market)
        documents[seat] = None
        if row is None:
            say(f"{seat}: no champion yet")
            continue
        try:
            stale = stale_copies(registry, sport, store, mlflow_uri, market)
            reconcile(registry, sport, store, mlflow_uri, market)
        except UnsafeWrite as exc:  # a planted link: refused, said, and the other seats still checked
            damaged = True
            print(f"{seat}: copies not rewritten: {exc}", file=sys.stderr)
            continue
        except ArtifactIntegrityError as exc:
            damaged = True
            print(
                f"{seat}: champion {row['model']} v{row['version']} is damaged: {exc}. Roll back or promote "
                f"another version: tp rollback --sport {sport}{MARKETS[market].flag} --model <model>_{seat} --version <N>",
                file=sys.stderr,
            )
            continue
        documents[seat] = json.loads(store.model_status(seat).read_text())
        say(
            f"{seat}: {row['model']} v{row['version']} (sha256 {row['sha256'][:12]}…, registry entry "
            f"{row['entry_id']}, {row['action']}); "
            + (f"repaired {', '.join(stale)}" if stale else "copies in sync")
        )
    if as_json:
        print(json.dumps(documents, indent=2, default=str))
    return BLOCKED if damaged else OK


def require_seat(args) -> None:
    """A market the sport has no candidates in has no seat: say so rather than "no champion yet"."""
    from training_platform.sports import configured

    if not configured()[args.sport].models_for(args.market):
        raise UsageError(
            f"--market {args.market}: {args.sport} has no {args.market} candidates (the sports file's "
            f"sports.{args.sport}.markets gives {', '.join(configured()[args.sport].line_markets) or 'none'})"
        )


def seat_of(args) -> str:
    from training_platform.ml.modeling.markets import MARKETS

    return MARKETS[args.market].seat(args.sport)


def _materialize_production(seat: str, action: str, model: str, version: int) -> CliError | None:
    """Run production/<seat> with the action's config; None on success. production/<seat> refuses by
    raising dagster's Failure or an integrity error (exit 2); anything else is a failed run (exit 1)."""
    from training_platform.cli.runs import failure_message, root_error, run_job

    config = {
        "ops": {f"production__{seat}": {"config": {"action": action, "model": model, "version": version}}}
    }
    result = run_job(f"promote_{seat}_job", [["production", seat]], config, {"trigger": f"tp {action}"})
    if result.success:
        return None
    error = root_error(result)
    refused = error is not None and error.cls_name in ("Failure", "ArtifactIntegrityError")
    return CliError(f"{action} refused: {failure_message(result)}", BLOCKED if refused else FAILED)
