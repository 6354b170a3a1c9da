"""The platform's YAML configuration files (sports, gates), read so that no file can exhaust memory.

PyYAML expands aliases as it constructs: a few kilobytes of nested `*a` references (a "billion
laughs" file) become gigabytes before any validation runs. The file is first composed into its graph,
where an alias is one shared node, and the size it would expand to is counted there; a file that would
expand past MAX_NODES values is refused in one line naming it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_BYTES = 1 << 20  # a configuration file, not a data set
MAX_NODES = 100_000  # values after alias expansion: the package's sports.yaml has about 400


def read_yaml(path: Path, what: str):
    """The data of the YAML file `path` (`what` names it in errors: "sports file", "gates file")."""
    path = Path(path)
    if path.exists() and path.stat().st_size > MAX_BYTES:
        raise ValueError(
            f"{what} {path} is {path.stat().st_size:,} bytes; a configuration file is under {MAX_BYTES:,}"
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        expanded = _expanded_size(root, {})
        if expanded > MAX_NODES:
            raise ValueError(
                f"{what} {path} expands to more than {MAX_NODES:,} values through its aliases; "
                "refused before expanding: write the values out, or use fewer nested aliases"
            )
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{what} {path} is not valid YAML: {' '.join(str(exc).split())[:300]}") from None
    except (TypeError, OverflowError) as exc:  # a value PyYAML's constructors cannot build
        raise ValueError(f"{what} {path}: {exc}") from None
    except ValueError as exc:
        if str(exc).startswith(what):
            raise
        # e.g. an impossible date (2024-02-30) fails inside PyYAML's date constructor
        raise ValueError(f"{what} {path} holds a value that cannot be read: {exc}") from None


def _expanded_size(node, seen: dict) -> int:
    if node is None:
        return 0
    if id(node) in seen:
        return seen[id(node)]
    seen[id(node)] = MAX_NODES + 1  # a node that contains itself expands without end
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, seen) + _expanded_size(v, seen) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, seen) for item in node.value)
    else:
        size = 1
    seen[id(node)] = min(size, MAX_NODES + 1)
    return seen[id(node)]
