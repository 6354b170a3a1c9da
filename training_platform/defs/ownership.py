"""Who answers for the assets, and which code made them: shown on every asset in the UI."""

import hashlib
from pathlib import Path

OWNERS = ["team:sports-modelling"]


def package_code_version() -> str:
    """SHA-256 of the package's code and configuration (asset bodies, ml/, sources/, storage/, YAML):
    when any of it changes, the UI marks every asset's code as changed since its last materialization.
    (Model versions record the narrower ml/ and sources/ hash, which is what decides a model's version.)"""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*root.glob("**/*.py"), *root.glob("**/*.yaml")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = package_code_version()
