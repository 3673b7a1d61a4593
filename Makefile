# closekit: `make demo` sets everything up and runs the sample close; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
ifeq ($(OS),Windows_NT)
BIN    := $(VENV)/Scripts
else
BIN    := $(VENV)/bin
endif
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint bench bench-scale templates addin fuzz clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/closekit demo --dir build/demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz addin docs
	$(BIN)/lint-imports --no-logo
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

test: lint
	$(BIN)/python -m pytest

# 1M lines as CSV, Parquet and XLSX, and writing the outputs (a few minutes); bench-scale adds
# 100k and 10M lines (10M needs ~15 minutes and several GB). See docs/development.md "Benchmarks".
bench: $(STAMP)
	$(BIN)/python bench/bench_import.py

bench-scale: $(STAMP)
	$(BIN)/python bench/bench_import.py --scale

# Coverage-guided fuzzing of every importer (fuzz/fuzz_importers.py); not part of `make test`.
FUZZ_RUNS ?= 2000
fuzz: $(STAMP)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check atheris || { \
		echo "make fuzz: atheris does not install on this machine (it needs a prebuilt wheel for this Python" \
		"and platform, or clang with libFuzzer to build one). Nothing was fuzzed; the hypothesis property" \
		"tests (tests/test_fuzz_properties.py) still run with make test."; exit 1; }
	@mkdir -p build/fuzz
	@failed=""; for name in $$($(BIN)/python -c "import closekit.sources.importers as i; print(' '.join(i.REGISTRY))"); do \
		echo "fuzz: $$name ($(FUZZ_RUNS) runs)"; \
		if $(BIN)/python fuzz/fuzz_importers.py $$name -runs=$(FUZZ_RUNS) -artifact_prefix=build/fuzz/$$name- \
			> build/fuzz/$$name.log 2>&1; then tail -n 1 build/fuzz/$$name.log; \
		else tail -n 30 build/fuzz/$$name.log; failed="$$failed $$name"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in$$failed (logs and inputs in build/fuzz/)"; exit 1; fi

# The pictures of README.md and docs/excel.md: the template and the closed sample rendered to PNG
# by LibreOffice headless (soffice) and pdftoppm (poppler-utils). Commit docs/images/ afterwards.
docs: $(STAMP)
	$(BIN)/python docs/render_images.py docs/images

# The add-in code the wheel ships (closekit new --lite / --classic): copies of addin/.
addin:
	cp addin/lite/main.py addin/lite/requirements.txt src/closekit/workbook/_addin/lite/
	cp addin/classic/closekit_addin.py src/closekit/workbook/_addin/classic/

templates: $(STAMP)
	$(BIN)/python -m closekit.workbook.template workbook_templates/close.xlsx
	$(BIN)/python -c "from closekit.samples import company; company.write_lite('workbook_templates/sample-lite.xlsx', force=True)"

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .import_linter_cache

