#!/usr/bin/env bash
# The README's demo: boots each example guest with `mote run --stats` and
# shows what it printed, its exit status and how long the boot took.
set -u
build=${1:-build}
mote=$build/mote
guests=$build/guests

run() {
	local name=$1
	shift
	local out err status total first
	printf '\n$ mote run %s\n' "$*"
	out=$(mktemp) err=$(mktemp)
	"$mote" run --stats "$@" >"$out" 2>"$err"
	status=$?
	sed 's/^/  | /' "$out"
	grep -v '^{' "$err" | sed 's/^/  ! /'
	total=$(sed -n 's/.*"total_us":\([0-9.]*\).*/\1/p' "$err")
	first=$(sed -n 's/.*"first_instruction_us":\([0-9.]*\),.*/\1/p' "$err")
	if [ -n "$first" ]; then
		first=" (first guest instruction $first us after KVM_RUN)"
	fi
	printf '  %s: exit status %d, whole run %s us%s\n' \
		"$name" "$status" "${total:-?}" "$first"
	rm -f "$out" "$err"
}

echo "mote demo: $("$mote" --version)"
run hello "$guests/hello.elf"
run exitcode "$guests/exitcode.elf" -- 42
run compute "$guests/compute.elf"
run crash "$guests/crash.elf"
run spin --timeout 200ms "$guests/spin.elf"
run hostile "$guests/hostile.elf" -- badptr
run lua "$guests/lua.elf" -e 'print(("Lua on musl, in a microVM"):upper(), 6 * 7)'
snap=$(mktemp /tmp/mote-demo.XXXXXX)
printf '\n$ mote snapshot -o %s lua.elf -e INIT --snapshot   (initialise once)\n' "$snap"
"$mote" snapshot -o "$snap" "$guests/lua.elf" \
	-e 'squares = {} for i = 1, 100000 do squares[i] = i * i end' --snapshot
run "lua, from its snapshot" "$snap" -e 'print(#squares, squares[12345])'
rm -f "$snap"
echo
echo "Every guest above ran in its own microVM; the crash, the spin and the"
echo "hostile hypercall stopped only their own VM, with the documented status"
echo "(126 crash, 124 timeout)."
