"""`tp`: train, evaluate, promote and inspect models from a shell, through the code location's own jobs.

    tp train nfl [--model elo ...] [--market ats] [--optimize --trials 50] [--force] [--min-accuracy 0.62] [--dry-run] [--output-json out.json]
    tp report elo_nfl                                    evaluate (or re-read) the current version; figures and gates (elo_nfl_ats: the spread's)
    tp predict nfl [--week 2024-12-24] [--market ats]    the champion's forecasts for the coming games (or a week)
    tp status [--sport nfl] [--json]                     every champion's copies (nfl, nfl_ats, ...) checked against the registry, repaired
    tp champion --sport nfl [--market ats]               the champion and its history
    tp rollback --sport nfl --model elo_nfl --version 3  restore an earlier version (--market ats: of the spread's seat)
    tp promote  --sport nfl --model elo_nfl --version 4  promote a version by hand (recorded as manual)

Exit codes: 0 done, 1 a run failed, 2 a gate blocked the promotion, 3 wrong input or configuration (the
message names it and the fix). Errors are one line; the trace of an unexpected one goes to data/logs/tp.log.
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback

from training_platform.cli.errors import FAILED, USAGE, CliError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code 2 would read as "a gate blocked"
        self.exit(USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    from training_platform.ml.evaluation.gates import MARKETS
    from training_platform.ml.modeling.catalog import MODEL_NAMES
    from training_platform.sports import SPORTS

    tp = _Parser(prog="tp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = tp.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="tune, fit, evaluate and (if the gates pass) promote")
    train.add_argument("sport", choices=SPORTS)
    train.add_argument("--model", nargs="+", choices=MODEL_NAMES, default=["elo"], help="default: elo")
    train.add_argument(
        "--market", choices=MARKETS, default="moneyline", help="the markets with their own assets"
    )
    train.add_argument(
        "--optimize", action="store_true", help="search with Optuna (Elo's default is its grid)"
    )
    train.add_argument(
        "--trials", type=_positive, default=50, help="Optuna trials with --optimize (default 50)"
    )
    train.add_argument(
        "--force", action="store_true", help="promote past the champion comparison (gates still apply)"
    )
    train.add_argument("--min-accuracy", type=_share, help="tighten the accuracy gate for this run")
    train.add_argument("--dry-run", action="store_true", help="print the runs, config and gates; run nothing")
    train.add_argument("--output-json", help="write the outcome (runs, reports, gates, champion) here")
    report = commands.add_parser("report", help="a model's walk-forward report: figures and gate verdicts")
    report.add_argument("model", help="e.g. elo_nfl")
    predict = commands.add_parser("predict", help="score the coming games (or a week) with the champion")
    predict.add_argument("sport", choices=SPORTS)
    predict.add_argument("--week", help="a week start (YYYY-MM-DD, a Tuesday): every game of that week")
    predict.add_argument(
        "--market", choices=MARKETS, default="moneyline", help="whose champion: default moneyline"
    )
    status = commands.add_parser(
        "status", help="reconcile the pointer files and MLflow alias with the registry"
    )
    status.add_argument("--sport", choices=SPORTS, help="one sport (default: every sport)")
    status.add_argument("--json", action="store_true", help="each champion's /api/model_status document")
    show = commands.add_parser("champion", help="show the champion and the registry history of a sport")
    show.add_argument("--sport", required=True, choices=SPORTS)
    show.add_argument("--market", choices=MARKETS, default="moneyline", help="default: moneyline")
    for action, text in (
        ("rollback", "make an earlier model version the champion again"),
        ("promote", "make a version the champion by hand, without the automatic comparison"),
    ):
        command = commands.add_parser(action, help=text)
        command.add_argument("--sport", required=True, choices=SPORTS)
        command.add_argument("--market", choices=MARKETS, default="moneyline", help="default: moneyline")
        command.add_argument("--model", required=True, help="registered name, e.g. elo_nfl, elo_nfl_ats")
        command.add_argument("--version", required=True, type=int)
    return tp


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _share(text: str) -> float:
    """A share in [0, 1]; nan, inf and words are refused (nan would pass every comparison unnoticed)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, e.g. 0.65")
    return value


def main(argv: list[str] | None = None) -> int:
    try:
        commands = parser()  # reads the sports file (TP_SPORTS_FILE) and the settings for its choices
    except (ValueError, FileNotFoundError) as exc:
        print(f"tp: {exc}", file=sys.stderr)
        return USAGE
    args = commands.parse_args(argv)
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from training_platform.cli import registry_commands, run_commands

    command = {
        "train": run_commands.train,
        "report": run_commands.report,
        "predict": run_commands.predict,
        "status": registry_commands.status,
        "champion": registry_commands.champion,
        "rollback": registry_commands.change_champion,
        "promote": registry_commands.change_champion,
    }[args.command]
    from training_platform.redaction import scrubbed  # a URL's credentials never reach a screen or a log

    try:
        return command(args)
    except CliError as exc:
        print(scrubbed(f"tp {args.command}: {exc}"), file=sys.stderr)
        return exc.code
    except Exception as exc:  # unexpected: one line here, the trace in the log
        log = _log_trace(args.command)
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(scrubbed(f"tp {args.command}: {type(exc).__name__}: {first} (trace: {log})"), file=sys.stderr)
        return USAGE if isinstance(exc, (ValueError, FileNotFoundError, KeyError)) else FAILED


def _log_trace(command: str) -> str:
    from training_platform.redaction import scrubbed
    from training_platform.settings import Settings

    try:
        log = Settings.from_env().data_dir / "logs" / "tp.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            out.write(scrubbed(f"--- tp {command}\n{traceback.format_exc()}\n"))
        return str(log)
    except Exception:  # a broken setting can be the error itself: the trace then goes to the screen
        print(scrubbed(traceback.format_exc()), file=sys.stderr)
        return "above"
