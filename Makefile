VENV ?= .venv
PY := $(VENV)/bin/python
# Development defaults: `make run` and `make test` need no configuration.
export DJANGO_DEBUG ?= 1

.PHONY: install run test lint format bench browser pdf-libs

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install pdf-libs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --with-demo-editor
	@echo
	@echo "  Site:  http://127.0.0.1:8000/"
	@echo "  Admin: http://127.0.0.1:8000/admin/  (demo editor: demo / demo-password-only-for-dev)"
	@echo "  API:   http://127.0.0.1:8000/api/v1/"
	@echo
	@# The background worker (suggestions, scheduled publications, fan-out) runs beside the
	@# web server and stops with it.
	@trap 'kill 0' EXIT INT TERM; $(PY) manage.py worker & $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Browser tests need Debian's chromium; install it when missing (root on CI machines).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Article PDFs: WeasyPrint needs Pango; install it when missing (root on CI machines).
pdf-libs:
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)

test: install browser pdf-libs
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

bench: install
	$(PY) -m bench.run
