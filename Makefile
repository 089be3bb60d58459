# vdsOS — `make` builds, `make qemu` boots to the shell, `make test` runs every
# test, `make bench` prints the instruction counts. See README.md.

CROSS    := riscv64-unknown-elf-
CC       := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
SIZE     := $(CROSS)size
VDSO_LD  := riscv64-linux-gnu-ld
READELF  := riscv64-linux-gnu-readelf
QEMU     := qemu-system-riscv64
HOSTCC   := gcc

Q        ?= @  # `make Q=` shows every command
CPUS     ?= 2
MEM      ?= 128M
B        := build

OPENSBI  := $(firstword $(wildcard /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin) default)

ARCH     := -march=rv64imac -misa-spec=2.2 -mabi=lp64 -mcmodel=medany
WARN     := -Wall -Wextra -Werror
COMMON   := $(ARCH) --specs=picolibc.specs -O2 -g -std=gnu11 -fno-common \
            -fno-stack-protector -Iinclude $(WARN) -MMD -MP
KCFLAGS  := $(COMMON) -ffreestanding
UCFLAGS  := $(COMMON) -Iuser/lib
LDLIBS   := -lc -lgcc

# ---- tools ----
TOOLS_OK := $(B)/.tools-ok
$(TOOLS_OK): scripts/check-tools.sh scripts/setup.sh
	@mkdir -p $(B)
	@scripts/check-tools.sh
	@touch $@

