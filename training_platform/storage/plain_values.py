"""Asset values between Dagster steps as plain JSON: data that loading cannot execute.

Dagster's FilesystemIOManager pickles values, and unpickling runs whatever code the file says:
anyone who can write under data/ could plant one. These values are dicts, model-artifact
records, the hand-off dataclasses of storage/handoffs.py and tables, so JSON carries them; a
file naming any other type is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math

import numpy as np
import pandas as pd

from training_platform.ml.artifacts import ModelArtifact
from training_platform.storage.handoffs import HANDOFFS, HandOff

TYPES = {"ModelArtifact", "DataFrame", *HANDOFFS}


def encode(value):
    """`value` as JSON-ready data (ModelArtifact and DataFrame tagged with their type)."""
    if isinstance(value, ModelArtifact):
        return {"__type__": "ModelArtifact", **dataclasses.asdict(value)}
    if isinstance(value, HandOff):
        return {"__type__": type(value).__name__, **{name: encode(value[name]) for name in value}}
    if isinstance(value, pd.DataFrame):
        return {
            "__type__": "DataFrame",
            "table": json.loads(value.to_json(orient="table", date_format="iso")),
        }
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not a plain value; asset outputs must be JSON-like data")


def decode(data):
    if isinstance(data, dict):
        kind = data.get("__type__")
        if kind is None:
            return {k: decode(v) for k, v in data.items()}
        if kind not in TYPES:
            raise ValueError(f"refusing a stored value of type {kind!r}; only {sorted(TYPES)} are loaded")
        if kind in HANDOFFS:
            return HANDOFFS[kind](**{k: decode(v) for k, v in data.items() if k != "__type__"})
        if kind == "ModelArtifact":
            fields = {f.name for f in dataclasses.fields(ModelArtifact)}
            return ModelArtifact(**{k: v for k, v in data.items() if k in fields})
        return pd.read_json(io.StringIO(json.dumps(data["table"])), orient="table")
    if isinstance(data, list):
        return [decode(v) for v in data]
    return data


def dumps(value) -> str:
    return json.dumps(encode(value), allow_nan=False)


def loads(text: str):
    return decode(json.loads(text))
