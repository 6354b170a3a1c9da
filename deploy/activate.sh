# training_platform activation (appended to .venv/bin/activate by the Makefile): from the repo root,
# `dagster asset materialize --select models/elo_nfl` finds the code location and the checkout's instance.
export DAGSTER_MODULE_NAME=training_platform.definitions
export DAGSTER_HOME="${DAGSTER_HOME:-$(dirname "$VIRTUAL_ENV")}"
# `dagster dev` hands its webserver and daemon a workspace file, which they refuse beside a module name.
dagster() { if [ "$1" = dev ]; then DAGSTER_MODULE_NAME= command dagster "$@"; else command dagster "$@"; fi; }
