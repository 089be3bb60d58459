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
            -fno-omit-frame-pointer -fno-stack-protector -Iinclude $(WARN) -MMD -MP
KCFLAGS  := $(COMMON) -ffreestanding
UCFLAGS  := $(COMMON) -Iuser/lib
LDLIBS   := -lc -lgcc

# ---- tools ----
TOOLS_OK := $(B)/.tools-ok
$(TOOLS_OK): scripts/check-tools.sh scripts/setup.sh
	@mkdir -p $(B)
	@scripts/check-tools.sh
	@touch $@

# ---- user programs and their runtime ----
ULIB_SRC := $(wildcard user/lib/*.c user/lib/*.S)
ULIB_OBJ := $(patsubst user/lib/%,$(B)/user/lib/%.o,$(filter-out user/lib/crt0.S,$(ULIB_SRC)))
CRT0     := $(B)/user/lib/crt0.S.o
UPROGS   := $(patsubst user/bin/%.c,$(B)/user/%,$(wildcard user/bin/*.c)) \
            $(patsubst user/test/%.c,$(B)/user/%,$(wildcard user/test/*.c))

$(B)/user/lib/%.o: user/lib/% | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(B)/user/libu.a: $(ULIB_OBJ)
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $^

$(B)/user/obj/%.o: user/bin/%.c | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/obj/%.o: user/test/%.c | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(B)/user/%: $(B)/user/obj/%.o $(CRT0) $(B)/user/libu.a linker/user.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(UCFLAGS) -nostartfiles -T linker/user.ld -Wl,--gc-sections -o $@ \
		$(CRT0) $< -Wl,--start-group $(B)/user/libu.a $(LDLIBS) -Wl,--end-group

# ---- kernel ----
KSRC := $(wildcard kernel/*.c kernel/*.S kernel/test/*.c) vdso/coro.c vdso/switch.S
KOBJ := $(patsubst %,$(B)/k/%.o,$(KSRC)) $(B)/k/initrd.S.o

$(B)/k/%.o: % | $(TOOLS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -Ikernel -c $< -o $@

$(B)/initrd.S: $(UPROGS) scripts/mkinitrd.sh
	$(Q)scripts/mkinitrd.sh $@ $(UPROGS)
$(B)/k/initrd.S.o: $(B)/initrd.S
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(B)/kernel.elf: $(KOBJ) linker/kernel.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(KCFLAGS) -nostartfiles -T linker/kernel.ld -o $@ $(KOBJ) $(LDLIBS)
	@$(SIZE) $@ | tail -1 | awk '{printf "kernel: text %d data %d bss %d\n", $$1, $$2, $$3}'

all: $(B)/kernel.elf
.DEFAULT_GOAL := all

# ---- run ----
QEMUFLAGS = -machine virt -bios $(OPENSBI) -kernel $(B)/kernel.elf -m $(MEM) -smp $(CPUS) \
            -nographic -monitor none -serial stdio

qemu: $(B)/kernel.elf
	$(QEMU) $(QEMUFLAGS)

.gdbinit: scripts/gdbinit.in
	sed 's|@KERNEL@|$(B)/kernel.elf|' $< > $@

qemu-gdb: $(B)/kernel.elf .gdbinit
	@echo "QEMU waits for gdb: run 'gdb-multiarch' in this directory (it reads .gdbinit)."
	$(QEMU) $(QEMUFLAGS) -S -gdb tcp::26000

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

# The device tree QEMU generates for the -smp 4 test run, for test_fdt.
$(B)/virt-smp4.dtb: $(B)/kernel.elf
	$(Q)$(QEMU) -machine virt,dumpdtb=$@ -smp 4 -m 256M -kernel $(B)/kernel.elf \
		-append "test ncpu=4 mem=256" -nographic >/dev/null

HOST_TESTS := "$(B)/host/test_fdt $(B)/virt-smp4.dtb" "$(B)/host/test_elf $(B)/user/exit7" \
              "scripts/format-check.sh"

host-test: $(B)/host/test_fdt $(B)/host/test_elf $(B)/virt-smp4.dtb $(B)/user/exit7
	@scripts/host-tests.sh $(HOST_TESTS)

# ---- tests ----
test: $(B)/kernel.elf
	@scripts/run-tests.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@scripts/format-check.sh

clean:
	rm -rf $(B) .gdbinit

.PHONY: all qemu qemu-gdb test host-test format format-check clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
