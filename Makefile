# The two commands of the README: `make demo` and `make test`. Each makes .venv and
# installs the project with its dev extras when needed (again whenever pyproject.toml
# changes), then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCALES := pt_BR es
I18N   := partnerhub_core/i18n

.PHONY: demo test bench install migration i18n-extract i18n-update i18n-compile clean

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

i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k lazy_gettext -k N_ \
	  --no-location --sort-output -o $(I18N)/messages.pot .

i18n-update: i18n-extract
	for l in $(LOCALES); do \
	  test -f $(I18N)/locale/$$l/LC_MESSAGES/messages.po \
	    && $(BIN)/pybabel update --no-fuzzy-matching -i $(I18N)/messages.pot -d $(I18N)/locale -l $$l \
	    || $(BIN)/pybabel init -i $(I18N)/messages.pot -d $(I18N)/locale -l $$l; \
	done

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(I18N)/locale --statistics

clean:
	rm -rf $(VENV) demo-output partnerhub-demo.db* .pytest_cache
