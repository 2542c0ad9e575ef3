# The commands people repeat. `make run` and `make test` install into .venv first when needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test build bench clean-index

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python app.py

test: $(STAMP)
	bash scripts/ensure-system-packages
	$(VENV)/bin/python -m pytest

build: $(STAMP)
	$(VENV)/bin/archive-qa build

clean-index:
	rm -rf index/build-* index/.tmp-* index/CURRENT index/.build.lock
