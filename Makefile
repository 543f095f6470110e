# The two set-up commands of the README: `make demo` (install and run the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install system-deps bench lint dagster spark-check

$(BIN)/nhtz: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/nhtz

demo: install
	$(BIN)/nhtz demo

# Chromium and a CJK font render the HTML report in the browser test (Debian packages, installed once).
system-deps:
	bash scripts/install-system-deps.sh

# Two workers, each test module whole on one of them, the slowest modules first (tests/conftest.py, docs/testing.md);
# the 25 slowest tests are listed at the end.
test: install system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=25

bench: install
	$(BIN)/python -m benchmarks

# The same dbt project on local Apache Spark, compared cell by cell with DuckDB on one fixture (docs/scaling.md);
# writes benchmarks/results/spark_<date>.json. Needs the spark extra and Java 17 (system-deps). The extra lives in
# an environment of its own: with pyspark installed, Great Expectations' import of pyspark.sql.connect exits the
# pytest-xdist workers of `make test`.
SPARK_VENV ?= .venv-spark
spark-check: system-deps $(SPARK_VENV)/bin/nhtz
	$(SPARK_VENV)/bin/python -m benchmarks.spark_check

$(SPARK_VENV)/bin/nhtz: pyproject.toml
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/pip install --quiet -e '.[dev,spark]'
	touch $@

lint: install
	$(BIN)/sqlfluff lint dbt_project/models

# The Dagster UI (`dg dev`, http://localhost:$(DAGSTER_PORT)) over the warehouse in $NHTZ_HOME (default ./warehouse),
# with orchestration/dagster.yaml's one-writer limits in its own instance folder. VIRTUAL_ENV tells dg which
# environment is meant when .venv is not activated.
NHTZ_DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DAGSTER_PORT ?= 3000
dagster: install
	mkdir -p $(NHTZ_DAGSTER_HOME) && cp orchestration/dagster.yaml $(NHTZ_DAGSTER_HOME)/dagster.yaml
	NHTZ_HOME="$${NHTZ_HOME:-$(CURDIR)/warehouse}" DAGSTER_HOME=$(NHTZ_DAGSTER_HOME) VIRTUAL_ENV=$(abspath $(VENV)) \
		$(BIN)/dg dev --port $(DAGSTER_PORT)
