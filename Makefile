# The two commands of the README quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean browser nginx

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	cd examples/shop && rm -rf .pitstop && \
	  VIRTUAL_ENV=$(abspath $(VENV)) PATH="$(abspath $(BIN)):$$PATH" ../../$(BIN)/pitstop run setup

test: $(STAMP) browser nginx
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Debian's chromium for the browser tests of `pitstop serve` (tests/serve/test_browser.py):
# installed when missing and this runs as root with apt-get; else those tests skip and
# say so (and fail under PITSTOP_REQUIRE_SERVICES=1).  Playwright drives it; its own
# browser download (`playwright install`) is never used.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is not installed (apt-get install chromium): the browser tests will skip"; fi; }

# Debian's nginx-light for the `pitstop backend` tests (tests/backend): installed when missing
# and this runs as root with apt-get; else those tests skip and say so (and fail under
# PITSTOP_REQUIRE_SERVICES=1).  The tests run it with its own prefix under the project's
# .pitstop/: the system's nginx and /etc/nginx are never used (RUNLEVEL=1: apt does not start it).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	  else echo "nginx is not installed (apt-get install nginx-light): the backend tests will skip"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pitstop build *.egg-info
