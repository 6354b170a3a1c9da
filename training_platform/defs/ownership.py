"""Who answers for the assets, and which code made them: shown on every asset in the UI."""

from training_platform.ml.provenance import code_version

OWNERS = ["team:sports-modelling"]
# The package's whole code and configuration (asset bodies, ml/, sources/, storage/, YAML): when any of it
# changes, the UI marks every asset's code as changed since its last materialization. (A model version
# records the narrower modelling-code hash, which is what decides whether a version is new.)
CODE_VERSION = code_version(("**/*.py", "**/*.yaml"))[:16]
