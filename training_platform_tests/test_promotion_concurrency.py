"""Promotions of different sports at once, in separate processes, against one warehouse and one MLflow
store (the registry's and the alias's writes under contention)."""

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import pytest

from training_platform.sources.weeks import weeks_covering
from training_platform_tests.conftest import make_resources
from training_platform_tests.test_lineage import ALL_ASSETS, chain, ingest, run_chain
from training_platform_tests.test_promotion import champion_alias, registry


def _promote_by_hand(args) -> str | None:
    """In its own process: production/<sport> with action manual; the failure's message, or None."""
    root, sport = args
    resources = make_resources(Path(root), seasons=2)
    config = {
        "ops": {
            f"production__{sport}": {"config": {"action": "manual", "model": f"elo_{sport}", "version": 1}}
        }
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ALL_ASSETS,
            selection=[dg.AssetKey(["production", sport])],
            resources=resources,
            instance=instance,
            run_config=config,
            raise_on_error=False,
        )
    return None if result.success else result.get_step_failure_events()[0].step_failure_data.error.to_string()


@pytest.mark.slow
def test_two_sports_promoting_at_once_never_collide(tmp_path, instance):
    """Two production runs of different sports in two processes, at once, against one warehouse and
    one MLflow store: both promote, with no lock error and no lost registry row or alias."""
    resources = make_resources(tmp_path, seasons=2)
    sports = ("nfl", "nba")
    for sport in sports:
        dates = resources["games_source"].games(sport)["game_date"]
        assert ingest(
            resources, instance, sport, weeks_covering(dates.min().date(), dates.max().date())
        ).success
        trained = run_chain(
            resources,
            instance,
            chain("elo", sport)[:3],
            {"ops": {f"tuning__elo_{sport}": {"config": {"n_trials": 2}}}},
        )
        assert trained.output_for_node(f"models__elo_{sport}").version == 1  # its gates may pass or not
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        errors = list(pool.map(_promote_by_hand, [(str(tmp_path), sport) for sport in sports]))
    assert errors == [None, None], errors
    rows = [registry(tmp_path).current(sport) for sport in sports]
    assert [(row["model"], row["action"]) for row in rows] == [("elo_nfl", "manual"), ("elo_nba", "manual")]
    assert sorted(row["entry_id"] for row in rows) == [1, 2]
    assert [champion_alias(tmp_path, f"elo_{sport}") for sport in sports] == ["1", "1"]
    for sport in sports:
        assert json.loads((tmp_path / "production" / f"{sport}.json").read_text())["model"] == f"elo_{sport}"
