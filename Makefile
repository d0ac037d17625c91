# Two commands set up a fresh machine: `make demo` and `make test`. Both build .venv from uv.lock.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export PREFECT_HOME ?= $(CURDIR)/.mmwatch/prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export PREFECT_CLIENT_MAX_RETRIES := 10

.PHONY: demo test lint bench bench-quick clean samples

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: ~30 s once at install; without it every process compiles Great Expectations,
# Prefect and pandas again where PYTHONDONTWRITEBYTECODE is set (+5-9 s per `mmwatch audit` here).
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# The January sample (5.9 MB: 806 throttled quote cycles of the bot's own lines) is written by its
# generator rather than kept in git; its truth file (samples/*.truth.json) is kept, and the tests
# check the written log against it.
JAN_SAMPLE := samples/mm_mainnet_BTC_2026-01-13_15-13-53.log
$(JAN_SAMPLE): tests/jan_log.py tests/botlog.py | $(VENV)/.synced
	$(VENV)/bin/python -m tests.jan_log $@

samples: $(JAN_SAMPLE)

# The sample session has critical findings, so `mmwatch audit` exits 1 ("findings") there: that is
# the demo working. Any other non-zero code (2 bad input, 3 internal error) fails the target.
demo: $(VENV)/.synced $(JAN_SAMPLE)
	@mkdir -p "$(PREFECT_HOME)"
	$(VENV)/bin/mmwatch audit --publish "file://$(CURDIR)/.mmwatch/published" samples/*.log; \
	  rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 1 ] || exit $$rc; \
	  echo "demo: audit done (exit $$rc: 1 means the sample's rules found critical issues, as they should)"

test: $(VENV)/.synced $(JAN_SAMPLE)
	@mkdir -p "$(PREFECT_HOME)"
	$(VENV)/bin/python -m pytest

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check mmwatch flows tasks tests bench

bench: $(VENV)/.synced
	$(VENV)/bin/python -m bench.run

bench-quick: $(VENV)/.synced
	$(VENV)/bin/python -m bench.run --quick

clean:
	rm -rf .mmwatch $(VENV) $(TOOLS)
