# Khuyến công Open Data — every target that needs Python depends on the virtual environment.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUTPUTDIR := output
PORT ?= 8000

.PHONY: help install validate html serve devserver publish test test-fast browser-test lint bench clean import release deploy rsync_upload github

help: ## Show this help
	@echo "Khuyến công Open Data"
	@echo "Quick start: 'make publish' builds output/, 'make test' runs the whole test suite."
	@echo
	@grep -E '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

validate: $(STAMP) ## Check data/ and content/ against the schemas and the programme's rules
	$(PY) -m pipeline validate

html: $(STAMP) ## Build the site into output/ for local viewing
	$(PY) -m pipeline build --settings pelicanconf.py --output $(OUTPUTDIR)

publish: $(STAMP) ## Validate and build the site for publication (absolute URLs, feeds)
	$(PY) -m pipeline build --settings publishconf.py --output $(OUTPUTDIR)

serve: $(STAMP) ## Serve output/ on http://localhost:$(PORT)
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(OUTPUTDIR)

devserver: $(STAMP) ## Rebuild on change and serve on http://localhost:$(PORT)
	$(PY) -m pipeline devserver --port $(PORT)

# The Nu HTML Checker for tests/test_html_validity.py (pinned in package.json), when npm exists.
NODE_TOOLS := $(if $(shell command -v npm 2>/dev/null),node_modules/vnu-jar)

node_modules/vnu-jar: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

test: $(STAMP) $(NODE_TOOLS) ## Run the whole test suite (browser tests when Chromium is present)
	$(PY) -m pytest

lint: $(STAMP) ## Run ruff
	$(PY) -m ruff check pipeline tests pelicanconf.py publishconf.py

bench: $(STAMP) ## Benchmark the publish stages against Pelican, Jinja2 and Frictionless
	$(PY) -m pipeline bench

import: $(STAMP) ## Import a workbook into data/: make import FILE=workbook.xlsx
	$(PY) -m pipeline import "$(FILE)"

release: $(STAMP) ## Record a release of the data: make release VERSION=1.1.0
	$(PY) -m pipeline release "$(VERSION)"

# Deploy (Pelican's targets). rsync over SSH: make deploy SSH_HOST=example.org SSH_USER=web
# SSH_TARGET_DIR=/var/www/khuyencong. RSYNC_DEST overrides the destination (a local folder,
# as the tests do: make -o publish rsync_upload RSYNC_DEST=/tmp/site/).
SSH_HOST ?=
SSH_PORT ?= 22
SSH_USER ?=
SSH_TARGET_DIR ?=
RSYNC_DEST ?= $(if $(SSH_USER),$(SSH_USER)@)$(SSH_HOST):$(SSH_TARGET_DIR)
GITHUB_PAGES_BRANCH ?= gh-pages
GITHUB_REMOTE ?= origin

deploy: publish rsync_upload ## Publish, then upload output/ with rsync over SSH (see README)

rsync_upload: publish ## Upload output/ with rsync over SSH (SSH_HOST, SSH_USER, SSH_TARGET_DIR)
	@case "$(RSYNC_DEST)" in :* | *:) echo "set SSH_HOST and SSH_TARGET_DIR (or RSYNC_DEST)" >&2; exit 2;; esac
	rsync -e "ssh -p $(SSH_PORT)" -P -rvzc --delete "$(OUTPUTDIR)"/ "$(RSYNC_DEST)"

github: publish $(STAMP) ## Commit output/ to the gh-pages branch with ghp-import and push it
	$(VENV)/bin/ghp-import -m "Publish the site" -b $(GITHUB_PAGES_BRANCH) -n \
	  -p -r $(GITHUB_REMOTE) "$(OUTPUTDIR)"

clean: ## Remove output/ and caches
	rm -rf $(OUTPUTDIR) .pytest_cache .ruff_cache
