# training_platform activation (appended to .venv/bin/activate by the Makefile): from the repo root,
# `dagster asset materialize --select models/elo_nfl` finds the code location and the checkout's instance.
export DAGSTER_MODULE_NAME=training_platform.definitions
if [ -z "${DAGSTER_HOME:-}" ]; then
    export DAGSTER_HOME="$(dirname "$VIRTUAL_ENV")"
    _TP_SET_DAGSTER_HOME=1
fi
# `dagster dev` hands its webserver and daemon a workspace file, which they refuse beside a module name.
dagster() { if [ "$1" = dev ]; then DAGSTER_MODULE_NAME= command dagster "$@"; else command dagster "$@"; fi; }
# deactivate undoes this too
eval "_tp_venv_$(declare -f deactivate)"
deactivate() {
    unset DAGSTER_MODULE_NAME
    [ -n "${_TP_SET_DAGSTER_HOME:-}" ] && unset DAGSTER_HOME _TP_SET_DAGSTER_HOME
    unset -f dagster
    _tp_venv_deactivate "$@"
    [ "${1:-}" = nondestructive ] || unset -f _tp_venv_deactivate
}
