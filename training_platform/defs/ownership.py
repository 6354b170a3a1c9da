"""Who answers for the assets, and which code made them: shown on every asset in the UI."""

from training_platform.ml.provenance import code_version

OWNERS = ["team:sports-modelling"]
# The modelling code (ml/ and sources/, the same hash a model version records): when it changes, the UI
# marks every asset's code as changed since its last materialization.
CODE_VERSION = code_version()[:16]
