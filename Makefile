# Banshi — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NAME   ?=

.PHONY: install vendor run test bench lint schema docs check clean lock

install: $(STAMP) vendor

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,bench]'
	@if [ -f package.json ]; then \
	  if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; \
	  else echo "npm not found: front-end packages (htmx) are skipped; pages still work without JavaScript."; fi; \
	fi
	@touch $(STAMP)

# The front-end packages the app serves, copied from node_modules into the web package (and
# so into the wheel as package data): htmx, Swagger UI. Without node_modules, nothing.
vendor: $(STAMP)
	@if [ -f node_modules/htmx.org/dist/htmx.min.js ]; then \
	  mkdir -p web/vendor/htmx && cp node_modules/htmx.org/dist/htmx.min.js web/vendor/htmx/ && cp node_modules/htmx.org/LICENSE web/vendor/htmx/; fi
	@if [ -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; then \
	  mkdir -p web/vendor/swagger-ui && cp node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	    node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/LICENSE \
	    web/vendor/swagger-ui/; fi

run: install
	$(BIN)/banshi db upgrade
	BANSHI_DEMO_MODE=1 $(BIN)/banshi demo load --cases 40
	BANSHI_DEMO_MODE=1 $(BIN)/banshi serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(NAME)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy definitions rbac runtime db renderer banshi house admin web tests/strategies

schema: install
	$(BIN)/banshi definitions schema > definitions/schema/item.schema.json

docs: install
	$(BIN)/python -m definitions.docs > docs/definition-language.md

check: install
	$(BIN)/banshi definitions check definitions/catalog

clean:
	rm -rf $(VENV) var/*.sqlite3* var/checkpoints web/vendor .pytest_cache .mypy_cache .ruff_cache

# Re-pin every dependency (after a change to pyproject.toml's dependencies).
lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --extra bench --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
