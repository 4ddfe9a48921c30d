#!/bin/sh
# Differential fuzzing: tests/fuzz runs FUZZ_SEEDS random sequences of
# FUZZ_OPS operations each (from seed FUZZ_FIRST on) and prints a
# canonical trace of every outcome. On a Windows host its trace must
# equal the oracle's (the same program on the build machine, against
# its C library); where there is no oracle (a Linux host, which is the
# oracle itself) the trace must come out the same twice, which proves
# it holds no address, time or other run-dependent value.
seeds=${FUZZ_SEEDS:-200}
ops=${FUZZ_OPS:-200}
first=${FUZZ_FIRST:-1}
builddir=${abs_top_builddir:-.}
fuzz="$builddir/tests/fuzz${EXEEXT}"
run="$builddir/tests/run-test"
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT

"$run" "$fuzz" --exclusions
status=$?
# 77: the host's programs cannot run here (run-test says why)
[ "$status" = 0 ] || exit "$status"
if [ -n "$FUZZ_ORACLE" ]; then
  # an oracle that may not map its files with PROT_EXEC (a noexec
  # mount): neither side generates that
  if ! "$builddir/$FUZZ_ORACLE" --can-exec; then
    echo "fuzz.sh: files are not mapped with PROT_EXEC (noexec here)"
    FUZZ_NO_EXEC=1
    export FUZZ_NO_EXEC
  fi
  "$builddir/$FUZZ_ORACLE" "$first" "$seeds" "$ops" >"$work/expected" ||
    { echo "fuzz.sh: the oracle failed" >&2; exit 99; }
  what="the oracle ($FUZZ_ORACLE)"
else
  "$run" "$fuzz" "$first" "$seeds" "$ops" >"$work/expected" || exit 1
  what="a second run"
fi
"$run" "$fuzz" "$first" "$seeds" "$ops" >"$work/actual" || exit 1
if ! cmp -s "$work/expected" "$work/actual"; then
  echo "fuzz.sh: the trace differs from $what (first differences):"
  diff "$work/expected" "$work/actual" | head -n 40
  exit 1
fi
tail -n 1 "$work/actual"
echo "fuzz.sh: $seeds seeds x $ops operations: trace equal to $what"
