# The README's commands: `make demo` and `make test`. Each makes .venv and installs what it
# needs from the lock files when needed (again whenever pyproject.toml or a lock changes),
# then runs. `make demo` installs the runtime only (requirements.txt); `make test` adds the
# test and benchmark tools (requirements-dev.txt). `make lock` rewrites both locks.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-runtime
LOCALES := pt_BR es
I18N   := partnerhub_core/i18n
I18N_ERRORS := PartnerHubError NotFound NotAllowed BadInput Conflict NotSetUp UpstreamError
LOCK_HEADER := \# Pinned by `make lock` (uv pip compile --universal, Python 3.11+) from pyproject.toml; do not edit.

.PHONY: demo test bench install install-runtime lock lint docs migration i18n-extract i18n-update i18n-check i18n-compile clean

$(BIN)/python:
	@echo "==> Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime only: what `make demo` needs.
$(RUN_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	@echo "==> Installing the pinned runtime dependencies (requirements.txt); the first time takes a minute or two"
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(RUN_STAMP)

# Runtime + tests, benchmarks and tools: what `make test` needs.
$(STAMP): requirements-dev.txt pyproject.toml | $(BIN)/python
	@echo "==> Installing the pinned dependencies with the dev tools (requirements-dev.txt)"
	$(BIN)/python -m pip install --progress-bar on -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)
install-runtime: $(RUN_STAMP)

demo: $(RUN_STAMP)
	@echo "==> Building the demo (partnerhub demo)"
	$(BIN)/partnerhub demo $(DEMO_ARGS)
	@echo ""
	@echo "Next: activate the environment, then explore the demo database:"
	@echo "  . $(BIN)/activate"
	@echo "  partnerhub kpis --product calling --region EU"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The scale benchmarks (bench/RESULTS.md): 20,000 customers, then the 100,000-customer
# distributor's answer paths (its first build takes up to half an hour per backend on 2 cores).
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench --distributor $(BENCH_DISTRIBUTOR_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# The generated command references (tests/cli/test_cli_app.py and
# tests/cli/test_slack_reference.py compare).
docs: $(STAMP)
	$(BIN)/python -m bot.cli.reference > docs/cli.md
	$(BIN)/python -m bot.cli.slack_reference > docs/slack-commands.md

# Rewrite the locks from pyproject.toml (pins already in a lock are kept unless a range
# excludes them; `make lock UPGRADE=--upgrade` takes the newest allowed).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --no-header $(UPGRADE) -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --no-header --extra dev $(UPGRADE) -o requirements-dev.txt
	for f in requirements.txt requirements-dev.txt; do \
	  { echo '$(LOCK_HEADER)'; grep -v '^# Pinned by' $$f; } > $$f.tmp && mv $$f.tmp $$f; done

# Regenerate the single pre-release migration from the models.
migration: $(STAMP)
	./scripts/regenerate_initial_migration.sh

# Keywords: Babel's defaults (_, gettext, ngettext, pgettext, N_ ...) plus ours; keep in
# step with partnerhub_core/i18n/catalogs.py (EXTRA_KEYWORDS; a test compares).
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k pN_:1c,2 \
	  $(foreach e,$(I18N_ERRORS),-k $(e)) \
	  --project partnerhub --version 0.1 --copyright-holder "partnerhub maintainers" \
	  --no-location --sort-output --width 100 -o $(I18N)/messages.pot .

# New msgids come in untranslated (no fuzzy guesses), gone ones leave; the glossary's
# guide wording is then written in. `make i18n-check` lists what still needs a translator.
i18n-update: i18n-extract
	for l in $(LOCALES); do \
	  $(BIN)/pybabel update --init-missing --no-fuzzy-matching --ignore-obsolete --width 100 \
	    -i $(I18N)/messages.pot -d $(I18N)/locale -l $$l || exit 1; \
	done
	$(BIN)/python -m partnerhub_core.i18n.catalogs seed-glossary

i18n-check: $(STAMP)
	$(BIN)/python -m partnerhub_core.i18n.catalogs check

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(I18N)/locale --statistics

clean:
	rm -rf $(VENV) demo-output partnerhub-demo.db* .pytest_cache
