# skagent — GNU make, C++20, out-of-tree build in $(BUILD).
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CXX      ?= g++
PKGS     := libcrypto
SANITIZE ?=

CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC -I. \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -ldl -lpthread
ifneq ($(SANITIZE),)
CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS  += -fsanitize=address,undefined
endif
DEPFLAGS  = -MMD -MP

# Sources by module; platform variants are picked by suffix.
SSH_SRC      := $(wildcard ssh/*.cc)
PLATFORM_SRC := $(filter-out %_windows.cc,$(wildcard platform/*.cc))
AGENT_SRC    := $(filter-out agent/main.cc,$(wildcard agent/*.cc))
FIDO_SRC     := $(filter-out fido/sk_helper_main.cc,$(wildcard fido/*.cc))
TEST_SRC     := $(wildcard tests/ssh/*_test.cc tests/agent/*_test.cc tests/platform/*_test.cc tests/fido/*_test.cc)
BENCH_SRC    := $(wildcard tests/bench/*.cc)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))

LIB_SSH      := $(BUILD)/lib/libskssh.a
LIB_PLATFORM := $(BUILD)/lib/libskplatform.a
LIB_AGENT    := $(BUILD)/lib/libskagent.a
LIB_FIDO     := $(BUILD)/lib/libskfido.a
LIBS         := $(LIB_AGENT) $(LIB_FIDO) $(LIB_PLATFORM) $(LIB_SSH)

BINS := $(BUILD)/bin/skagent $(BUILD)/bin/skagent-sk-helper

.PHONY: all check unit bench install uninstall clean
all: $(BINS)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_SSH): $(call obj,$(SSH_SRC))
$(LIB_PLATFORM): $(call obj,$(PLATFORM_SRC))
$(LIB_AGENT): $(call obj,$(AGENT_SRC))
$(LIB_FIDO): $(call obj,$(FIDO_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/skagent: $(call obj,agent/main.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/skagent-sk-helper: $(call obj,fido/sk_helper_main.cc) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/unit-tests: $(call obj,$(TEST_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest -lgtest_main $(LDLIBS)

$(BUILD)/bin/skagent-bench: $(call obj,$(BENCH_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/bin/unit-tests
	$(BUILD)/bin/unit-tests

# Every suite: unit, integration with real OpenSSH, OpenSSH's regress tests.
check: $(BINS) $(BUILD)/bin/unit-tests
	BUILD=$(abspath $(BUILD)) tests/run_all.sh

bench: $(BINS) $(BUILD)/bin/skagent-bench
	BUILD=$(abspath $(BUILD)) tests/bench/run.sh

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/skagent
	install -m 0755 $(BUILD)/bin/skagent $(DESTDIR)$(PREFIX)/bin/skagent
	install -m 0755 $(BUILD)/bin/skagent-sk-helper $(DESTDIR)$(PREFIX)/libexec/skagent/skagent-sk-helper

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/skagent $(DESTDIR)$(PREFIX)/libexec/skagent/skagent-sk-helper
	-rmdir $(DESTDIR)$(PREFIX)/libexec/skagent

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
