#!/usr/bin/env bash
# The fences of the sleep/wake handshake (docs/IPC.md, "Waiting"; lab
# doorbell), read from the compiled vDSO: the host litmus test cannot see
# every missing one (x86 orders more than RISC-V does), the code can.
#   vds_q_set_need_wakeup: a full fence after the store of need_wakeup
#   vds_q_need_wakeup:     a full fence before the load of need_wakeup
# A full fence: `fence` / `fence rw,rw`, or an AMO with .aqrl (which
# orders everything before it before everything after it). The store may
# also be an AMO with .aq, which keeps later loads after it (GCC stores a
# seq_cst word that way), and the load an AMO with .rl, which keeps
# earlier stores before it. KTAP output.
set -uo pipefail
so=${1:-build/vdso/vdso.so}
echo "1..1"
verdict=$(riscv64-unknown-elf-objdump -d --no-show-raw-insn "$so" | awk '
	function full(l) { return l ~ /\tfence(\t(iorw,iorw|rw,rw))?[ \t]*$/ || l ~ /\tamo[a-z]+\.[wd]\.aqrl\t/ }
	/^[0-9a-f]+ <[^>]*>:$/ { fn = $2; next }
	fn == "<vds_q_set_need_wakeup>:" {
		if ($0 ~ /\t(sw|amo[a-z]+\.w(\.[a-z]+)?)\t/) { stored = 1; set_ok = 0 }
		if (stored && (full($0) || $0 ~ /\tamo[a-z]+\.w\.aq(rl)?\t/)) set_ok = 1
	}
	fn == "<vds_q_need_wakeup>:" {
		if (full($0) && !loaded) fenced = 1
		if ($0 ~ /\t(lw|amo[a-z]+\.w(\.[a-z]+)?)\t/ && !loaded) {
			loaded = 1
			need_ok = fenced || $0 ~ /\tamo[a-z]+\.w\.(aq)?rl\t/
		}
	}
	END {
		if (!stored) print "vds_q_set_need_wakeup stores nothing"
		else if (!set_ok) print "no full fence after vds_q_set_need_wakeup stores need_wakeup"
		if (!loaded) print "vds_q_need_wakeup loads nothing"
		else if (!need_ok) print "no full fence before vds_q_need_wakeup loads need_wakeup"
	}')
if [ -z "$verdict" ]; then
	echo "ok 1 fences: need_wakeup stored then fenced by its owner, fenced then loaded by senders"
else
	echo "not ok 1 fences: $verdict" | head -1
	echo "$verdict" | sed 's/^/    # /'
	exit 1
fi
