"""Every shell command the README shows names things that exist: make targets, `tp` commands and options
as its parser accepts them, asset selections and partitions Dagster resolves, settings the code reads.
(The commands themselves run for real elsewhere: the card's command and `dg launch` in test_cli.py, the
tour's `tp` commands in test_tp_cli.py, `make optuna-dashboard` in test_cli.py.)"""

import json
import re
import shlex
from pathlib import Path

import dagster as dg
import pytest

from training_platform.cli import parser
from training_platform.definitions import defs
from training_platform.settings import Settings, settings_table
from training_platform.sports import SPORTS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def shell_lines() -> list[str]:
    """The commands of the README's bash blocks (continuations joined, comments dropped), and the inline
    `make …` commands of its text; `[--flag value]` usage brackets give both forms."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    lines += re.findall(r"`(make [a-z][^`]*)`", README)  # inline `tp …` are messages and names, not commands
    expanded = []
    for line in lines:
        expanded.append(re.sub(r"\s*\[(--[^\]]*)\]", "", line))
        if "[--" in line:
            expanded.append(re.sub(r"\[(--[^\]]*)\]", r"\1", line))
    return sorted(set(expanded))


MAKE_TARGETS = set(re.findall(r"^([a-z][a-z-]*):", (REPO / "Makefile").read_text(), re.M))
SETTINGS = {line.split("`")[1] for line in settings_table().splitlines()[2:]}
SETTINGS |= {f"TP_SOURCE_{sport.upper()}" for sport in SPORTS}  # the table's TP_SOURCE_<SPORT>
ASSET_GRAPH = defs.resolve_asset_graph()


def check(line: str) -> None:
    words = shlex.split(line)
    if words[0] == "make":
        targets = [w for w in words[1:] if "=" not in w]
        assert set(targets) <= MAKE_TARGETS, f"no make target {set(targets) - MAKE_TARGETS}"
    elif words[0] == "tp":
        try:
            parser().parse_args(words[1:])
        except SystemExit as exc:
            raise AssertionError(f"tp refuses it (exit {exc.code})") from None
    elif words[:3] == ["dagster", "asset", "materialize"] or words[:2] == ["dg", "launch"]:
        options = dict(
            zip(words[3 if words[0] == "dagster" else 2 :: 2], words[4 if words[0] == "dagster" else 3 :: 2])
        )
        selection = options.get("--select") or options["--assets"]
        resolved = set()  # the CLI's --select: comma-separated keys, each with optional + / * lineage
        for part in selection.split(","):
            resolved |= dg.AssetSelection.from_string(part).resolve(ASSET_GRAPH)
        assert resolved, f"{selection} selects no asset"
        if "--config-json" in options:
            ops = json.loads(options["--config-json"])["ops"]
            assert {op.replace("__", "/", 1) for op in ops} <= {k.to_user_string() for k in resolved}
        if "--partition-range" in options:
            partitions = defs.resolve_assets_def(dg.AssetKey(["raw", "games"])).partitions_def
            for key in options["--partition-range"].split("..."):
                assert partitions.has_partition_key(key), f"no partition {key}"
    elif words[0] == "source":
        assert (REPO / words[1]).exists() or words[1] == ".venv/bin/activate", words[1]
    elif words[0] == "export":
        name = words[1].split("=")[0]
        assert name in SETTINGS or name.startswith("DAGSTER_"), f"{name} is not a setting"
    else:
        raise AssertionError("a command this test does not know: teach it, or it may be untrue")


@pytest.mark.parametrize("line", shell_lines())
def test_every_readme_command_names_what_exists(line):
    check(line)


def test_the_readme_shows_the_setup_commands_first_and_every_make_target_it_names_exists():
    assert README.split("```bash\n", 1)[1].startswith("make demo") and "make test" in README.split("```")[1]
    assert {"demo", "test", "bench", "ui", "mlflow", "optuna-dashboard"} <= MAKE_TARGETS
    assert Settings.from_env()  # the settings the exports name load


@pytest.mark.parametrize(
    "untrue",
    [
        "make nosuch",
        "tp train nfl --bogus",
        "tp rollback --sport nfl --model elo_nfl",
        "dagster asset materialize --select models/elo_nhl",
        "dagster asset materialize --select 'raw/games' --partition-range 'nfl|2024-09-04...nfl|2024-12-31'",
        "export TP_NO_SUCH=1",
        "curl http://127.0.0.1:3000",
    ],
)
def test_an_untrue_command_is_caught(untrue):
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the point is that it does not pass
        check(untrue)
