# SPDX-License-Identifier: BSD-2-Clause
# skagent — GNU make, C++20, out-of-tree build in $(BUILD).
# SANITIZE=1: ASan + UBSan, in build-asan/ unless BUILD says otherwise: `make check SANITIZE=1`.
# make does not track flags, so a sanitizer build directory is marked ($(BUILD)/.sanitize) and
# any later make there (the install test's `make install BUILD=...`) builds sanitized too.
SANITIZE ?=
ifeq ($(origin BUILD),undefined)
BUILD    := $(if $(SANITIZE),build-asan,build)
endif
ifeq ($(SANITIZE),)
SANITIZE := $(if $(wildcard $(BUILD)/.sanitize),1,)
endif
PREFIX   ?= /usr/local
DESTDIR  ?=
CXX      ?= g++
PKGS     := libcrypto libseccomp

CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC -I. \
            $(shell pkg-config --cflags $(PKGS)) \
            $(shell pkg-config --cflags p11-kit-1 2>/dev/null || echo -I/usr/include/p11-kit-1)
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -ldl -lpthread
# Full RELRO: symbols are bound at start-up, so the GOT is read-only and no lazy binding
# spills registers (a PIN just handled, say) onto the stack later.
LDFLAGS  += -Wl,-z,relro,-z,now
ifneq ($(SANITIZE),)
$(shell mkdir -p $(BUILD) && touch $(BUILD)/.sanitize)
# Any undefined behaviour ends the program, so a test that hits it fails.
CXXFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1
LDFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=undefined
# What the suites run with: the first report (memory error, leak at exit, undefined behaviour)
# ends the program with a failing status and a stack. ASan's and UBSan's own defaults agree,
# so the integration tests' test user, whose environment starts empty, gets the same.
SANITIZER_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=1 \
                 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=1
endif
DEPFLAGS  = -MMD -MP

