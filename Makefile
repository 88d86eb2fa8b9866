# The two commands of the README: `make demo` and `make test`. Each makes .venv and
# installs the project with its dev extras when needed (again whenever pyproject.toml
# changes), then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCALES := pt_BR es
I18N   := partnerhub_core/i18n
I18N_ERRORS := PartnerHubError NotFound NotAllowed BadInput Conflict NotSetUp UpstreamError

.PHONY: demo test bench install migration i18n-extract i18n-update i18n-check i18n-compile clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/partnerhub demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

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
