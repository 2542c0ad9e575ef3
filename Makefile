# The commands people repeat. `make run` and `make test` install into .venv first when needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# `make run` installs the default only; the tests add their own extra and the cluster extra (Ray, pymilvus,
# milvus-lite, ~440 MB) that the cluster tests need, then the prose writer's test model
TEST_STAMP := $(VENV)/.installed-test
LLM_STAMP := $(VENV)/.installed-llm-test
# A folder of ready llama-cpp-python wheels to use instead of building it (optional): make test LLM_WHEELS=DIR
LLM_WHEELS ?=

.PHONY: run test screenshots build bench clean-index

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[test,cluster]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/python app.py

# The prose writer's test model (tests only; `make run` never installs it): llama-cpp-python built portable and
# never taken from pip's cache, whose key ignores CMAKE_ARGS (a native build dies with SIGILL at the first
# answer on CPUs with AMX, and would not run on an older CPU); Gemma 3 270M's parts pinned by their hashes.
$(LLM_STAMP): $(TEST_STAMP) requirements-llm-test.txt
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(VENV)/bin/pip install --disable-pip-version-check -q \
		--no-cache-dir $(if $(LLM_WHEELS),--find-links $(LLM_WHEELS)) -e '.[test,cluster,llm-test]'
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps --require-hashes -r requirements-llm-test.txt
	touch $(LLM_STAMP)

test: $(LLM_STAMP)
	bash scripts/ensure-system-packages
	$(VENV)/bin/python -m pytest

# The README's screenshots (docs/*.png), retaken by the browser tests; a plain test run leaves docs/ alone.
screenshots: $(LLM_STAMP)
	bash scripts/ensure-system-packages
	ARCHIVE_QA_SAVE_FIGURES=1 $(VENV)/bin/python -m pytest tests/test_browser.py

build: $(STAMP)
	$(VENV)/bin/archive-qa build

clean-index:
	rm -rf index/build-* index/.tmp-* index/CURRENT index/.build.lock
