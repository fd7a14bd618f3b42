# imagevet: the two commands a new user runs are `make run` and `make test`.
# Everything else is CMake underneath (build/ for the normal build,
# build-san/ for the ASan+UBSan -Werror build CI also runs).

BUILD     ?= build
SANBUILD  ?= build-san
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
PREFIX    ?= /usr/local

.PHONY: all build deps deps-all run demo test test-unit test-san check-san fuzz install clean

all: build

deps:
	@scripts/install-deps build

deps-all:
	@scripts/install-deps all

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Builds the bundled demo image and vets it.
demo: build
	@scripts/install-deps run
	@scripts/make-demo $(BUILD)/demo
run: demo
	@echo "== imagevet scan $(BUILD)/demo/demo.docker.tar"
	-@$(BUILD)/imagevet scan --offline docker-archive:$(BUILD)/demo/demo.docker.tar; \
	  echo "(exit status $$?: 0 pass/warn, 1 fail, 2 error)"

test: deps-all build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L 'unit|fuzz'

# The suite again, built with -Werror under AddressSanitizer and UBSan.
check-san: deps-all
	cmake -S . -B $(SANBUILD) -DCMAKE_BUILD_TYPE=Debug -DIVET_SANITIZE=ON -DIVET_WERROR=ON $(CMAKE_ARGS)
	cmake --build $(SANBUILD) -j$(JOBS)
	cd $(SANBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS)

# Real libFuzzer binaries (clang); corpora live in fuzz/corpus/<parser>/.
fuzz: deps-all
	CC=clang cmake -S . -B build-fuzz -DIVET_FUZZ=ON -DIVET_SANITIZE=ON
	cmake --build build-fuzz -j$(JOBS)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(SANBUILD) build-fuzz
