# The commands people repeat. `make run` and `make test` install into .venv first when needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# `make run` installs the default only; the tests add their own extra and the cluster extra (Ray, pymilvus,
# milvus-lite, ~440 MB) that the cluster tests need
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test build bench clean-index

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[test,cluster]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/python app.py

test: $(TEST_STAMP)
	bash scripts/ensure-system-packages
	$(VENV)/bin/python -m pytest

build: $(STAMP)
	$(VENV)/bin/archive-qa build

clean-index:
	rm -rf index/build-* index/.tmp-* index/CURRENT index/.build.lock
