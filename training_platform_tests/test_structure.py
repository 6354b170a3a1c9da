"""The shape of the code: the asset graph against its snapshot, and every asset reading exactly the
tables its declared upstream assets write."""

import difflib
import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from training_platform.definitions import defs
from training_platform.defs.partitions import partition_key
from training_platform.defs.raw.assets import QUARANTINE_TABLE
from training_platform.settings import environment_with
from training_platform.storage.tables import table_for
from training_platform.storage.warehouse import recording_reads
from training_platform_tests.bad_input_world import SPORT
from training_platform_tests.graph_snapshot import SNAPSHOT, graph, render
from training_platform_tests.test_lineage import ALL_ASSETS


def test_the_asset_graph_matches_its_snapshot():
    """A renamed asset, a lost dependency or check fails here with a diff (default TP_CANDIDATES/TP_SPORTS)."""
    stored, current = SNAPSHOT.read_text(), render(graph())
    diff = "".join(
        difflib.unified_diff(stored.splitlines(True), current.splitlines(True), "graph_snapshot.json", "now")
    )
    assert not diff, (
        f"the asset graph changed; if intended: python -m training_platform_tests.graph_snapshot\n{diff}"
    )


def test_every_asset_shows_a_description_owners_kinds_and_the_code_version_in_the_ui(tmp_path):
    asset_graph = defs.resolve_asset_graph()
    versions = set()
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        assert node.description and node.owners and node.kinds, key
        versions.add(node.code_version)
    assert len(versions) == 1 and len(versions.pop()) == 16
    # an edit to an asset body (not only to ml/ or sources/) changes it
    import shutil

    from training_platform.defs import ownership

    copy = tmp_path / "training_platform"
    shutil.copytree(Path(ownership.__file__).parents[1], copy, ignore=shutil.ignore_patterns("__pycache__"))
    edited = copy / "defs" / "production" / "assets.py"
    edited.write_text(edited.read_text() + "\n# edited\n")
    script = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from training_platform.defs.ownership import CODE_VERSION; print(CODE_VERSION)"
    changed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment_with(clean=True)
    )
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() != ownership.CODE_VERSION


MODELLING_LIBRARIES = (
    "pandas", "numpy", "scipy", "sklearn", "xgboost", "optuna", "mlflow", "matplotlib", "duckdb", "joblib", "imblearn",
)  # fmt: skip


def test_loading_the_definitions_imports_no_modelling_library():
    """Every CLI call and every step process loads the code location: it costs about `import dagster`
    (bench: definitions_import_seconds) because the libraries load only when an asset that needs them runs."""
    script = (
        "import json, sys, training_platform.definitions; "
        f"print(json.dumps(sorted(m for m in {MODELLING_LIBRARIES!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=environment_with(clean=True),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


ASSET_TABLES = {
    table_for(key.path): key for key in (dg.AssetKey(["raw", "games"]), dg.AssetKey(["features", "gold"]))
}
OWN_EXTRA_TABLES = {
    dg.AssetKey(["raw", "games"]): {QUARANTINE_TABLE}
}  # written with raw/games, one transaction


@pytest.mark.parametrize(
    "key",
    [
        "raw/games",
        "features/gold",
        f"tuning/elo_{SPORT}",
        f"models/elo_{SPORT}",
        f"reports/elo_{SPORT}",
        f"production/{SPORT}",
        f"predictions/{SPORT}",
    ],
)
def test_an_asset_reads_exactly_the_tables_of_its_declared_upstream_assets(stored_world, key):
    asset_key = dg.AssetKey(key.split("/"))
    node = defs.resolve_asset_graph().get(asset_key)
    own = {table_for(asset_key.path), *OWN_EXTRA_TABLES.get(asset_key, set())}
    declared = {table for table, writer in ASSET_TABLES.items() if writer in node.parent_keys} - own
    partition = partition_key(SPORT, stored_world.week) if node.partitions_def else None
    with recording_reads() as read:
        result = dg.materialize(
            ALL_ASSETS,
            selection=[asset_key],
            resources=stored_world.resources,
            instance=stored_world.instance,
            partition_key=partition,
            raise_on_error=False,
        )
    assert result.success, key
    assert read - own == declared, f"{key} read {sorted(read)}; declared upstream tables {sorted(declared)}"


def test_every_model_and_report_asset_carries_its_variant_as_a_tag():
    from training_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    for key, variant in (
        ("models/logistic_nfl", "market_aware"),
        ("reports/market_correction_nba", "market_aware"),
        ("models/logistic_market_free_nfl", "market_free"),
        ("reports/elo_mlb", "market_free"),
    ):
        assert graph.get(dg.AssetKey.from_user_string(key)).tags["variant"] == variant
