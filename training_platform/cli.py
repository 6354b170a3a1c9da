"""`tp` command line: the champion's registry from a shell.

    tp champion --sport nfl                      the current champion and its history
    tp rollback --sport nfl --model elo_nfl --version 3
"""

from __future__ import annotations

import argparse
import sys

from training_platform.sources.schema import SPORTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("champion", help="show the champion and the registry history of a sport")
    show.add_argument("--sport", required=True, choices=SPORTS)
    back = commands.add_parser("rollback", help="make an earlier model version the champion again")
    back.add_argument("--sport", required=True, choices=SPORTS)
    back.add_argument("--model", required=True, help="registered name, e.g. elo_nfl")
    back.add_argument("--version", required=True, type=int)
    args = parser.parse_args(argv)

    from training_platform.champion import rollback
    from training_platform.defs.resources import default_resources
    from training_platform.storage.registry import ChampionRegistry

    resources = default_resources()
    registry = ChampionRegistry(resources["warehouse"].open())
    if args.command == "champion":
        history = registry.history(args.sport)
        if history.empty:
            print(f"{args.sport}: no champion yet")
            return 0
        columns = ["entry_id", "action", "model", "version", "sha256", "forced", "promoted_at", "dagster_run_id"]
        print(history[columns].assign(sha256=history["sha256"].str[:12]).to_string(index=False))
        return 0
    store = resources["model_store"]
    try:
        row = rollback(registry, args.sport, args.model, args.version, store.models_dir, store.reports_dir,
                       store.production_dir, resources["tracking"].mlflow_uri, run_id="cli")
    except (ValueError, RuntimeError) as exc:
        print(f"rollback refused: {exc}", file=sys.stderr)
        return 2
    print(f"{args.sport} champion is now {row['model']} v{row['version']} (sha256 {row['sha256'][:12]}…), "
          f"replacing {row['replaces_version']}; registry entry {row['entry_id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
