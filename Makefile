# storyline: `make demo` runs the main job on examples/, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB := demo.db
DEMO_HTML := demo-brief.html
# the first story of the demo database, looked up when a recipe line runs
DEMO_STORY = $$($(VENV)/bin/storyline --db $(DEMO_DB) stories --json | $(PY) -c 'import json,sys; print(json.load(sys.stdin)[0]["story_id"])')

.PHONY: demo test browser bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,eval,serve,ray,bench]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(VENV)/bin/storyline --db $(DEMO_DB) ingest examples/seed-pair/seed-pair.jsonl
	$(VENV)/bin/storyline --db $(DEMO_DB) ingest examples/seed-pair/*.txt --published 2021-03-14
	$(VENV)/bin/storyline --db $(DEMO_DB) articles
	$(VENV)/bin/storyline --db $(DEMO_DB) quotes
	$(VENV)/bin/storyline --db $(DEMO_DB) article seed-a --annotations
	$(VENV)/bin/storyline --db $(DEMO_DB) stories
	$(VENV)/bin/storyline --db $(DEMO_DB) story $(DEMO_STORY)
	$(VENV)/bin/storyline --db $(DEMO_DB) brief $(DEMO_STORY) --format md
	$(VENV)/bin/storyline --db $(DEMO_DB) brief $(DEMO_STORY) --format html -o $(DEMO_HTML)
	@echo "The brief as a web page: $(CURDIR)/$(DEMO_HTML)"
	@echo "Browse and search it: $(VENV)/bin/storyline --db $(DEMO_DB) serve  (then open http://127.0.0.1:8000/)"

# the suite on TEST_JOBS processes (pytest-xdist), a file to a process so module fixtures run
# once; then the Ray tests alone, since a Ray driver's threads change how pools start workers
TEST_JOBS ?= 2
test: $(STAMP) browser
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadfile --ignore=tests/engine/test_ray.py
	$(PY) -m pytest -q tests/engine/test_ray.py

# tests/test_browser.py drives Debian's chromium: install it when missing (as root), else
# say how
browser:
	@command -v chromium >/dev/null || \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	else \
		echo "The browser tests need chromium: run  sudo apt-get install -y chromium" >&2; \
		exit 1; \
	fi

bench: $(STAMP)
	$(PY) -m bench.ingest
	$(PY) -m bench.annotate
	$(PY) -m bench.stories
	$(PY) -m bench.fit_story_weights
	$(PY) -m bench.brief
	$(PY) -m bench.timeline
	$(PY) -m bench.updates
	$(PY) -m bench.digest
	$(PY) -m bench.serve
	$(PY) -m bench.serve --workers 2 --no-cross-check
	$(PY) -m bench.robustness
	$(PY) -m bench.watch
	$(PY) -m bench.backfill

clean:
	rm -rf $(VENV) $(DEMO_HTML) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm build src/*.egg-info