# Sources by module; platform variants are picked by suffix.
BASE_SRC     := $(wildcard base/*.cc)
SSH_SRC      := $(wildcard ssh/*.cc)
PLATFORM_SRC := $(filter-out %_windows.cc,$(wildcard platform/*.cc))
AGENT_SRC    := $(filter-out agent/main.cc,$(wildcard agent/*.cc agent/*/*.cc))
FIDO_SRC     := $(filter-out fido/sk_helper_main.cc,$(wildcard fido/*.cc))
PKCS11_SRC   := $(filter-out pkcs11/pkcs11_helper_main.cc,$(wildcard pkcs11/*.cc))
VTOKEN_SRC   := $(filter-out vtoken/vtoken_main.cc,$(wildcard vtoken/*.cc))
KEYGEN_SRC   := $(filter-out keygen/main.cc,$(wildcard keygen/*.cc))
TEST_SRC     := $(wildcard tests/base/*_test.cc tests/ssh/*_test.cc tests/agent/*_test.cc tests/platform/*_test.cc tests/fido/*_test.cc tests/vtoken/*_test.cc tests/pkcs11/*_test.cc tests/keygen/*_test.cc)
BENCH_SRC    := $(wildcard tests/bench/*.cc)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))

LIB_BASE     := $(BUILD)/lib/libskbase.a
LIB_SSH      := $(BUILD)/lib/libskssh.a
LIB_PLATFORM := $(BUILD)/lib/libskplatform.a
LIB_AGENT    := $(BUILD)/lib/libskagent.a
LIB_FIDO     := $(BUILD)/lib/libskfido.a
LIB_PKCS11   := $(BUILD)/lib/libskpkcs11.a
LIB_VTOKEN   := $(BUILD)/lib/libskvtoken.a
LIB_KEYGEN   := $(BUILD)/lib/libskkeygen.a
# The virtual token needs libcbor; its tests drive it through libfido2 and libpcsclite.
VTOKEN_LIBS  := $(shell pkg-config --libs libcbor)
VTOKEN_TEST_LIBS := $(shell pkg-config --libs libfido2 libcbor libpcsclite)
$(BUILD)/obj/tests/vtoken/%.o: CXXFLAGS += $(shell pkg-config --cflags libpcsclite)
# skagent-sk-helper (provider "internal") and libskagent-sk.so (OpenSSH's SecurityKeyProvider
# ABI, exporting only the sk_* functions) run fido/ on libfido2 and libpcsclite.
FIDO_LIBS    := $(shell pkg-config --libs libfido2 libpcsclite)
SK_LIB       := $(BUILD)/lib/libskagent-sk.so
$(BUILD)/obj/fido/pcsc_transport.o $(BUILD)/obj/tests/fido/pcsc_middleware_test.o: CXXFLAGS += $(shell pkg-config --cflags libpcsclite)
$(BUILD)/fuzz/obj/fido/pcsc_transport.o: FUZZ_CXXFLAGS += $(shell pkg-config --cflags libpcsclite)
LIBS         := $(LIB_AGENT) $(LIB_PKCS11) $(LIB_FIDO) $(LIB_PLATFORM) $(LIB_SSH) $(LIB_BASE)

BINS := $(BUILD)/bin/skagent $(BUILD)/bin/skagent-sk-helper $(BUILD)/bin/skagent-pkcs11-helper
BINS += $(BUILD)/bin/skagent-vtoken $(BUILD)/bin/skagent-keygen
# Deliberately broken PKCS#11 modules for the tests (tests/pkcs11/broken_module.cc). They sit
# beside the agent so the test runners copy them along with it.
PKCS11_TEST_MODULES := $(BUILD)/bin/skagent-test-pkcs11-crash.so $(BUILD)/bin/skagent-test-pkcs11-hang.so \
                       $(BUILD)/bin/skagent-test-pkcs11-ctor-marker.so $(BUILD)/bin/skagent-test-pkcs11-hostile.so
# The hostile-client driver (adversarial.sh) and an sk provider that tries what an intruder would
# (helper_sandbox.sh).
ADVERSARY_BINS := $(BUILD)/bin/skagent-adversary $(BUILD)/bin/skagent-test-sk-forbidden.so
# An sk provider that wants a PIN (OpenSSH's sk-dummy behind a PIN check): prompts.sh, unit tests.
PROMPT_TEST_BINS := $(BUILD)/bin/skagent-test-sk-pin.so
# Differential testing against OpenSSH's agent (tests/differential/, `make differential`).
DIFF_BIN := $(BUILD)/bin/skagent-differential

.PHONY: all check unit bench fuzz fuzz-build soak install uninstall clean differential mutation
all: $(BINS) $(SK_LIB)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_BASE): $(call obj,$(BASE_SRC))
$(LIB_SSH): $(call obj,$(SSH_SRC))
$(LIB_PLATFORM): $(call obj,$(PLATFORM_SRC))
$(LIB_AGENT): $(call obj,$(AGENT_SRC))
$(LIB_FIDO): $(call obj,$(FIDO_SRC))
$(LIB_PKCS11): $(call obj,$(PKCS11_SRC))
$(LIB_VTOKEN): $(call obj,$(VTOKEN_SRC))
$(LIB_KEYGEN): $(call obj,$(KEYGEN_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/skagent: $(call obj,agent/main.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/skagent-sk-helper: $(call obj,fido/sk_helper_main.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(FIDO_LIBS)

$(SK_LIB): $(call obj,fido/sk_api.cc) $(LIB_FIDO) $(LIB_SSH) $(LIB_PLATFORM) $(LIB_BASE) fido/libskagent-sk.map
	@mkdir -p $(dir $@)
	$(CXX) -shared $(LDFLAGS) -Wl,--version-script=fido/libskagent-sk.map -Wl,-z,defs -Wl,--as-needed \
	    -o $@ $(filter-out %.map,$^) $(LDLIBS) $(FIDO_LIBS)

$(BUILD)/bin/skagent-pkcs11-helper: $(call obj,pkcs11/pkcs11_helper_main.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/skagent-vtoken: $(call obj,vtoken/vtoken_main.cc) $(LIB_VTOKEN) $(LIB_SSH) $(LIB_BASE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(VTOKEN_LIBS)

$(BUILD)/bin/skagent-test-pkcs11-%.so: tests/pkcs11/broken_module.cc tests/adversary/intruder.h
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -shared -DBROKEN_MODE=\"$*\" $(LDFLAGS) -o $@ $< -ldl

# No C_GetFunctionList, and a constructor that leaves a marker: proves the export check runs
# before dlopen. (An explicit rule: the pattern above would build broken_module.cc.)
$(BUILD)/bin/skagent-test-pkcs11-ctor-marker.so: tests/pkcs11/constructor_marker_module.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -shared $(LDFLAGS) -o $@ $<

$(BUILD)/bin/skagent-keygen: $(call obj,keygen/main.cc) $(LIB_KEYGEN) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(FIDO_LIBS)

$(BUILD)/bin/unit-tests: $(call obj,$(TEST_SRC)) $(LIB_KEYGEN) $(LIB_VTOKEN) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest -lgtest_main $(LDLIBS) $(VTOKEN_TEST_LIBS)

$(BUILD)/bin/skagent-bench: $(call obj,$(BENCH_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(FIDO_LIBS)

unit: $(BUILD)/bin/unit-tests $(BINS) $(PKCS11_TEST_MODULES) $(PROMPT_TEST_BINS)
	$(BUILD)/bin/unit-tests

# Every suite: unit, integration with real OpenSSH, OpenSSH's regress tests.
check: $(BINS) $(SK_LIB) $(BUILD)/bin/unit-tests $(PKCS11_TEST_MODULES) $(ADVERSARY_BINS) $(PROMPT_TEST_BINS) $(DIFF_BIN)
	$(SANITIZER_ENV) BUILD=$(abspath $(BUILD)) tests/run_all.sh

bench: $(BINS) $(SK_LIB) $(BUILD)/bin/skagent-bench
	BUILD=$(abspath $(BUILD)) tests/bench/run.sh

# ---- make install / uninstall, with PREFIX and DESTDIR. The agent finds its helpers in
# ../libexec/skagent/ next to its bin/ directory, so those two stay together under PREFIX.
# The service's ExecStart names $(PREFIX)/bin/skagent. PREFIX=/usr/local works as it is:
# udev and the systemd user manager read /usr/local/lib/{udev/rules.d,systemd/user} too.
INSTALL_PROGRAMS := skagent skagent-vtoken skagent-keygen
INSTALL_HELPERS  := skagent-sk-helper skagent-pkcs11-helper
USERUNITDIR  ?= $(PREFIX)/lib/systemd/user
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MANDIR       ?= $(PREFIX)/share/man
MAN1_PAGES   := $(wildcard man/*.1)
MAN5_PAGES   := $(wildcard man/*.5)

install: $(BINS) $(SK_LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/skagent $(DESTDIR)$(PREFIX)/lib/skagent \
	    $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_PROGRAMS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_HELPERS)) $(DESTDIR)$(PREFIX)/libexec/skagent/
	install -m 0644 $(SK_LIB) $(DESTDIR)$(PREFIX)/lib/skagent/libskagent-sk.so
	install -m 0644 systemd/skagent.socket $(DESTDIR)$(USERUNITDIR)/skagent.socket
	sed 's|@bindir@|$(PREFIX)/bin|g' systemd/skagent.service.in >$(DESTDIR)$(USERUNITDIR)/skagent.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/skagent.service
	install -m 0644 udev/70-skagent-fido.rules $(DESTDIR)$(UDEVRULESDIR)/70-skagent-fido.rules
	install -m 0644 $(MAN1_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5_PAGES) $(DESTDIR)$(MANDIR)/man5/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(INSTALL_PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/libexec/skagent/,$(INSTALL_HELPERS))
	-rmdir $(DESTDIR)$(PREFIX)/libexec/skagent
	rm -f $(DESTDIR)$(PREFIX)/lib/skagent/libskagent-sk.so
	-rmdir $(DESTDIR)$(PREFIX)/lib/skagent
	rm -f $(DESTDIR)$(USERUNITDIR)/skagent.socket $(DESTDIR)$(USERUNITDIR)/skagent.service
	rm -f $(DESTDIR)$(UDEVRULESDIR)/70-skagent-fido.rules
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5_PAGES)))

# ML-DSA-44+Ed25519 against OpenSSH 10.5 and under valgrind (tests/integration/mldsa.sh).
$(BUILD)/bin/skagent-test-mldsa: $(call obj,tests/mldsa/mldsa_tool.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)
check: $(BUILD)/bin/skagent-test-mldsa

# ---- Adversarial tests (tests/integration/adversarial.sh) and soak (tests/soak/run.sh): a
# hostile-client driver, and an sk provider that makes a forbidden system call when it signs.
$(BUILD)/bin/skagent-adversary: $(call obj,$(wildcard tests/adversary/*.cc)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# OpenSSH's ssh-keygen and ssh-sk-helper load this provider too, and a library built with ASan
# cannot load into a program without the ASan runtime: it is never built with the sanitizers.
$(BUILD)/bin/skagent-test-sk-pin.so: tests/agent/sk_pin_provider.c fido/sk_abi.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -I. -fPIC -shared $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(LDFLAGS)) -o $@ $< -ldl

$(BUILD)/bin/skagent-test-sk-forbidden.so: tests/adversary/sk_forbidden_provider.c tests/adversary/intruder.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -fPIC -shared $(LDFLAGS) -o $@ $<

# ---- Differential testing against OpenSSH's own agent (tests/differential/README.md):
# `make differential` runs DIFF_SEQUENCES generated and mutated message sequences through both.
DIFF_SEQUENCES ?= 100000
DIFF_JOBS ?= 2
$(DIFF_BIN): $(call obj,$(wildcard tests/differential/*.cc)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest $(LDLIBS)
differential: $(BINS) $(SK_LIB) $(DIFF_BIN)
	BUILD=$(abspath $(BUILD)) DIFF_JOBS=$(DIFF_JOBS) tests/differential/run.sh $(DIFF_SEQUENCES) $${DIFF_SEED:-1}

# ---- Mutation check (tests/mutation/run.sh): plants each one-line bug of
# tests/mutation/mutants.txt in a copy of the tree, rebuilds the unit tests there, runs them.
mutation:
	BUILD=$(abspath $(BUILD)) tests/mutation/run.sh

SOAK_SECONDS ?= 600
soak: $(BINS) $(ADVERSARY_BINS)
	BUILD=$(abspath $(BUILD)) tests/soak/run.sh $(SOAK_SECONDS)

# ---- libFuzzer harnesses (tests/fuzz/*_fuzz.cc), built with clang into $(BUILD)/fuzz/ with
# ASan+UBSan; `make fuzz` runs each for FUZZ_SECONDS on its seed corpus tests/fuzz/corpus/NAME/,
# then `make differential` (100,000 sequences). The mutation check rebuilds the unit tests once
# per mutant, so it is not in `make fuzz`: run `make mutation`.
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CXXFLAGS := -O1 -g -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -fPIC -I. \
                 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -DSKAGENT_FUZZING \
                 -fsanitize-coverage-ignorelist=tests/fuzz/coverage_ignore.txt \
                 $(shell pkg-config --cflags $(PKGS)) \
                 $(shell pkg-config --cflags p11-kit-1 2>/dev/null || echo -I/usr/include/p11-kit-1)
FUZZ_LIB_SRC := $(BASE_SRC) $(SSH_SRC) $(PLATFORM_SRC) $(AGENT_SRC) $(FIDO_SRC) $(PKCS11_SRC) $(VTOKEN_SRC)
FUZZ_NAMES   := $(patsubst tests/fuzz/%_fuzz.cc,%,$(wildcard tests/fuzz/*_fuzz.cc))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_NAMES))
FUZZ_LIB     := $(FUZZ_DIR)/libskfuzz.a
$(FUZZ_DIR)/obj/%.o: %.cc tests/fuzz/coverage_ignore.txt
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) $(DEPFLAGS) -c $< -o $@
$(FUZZ_LIB): $(patsubst %.cc,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
	rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%_fuzz.o $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FIDO_LIBS) $(VTOKEN_LIBS)
.PRECIOUS: $(FUZZ_DIR)/obj/%.o
# Blowfish's rounds (bcrypt_pbkdf: LOCK, UNLOCK, key files) give no coverage worth comparing
# and were most of agent_stream's time with their compares traced; no edge counters either
# (8% less time replaying agent_stream's corpus; ASan and UBSan still check them).
$(FUZZ_DIR)/obj/ssh/blowfish.o: FUZZ_CXXFLAGS += -fno-sanitize-coverage=trace-cmp,inline-8bit-counters,pc-table
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_NAMES)
	$(MAKE) differential

# ---- Windows: the named-pipe transport (platform/*_windows.cc) and its test program,
# cross-compiled with Debian's mingw-w64 into $(BUILD)/windows/. Debian has no OpenSSL for
# mingw, so the agent itself is not built for Windows; base/wire.cc is (it needs no OpenSSL),
# with platform/secure_wipe_windows.cc in place of base/bytes.cc. `make windows-test` runs the
# test under Wine (tests/integration/windows_pipe.sh, also part of `make check`).
WIN_CXX      ?= x86_64-w64-mingw32-g++-posix
WIN_DIR      := $(BUILD)/windows
WIN_CXXFLAGS := -O2 -g -std=c++20 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
                -I. -D_WIN32_WINNT=0x0A00
WIN_LDFLAGS  := -static -static-libgcc -static-libstdc++
WIN_LIB_SRC  := base/wire.cc $(wildcard platform/*_windows.cc)
WIN_TEST     := $(WIN_DIR)/skagent-pipe-test.exe

$(WIN_DIR)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(WIN_CXX) $(WIN_CXXFLAGS) $(DEPFLAGS) -c $< -o $@
$(WIN_TEST): $(patsubst %.cc,$(WIN_DIR)/obj/%.o,$(WIN_LIB_SRC) tests/windows/pipe_transport_test.cc)
	$(WIN_CXX) $(WIN_LDFLAGS) -o $@ $^ -ladvapi32
windows: $(WIN_TEST)
windows-test: $(WIN_TEST) $(BUILD)/bin/skagent
	BUILD=$(abspath $(BUILD)) tests/run_all.sh integration/windows_pipe
.PHONY: windows windows-test

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz/obj $(BUILD)/windows/obj -name '*.d' 2>/dev/null)
