# `make demo` and `make test` set everything up themselves on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test lint bench scorecard line-scorecard ui mlflow optuna-dashboard postgres clean

$(STAMP): pyproject.toml deploy/activate.sh
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --python $(PY) --quiet -e '.[dev]'
	sed -i '/^# training_platform activation/,$$d' $(VENV)/bin/activate  # the current block, once
	cat deploy/activate.sh >> $(VENV)/bin/activate
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m training_platform.demo $(DEMO_ARGS)

test: $(STAMP)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { apt-get install -y -qq postgresql || { apt-get update -qq && apt-get install -y -qq postgresql; }; } \
	  >/dev/null 2>&1; } || echo "PostgreSQL is not installed (apt-get install postgresql): the scale-out tests will skip"
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; } \
	  >/dev/null 2>&1; } || echo "Chromium is not installed (apt-get install chromium): the browser test will skip"
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/run.py $(if $(BENCH),--only $(BENCH))

scorecard: $(STAMP)  # the real-data scorecard: bench/scorecard.json, README's section, bench/results.json
	$(PY) bench/run.py --only scorecard

line-scorecard: $(STAMP)  # spread and totals on real NFL games: bench/line_scorecard.json, README's section, bench/results.json
	$(PY) bench/run.py --only line_scorecard

ui: $(STAMP)  # (an activated venv's DAGSTER_MODULE_NAME would clash with dagster dev's workspace)
	DAGSTER_MODULE_NAME= $(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000

mlflow: $(STAMP)
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///data/mlflow.db -h 127.0.0.1 -p 5000

OPTUNA_DASHBOARD_PORT ?= 8080
optuna-dashboard: $(STAMP)  # every tuning study, from the storage the tuning assets use (TP_OPTUNA_STORAGE)
	@storage="$$($(PY) -c 'from training_platform.settings import Settings; print(Settings.from_env().optuna_storage)')"; \
	case "$$storage" in *://*) ;; *) [ -f "$$storage" ] || { echo "no tuning study yet in $$storage: \
	run make demo (or materialize a tuning/ asset) first, or point TP_OPTUNA_STORAGE at your studies"; exit 3; };; esac; \
	exec $(VENV)/bin/optuna-dashboard --host 127.0.0.1 --port $(OPTUNA_DASHBOARD_PORT) "$$storage"

postgres: $(STAMP)  # a local server for the Postgres profile (README, "Scale-out"); stop: ... local_postgres stop
	$(PY) -m training_platform.local_postgres start --dir data/postgres --port 5432

clean:
	rm -rf data/warehouse.duckdb data/models data/reports data/production data/dagster data/dagster_io \
	       data/mlflow.db data/mlartifacts data/optuna data/logs
