"""The asset graph as plain data: every asset's group, kinds, partitioning, dependencies (with
their partition mappings), checks and automation condition. `test_structure.py` compares it with
`graph_snapshot.json`; after an intended change, regenerate that file with

    .venv/bin/python -m training_platform_tests.graph_snapshot
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("graph_snapshot.json")


def graph() -> dict:
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from training_platform.definitions import defs

    asset_graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(asset_graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = asset_graph.get(key)
        mappings = node.partition_mappings
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "owners": sorted(node.owners),
            "code_version": node.code_version is not None,  # its value changes with every code edit
            "kinds": sorted(node.kinds),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "deps": {
                parent.to_user_string(): type(mappings[parent]).__name__ if parent in mappings else None
                for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string())
            },
            "checks": sorted(check.name for check in node.check_keys),
            "automation": node.automation_condition.get_label() if node.automation_condition else None,
        }
    repository = defs.get_repository_def()
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in repository.get_all_jobs()),
        "schedules": sorted(s.name for s in repository.schedule_defs),
        "sensors": sorted(s.name for s in repository.sensor_defs),
    }


def render(value: dict) -> str:
    return json.dumps(value, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    SNAPSHOT.write_text(render(graph()))
    print(f"wrote {SNAPSHOT}")
