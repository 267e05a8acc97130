# Tessera: build, test and demo. Every target installs the Debian packages it needs.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every Debian package that make demo, test, conformance and bench use, installed without
# recommends: the host C compiler and its C library headers, json-c for the host harness;
# the Arm and RISC-V cross toolchains, picolibc and QEMU for the emulated MCU targets;
# Python with venv for the onnx/onnxruntime and tflite-micro environments; libxml2, which
# Foundation's XMLParser (FoundationXML, the SVG test) loads. SystemPackageTests (run by make
# test) fails when a build uses a file from any package this list does not bring.
APT_PACKAGES := gcc libc6-dev libjson-c-dev \
                gcc-arm-none-eabi picolibc-arm-none-eabi gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf \
                qemu-system-arm qemu-system-misc \
                python3 python3-venv libxml2

TESSERA := .build/debug/tessera
DEMO_MODEL ?= Examples/digits_cnn.json
DEMO_INPUT ?= Examples/digits_cnn.input.json
DEMO_TARGET ?= stm32h743
DEMO_OUT := out/demo

.PHONY: all deps build test demo generated figures conformance bench fuzz clean

all: build

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6 toolchain required)"; exit 1; }

build: deps
	swift build

# The pinned Python environment (.venv/: onnx, numpy, onnxruntime) of the differential
# test against onnxruntime and of the conformance run; Scripts/python-env.sh makes it from
# Debian's python3 (APT_PACKAGES), whatever other python is on PATH.
export PYTHON := /usr/bin/python3

.PHONY: python-env
python-env: deps
	@Scripts/python-env.sh >/dev/null

test: deps python-env
	swift build --build-tests
	swift test

# Compile the bundled example for a real MCU (DEMO_TARGET, default stm32h743), run it on
# the QEMU emulation of its core, and print the layer table, the memory report and the
# measured figures.
demo: build
	@echo "== tessera inspect $(DEMO_MODEL)"
	@$(TESSERA) inspect $(DEMO_MODEL)
	@echo
	@echo "== tessera compile $(DEMO_MODEL) --target $(DEMO_TARGET) -o $(DEMO_OUT)"
	@$(TESSERA) compile $(DEMO_MODEL) --target $(DEMO_TARGET) -o $(DEMO_OUT)
	@echo "== memory report ($(DEMO_OUT)/report.json)"
	@sed -n '/"memory"/,/^  }/p' $(DEMO_OUT)/report.json
	@sed -n '/"fits"/,/^  }/p' $(DEMO_OUT)/report.json
	@echo
	@echo "== tessera run $(DEMO_MODEL) --target $(DEMO_TARGET) --input $(DEMO_INPUT) --compare"
	@$(TESSERA) run $(DEMO_MODEL) --target $(DEMO_TARGET) --input $(DEMO_INPUT) -o $(DEMO_OUT)/outputs.json \
	  --report $(DEMO_OUT)/run.json --compare
	@echo "   (measured figures in $(DEMO_OUT)/run.json)"

# Re-record the checked-in generated C of the bundled examples.
generated: build
	TESSERA_RECORD=1 swift test --filter GeneratedSnapshotTests

# Re-record the README's precision table (FP16 accuracy on the shared networks, ResNet-8's
# speed on corstone300 from tessera bench), which make test checks.
figures: build
	swift build --build-tests
	TESSERA_RECORD=1 swift test --filter PrecisionFigureTests

# ONNX backend conformance (the pytorch-converted and pytorch-operator node tests):
# Scripts/conformance.sh runs Scripts/conformance.py in the pinned environment (.venv/).
# Pass options with CONFORMANCE_ARGS, e.g.
# make conformance CONFORMANCE_ARGS="--filter Conv --json out/conformance.json".
CONFORMANCE_ARGS ?=

conformance: build python-env
	Scripts/conformance.sh --check-readme README.md $(CONFORMANCE_ARGS)

# Measure the MLPerf Tiny networks on the emulated MCUs and rewrite BENCHMARKS.md, with the
# arena table: Tessera's arenas of BENCH_ARENA_MODELS against TensorFlow Lite Micro's,
# measured in the same run by Scripts/tflm_arena.py in .venv-tflm/ (tflite-micro from PyPI,
# made by Scripts/python-env.sh --bench). Without TFLM the bench fails; it never skips it.
BENCH_MODELS ?= ic_resnet8,vww_mobilenetv1_025,kws_dscnn
BENCH_TARGETS ?= corstone300,stm32h743,rv32zfh
BENCH_PRECISIONS ?= fp32,fp16,fp16-acc16
BENCH_ARENA_MODELS ?= ic_resnet8,vww_mobilenetv1_025,kws_dscnn,ad_autoencoder

.PHONY: tflm-env
tflm-env: deps
	@Scripts/python-env.sh --bench >/dev/null || { \
	  echo "make bench: cannot set up TensorFlow Lite Micro's environment (.venv-tflm: tflite-micro from PyPI for $(PYTHON)); the arena table needs it" >&2; exit 1; }

bench: build tflm-env
	$(TESSERA) bench --models $(BENCH_MODELS) --targets $(BENCH_TARGETS) --precision $(BENCH_PRECISIONS) \
	  --arena-models $(BENCH_ARENA_MODELS) --schedule-precision fp16 --tflm-python $$(Scripts/python-env.sh --bench) -o BENCHMARKS.md

# Fuzz model loading, inspect, compile and ONNX import (tessera-fuzz, in process) for
# FUZZ_SECONDS with FUZZ_SEED (default: a fresh seed from the clock, printed), starting
# from generated models, Examples/, the corpus and ../shared/models. Reproducers of what
# it finds go to FUZZ_FINDINGS; a fixed one goes into Tests/TesseraTests/FuzzCorpus/.
FUZZ_SECONDS ?= 600
FUZZ_SEED ?=
FUZZ_FINDINGS ?= out/fuzz-findings
fuzz: build
	.build/debug/tessera-fuzz run --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) \
	  --seeds Examples --seeds Tests/TesseraTests/FuzzCorpus --seeds ../shared/models --findings $(FUZZ_FINDINGS)

clean:
	rm -rf .build out
