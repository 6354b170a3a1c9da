# `make demo` and `make test` set everything up themselves on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test lint bench ui mlflow clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --python $(PY) --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m training_platform.demo $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/run.py

ui: $(STAMP)
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000

mlflow: $(STAMP)
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///data/mlflow.db -h 127.0.0.1 -p 5000

clean:
	rm -rf data/warehouse.duckdb data/models data/reports data/production data/dagster data/dagster_io \
	       data/mlflow.db data/mlartifacts data/optuna
