# Every target sets up .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint eval bench stress clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@if [ -n "$$DISCORD_TOKEN" ] || grep -qs '^DISCORD_TOKEN=..*' .env; then \
		$(BIN)/kiosque run; \
	else \
		echo "DISCORD_TOKEN is not set: starting the console chat instead (see README)."; \
		$(BIN)/kiosque chat; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

eval: $(STAMP)
	$(BIN)/python -m eval.run

# Bytecode is written ahead: with PYTHONDONTWRITEBYTECODE set (as on CI machines), every new
# process would otherwise compile the project again (about 70 ms of a cold start).
bench: $(STAMP)
	$(BIN)/python -m compileall -q bot index
	$(BIN)/python -m bench.run

stress: $(STAMP)
	$(BIN)/python -m stress.run

clean:
	rm -rf $(VENV) var