# ---- the vDSO: -fPIC, hidden by default, linked -shared, checked ----
VCFLAGS  := $(COMMON) -ffreestanding -fPIC -fvisibility=hidden -fno-jump-tables -fno-plt
VSRC     := $(wildcard vdso/*.c vdso/*.S) lib/mem.c
VOBJ     := $(patsubst %,$(B)/v/%.o,$(VSRC))
# picolibc's libc.a for our multilib: only relocation-free pieces (mem*, str*) get pulled in.
PICOLIBC_DIR = /usr/lib/picolibc/riscv64-unknown-elf/lib/$(shell $(CC) $(ARCH) -print-multi-directory)

$(B)/v/%.o: % | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(VCFLAGS) -c $< -o $@

$(B)/vdso/vdso.lds: vdso/vdso.lds.in include/vdsos/api.def | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -Iinclude $< -o $@
$(B)/vdso/api.list: vdso/api.list.in include/vdsos/api.def | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -Iinclude $< -o $@

$(B)/vdso/vdso.so: $(VOBJ) linker/vdso.ld $(B)/vdso/vdso.lds $(B)/vdso/api.list scripts/vdso-check.sh
	@echo "  LD      $@"
	$(Q)$(VDSO_LD) -shared -Bsymbolic --hash-style=sysv -z max-page-size=4096 -z noexecstack \
		-soname=vdsos.so.1 -T linker/vdso.ld \
		--version-script=$(B)/vdso/vdso.lds -o $@.tmp $(VOBJ) \
		-L$(PICOLIBC_DIR) -lc $$($(CC) $(ARCH) -print-libgcc-file-name)
	$(Q)scripts/vdso-check.sh $@.tmp $(B)/vdso/api.list
	$(Q)mv $@.tmp $@

$(B)/vdso/offsets.h: $(B)/vdso/vdso.so vdso/kapi.def scripts/vdso-offsets.sh
	$(Q)scripts/vdso-offsets.sh $< vdso/kapi.def $@

# ---- code linked into both the kernel and the user runtime ----
LIBSRC := $(wildcard lib/*.c)

# ---- user programs and their runtime ----
ULIB_SRC := $(wildcard user/lib/*.c user/lib/*.S)
ULIB_OBJ := $(patsubst user/lib/%,$(B)/user/lib/%.o,$(filter-out user/lib/crt0.S,$(ULIB_SRC))) \
            $(patsubst lib/%,$(B)/user/lib/lib_%.o,$(LIBSRC))
CRT0     := $(B)/user/lib/crt0.S.o
UPROGS   := $(patsubst user/bin/%.c,$(B)/user/%,$(wildcard user/bin/*.c)) \
            $(patsubst user/test/%.c,$(B)/user/%,$(wildcard user/test/*.c))

$(B)/user/lib/%.o: user/lib/% | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(B)/user/lib/lib_%.o: lib/% | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

# The shell's `help` lists the programs of user/bin (but itself, init and fs).
SH_PROGRAMS := $(filter-out init sh fs,$(sort $(basename $(notdir $(wildcard user/bin/*.c)))))
$(B)/user/obj/sh.o: UCFLAGS += -DSH_PROGRAMS='"$(SH_PROGRAMS)"'
$(B)/user/obj/sh.o: $(B)/sh-programs
$(B)/sh-programs: FORCE | $(TOOLS_OK)
	@mkdir -p $(B)
	@echo '$(SH_PROGRAMS)' | cmp -s - $@ || echo '$(SH_PROGRAMS)' > $@

$(B)/user/obj/%.o: user/bin/%.c | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/obj/%.o: user/test/%.c | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

# The runtime's objects go in whole (--gc-sections drops what is unused), so
# that its sbrk, _exit and stdio win over picolibc's.
$(B)/user/%: $(B)/user/obj/%.o $(CRT0) $(ULIB_OBJ) linker/user.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(UCFLAGS) -nostartfiles -T linker/user.ld -Wl,--gc-sections -o $@ \
		$(CRT0) $< $(ULIB_OBJ) $(LDLIBS)

# ---- kernel ----
KSRC := $(filter-out kernel/vdso_image.S,$(wildcard kernel/*.c kernel/*.S kernel/test/*.c)) $(LIBSRC)
KOBJ := $(patsubst %,$(B)/k/%.o,$(KSRC)) $(B)/k/initrd.S.o $(B)/k/vdso_image.S.o

$(B)/k/%.o: % | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -Ikernel -I$(B) -c $< -o $@

# A test is declared only by its line in kernel/test/tests.def: one defined
# without that line would never run, so the compiler refuses it.
$(B)/k/kernel/test/%.o: KCFLAGS += -Wmissing-prototypes

# The doorbell's offset is generated from the built vDSO image.
$(B)/k/kernel/doorbell.c.o $(B)/k/kernel/kvdso.c.o: $(B)/vdso/offsets.h

# The initrd embeds stripped copies; build/user/ keeps the ones with debug info.
STRIPPED := $(patsubst $(B)/user/%,$(B)/initrd/%,$(UPROGS))
$(B)/initrd/%: $(B)/user/%
	@mkdir -p $(dir $@)
	$(Q)$(CROSS)strip -o $@ $<

# Rewritten only when the list of programs changes, so that removing one
# also rebuilds the initrd.
$(B)/initrd.list: FORCE | $(TOOLS_OK)
	@echo $(STRIPPED) | cmp -s - $@ || echo $(STRIPPED) > $@

$(B)/initrd.S: $(STRIPPED) $(B)/initrd.list scripts/mkinitrd.sh
	$(Q)scripts/mkinitrd.sh $@ $(STRIPPED)
$(B)/k/initrd.S.o: $(B)/initrd.S
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(B)/k/vdso_image.S.o: kernel/vdso_image.S $(B)/vdso/vdso.so
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) -DVDSO_PATH='"$(B)/vdso/vdso.so"' -c $< -o $@

$(B)/kernel.elf: $(KOBJ) linker/kernel.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(KCFLAGS) -nostartfiles -T linker/kernel.ld -o $@ $(KOBJ) $(LDLIBS)
	@$(SIZE) $@ | tail -1 | awk '{printf "kernel: text %d data %d bss %d\n", $$1, $$2, $$3}'

all: $(B)/kernel.elf
.DEFAULT_GOAL := all

# ---- run ----
# The serial port and QEMU's monitor share the terminal: Ctrl-A X quits,
# Ctrl-A C switches to the monitor and back, Ctrl-A H lists the keys.
# BOOTARGS: the kernel's command line (vdsobase=0x2000000000 puts every
# process's vDSO there, for debugging: docs/DEBUGGING.md).
BOOTARGS ?=
QEMUFLAGS = -machine virt -bios $(OPENSBI) -kernel $(B)/kernel.elf -m $(MEM) -smp $(CPUS) \
            -nographic -serial mon:stdio $(if $(BOOTARGS),-append "$(BOOTARGS)")

qemu: $(B)/kernel.elf
	$(QEMU) $(QEMUFLAGS)

# A gdb port per user, as xv6 does, so that several people can debug on one machine.
GDBPORT ?= $(shell expr $$(id -u) % 5000 + 25000)
.gdbinit: scripts/gdbinit.in FORCE
	@sed -e 's|@B@|$(B)|g' -e 's|@PORT@|$(GDBPORT)|' $< | cmp -s - $@ || \
		sed -e 's|@B@|$(B)|g' -e 's|@PORT@|$(GDBPORT)|' $< > $@

qemu-gdb: $(B)/kernel.elf .gdbinit
	@echo "QEMU waits for gdb on port $(GDBPORT): run 'gdb-multiarch -x .gdbinit' in this directory."
	$(QEMU) $(QEMUFLAGS) -S -gdb tcp::$(GDBPORT)

# ---- host tests (kernel and vDSO code compiled natively, under sanitizers) ----
HOSTFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -fno-omit-frame-pointer -Iinclude -Ikernel
ASAN      := -fsanitize=address,undefined -fno-sanitize-recover=all

$(B)/host/test_fdt: tests/host/test_fdt.c kernel/fdt.c tests/host/htest.h | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(ASAN) -o $@ tests/host/test_fdt.c kernel/fdt.c
$(B)/host/test_elf: tests/host/test_elf.c kernel/elf.c tests/host/htest.h | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(ASAN) -o $@ tests/host/test_elf.c kernel/elf.c

TSAN      := -fsanitize=thread
VHOST     := -Ivdso -DVDS_TESTING -pthread

# vdso/shared.c defines vds_sh, the shared data every vDSO file works on.
SHMSRC   := vdso/shm.c vdso/shared.c
SHMDEPS  := $(SHMSRC) vdso/shm.h vdso/shared.h vdso/internal.h tests/host/htest.h
NAMESRC  := vdso/names.c vdso/shared.c
NAMEDEPS := $(NAMESRC) vdso/shared.h vdso/internal.h tests/host/htest.h

$(B)/host/test_shm_tsan: tests/host/test_shm.c $(SHMDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(TSAN) -o $@ tests/host/test_shm.c $(SHMSRC)
$(B)/host/test_shm_asan: tests/host/test_shm.c $(SHMDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(ASAN) -o $@ tests/host/test_shm.c $(SHMSRC)
$(B)/host/test_names_tsan: tests/host/test_names.c $(NAMEDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(TSAN) -o $@ tests/host/test_names.c $(NAMESRC)
$(B)/host/test_names_asan: tests/host/test_names.c $(NAMEDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(ASAN) -o $@ tests/host/test_names.c $(NAMESRC)

# The receive queues: the ring, the registry, the outboxes, and the shared data.
QSRC  := vdso/queue.c vdso/registry.c vdso/outbox.c vdso/shared.c
QDEPS := $(QSRC) vdso/queue.h vdso/outbox.h vdso/internal.h vdso/shared.h vdso/shm.h include/vdsos/abi.h \
         include/vdsos/vdso.h include/vdsos/sqe.h tests/host/htest.h
# TSan does not model fences (GCC warns). Those of the outbox seqlock matter
# only for forged references, and the test's threads are ordered by the cell
# and head words; the need_wakeup fences are not exercised across threads.
QTSAN := $(TSAN) -Wno-tsan
$(B)/host/test_queue_tsan: tests/host/test_queue.c $(QDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(QTSAN) -o $@ tests/host/test_queue.c $(QSRC)
$(B)/host/test_queue_asan: tests/host/test_queue.c $(QDEPS) | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) $(VHOST) $(ASAN) -o $@ tests/host/test_queue.c $(QSRC)

# The device tree QEMU generates for the -smp 4 test run, for test_fdt.
$(B)/virt-smp4.dtb: $(B)/kernel.elf
	$(Q)$(QEMU) -machine virt,dumpdtb=$@ -smp 4 -m 256M -kernel $(B)/kernel.elf \
		-append "test ncpu=4 mem=256" -nographic >/dev/null

HOST_BINS  := $(B)/host/test_fdt $(B)/host/test_elf $(B)/host/test_shm_tsan \
              $(B)/host/test_shm_asan $(B)/host/test_names_tsan $(B)/host/test_names_asan \
              $(B)/host/test_queue_tsan $(B)/host/test_queue_asan
HOST_TESTS := "$(B)/host/test_fdt $(B)/virt-smp4.dtb" "$(B)/host/test_elf $(B)/user/exit7" \
              "$(B)/host/test_shm_tsan 100000" "$(B)/host/test_shm_asan 400000" \
              "$(B)/host/test_names_tsan" "$(B)/host/test_names_asan" \
              "$(B)/host/test_queue_tsan 1000000" "$(B)/host/test_queue_asan 1000000" \
              "$(B)/host/test_queue_asan --mpsc 8 10000000" \
              "$(B)/host/test_queue_asan --handshake 100000" "tests/host/fence_check.sh" \
              "tests/host/vdso_check_test.sh" "tests/host/ecall_check.sh" "tests/host/mklab_test.sh" \
              "tests/host/docs_check.sh $(B)/host/gen-syscalls-doc" \
              "scripts/format-check.sh"

host-test: $(HOST_BINS) $(B)/virt-smp4.dtb $(B)/user/exit7 $(B)/host/gen-syscalls-doc
	@scripts/host-tests.sh $(HOST_TESTS)

# ---- generated documentation ----
$(B)/host/gen-syscalls-doc: scripts/gen-syscalls-doc.c include/vdsos/syscalls.def \
                            include/vdsos/errors.def
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTFLAGS) -o $@ $<

docs: $(B)/host/gen-syscalls-doc
	$(B)/host/gen-syscalls-doc > docs/SYSCALLS.md

# The instruction-counting QEMU plugin (bench/plugin.c, docs/BENCH.md).
PLUGIN := $(B)/bench/plugin.so
$(PLUGIN): bench/plugin.c | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -O2 -g -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
		-o $@ $<

# ---- tests ----
# ONLY=name[,name...]: just those in-kernel tests (kernel/test/tests.def).
ONLY ?=
test: $(B)/kernel.elf $(PLUGIN)
	@ONLY="$(ONLY)" scripts/run-tests.sh

# ---- benchmarks: instruction counts under -icount shift=0 ----
$(B)/queue_bench: bench/queue_bench.c $(QDEPS) | $(TOOLS_OK)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -O2 -g -std=gnu11 -Wall -Wextra -Werror -Iinclude -Ivdso -DVDS_TESTING -pthread \
		-o $@ bench/queue_bench.c $(QSRC) -lck

bench: $(B)/kernel.elf $(B)/queue_bench $(PLUGIN)
	@scripts/bench.sh

# docs/FIGURES.md: the figures of a fresh `make bench`, with where they came from.
# The profiles FIGURES.md shows (WINDOW:CPUS), each saved apart.
FIGURE_PROFILES := 2:1 2:2 3:1 4:1 4:4
figures: bench
	@for wc in $(FIGURE_PROFILES); do \
		scripts/profile.sh $${wc%:*} $${wc#*:} > $(B)/profile-$${wc%:*}-$${wc#*:}.txt || exit 1; \
	done
	@FIGURE_PROFILES="$(FIGURE_PROFILES)" scripts/figures.sh > $(B)/FIGURES.md
	@mv $(B)/FIGURES.md docs/FIGURES.md

# Where one benchmark operation's instructions go, per hart and function
# (WINDOW: 1 classic ecall, 2 SQE null call, 3 batches, 4 IPC, 5 clock,
# 6 pipe, 7 cat | wc, 8 the kernel's user copies).
WINDOW ?= 2
profile: $(B)/kernel.elf $(PLUGIN)
	@scripts/profile.sh $(WINDOW) $(CPUS)

# ---- labs (docs/labs/README.md) ----
# `make lab LAB=queue [DEST=dir]` exports a student tree; `make grade
# [LAB=queue]` grades one lab (or the one .lab names, or all of them);
# `make lab-check` proves each exported lab builds and fails its grade.
LAB  ?=
DEST ?=
lab:
	@scripts/mklab.sh "$(LAB)" "$(DEST)"

grade:
	@scripts/grade.sh $(LAB)

lab-check:
	@scripts/lab-check.sh $(LAB)

# The C files: git's list (tracked and new), or, outside a git tree (or in
# a directory git ignores, as an exported lab may be), every one but build/.
CFILES = $$( (git ls-files '*.c' '*.h' && git ls-files --others --exclude-standard '*.c' '*.h') \
	2>/dev/null | grep . || find . -name '*.[ch]' -not -path './build/*')
format:
	clang-format -i $(CFILES)

format-check:
	@scripts/format-check.sh

clean:
	rm -rf $(B) .gdbinit

FORCE:
.PHONY: all qemu qemu-gdb test host-test bench figures profile docs format format-check clean \
        lab grade lab-check
.PRECIOUS: $(B)/user/% $(B)/k/%.o $(B)/v/%.o $(B)/user/obj/%.o $(B)/user/lib/%.o \
          $(B)/user/lib/lib_%.o
-include $(shell find $(B) -name '*.d' 2>/dev/null)
