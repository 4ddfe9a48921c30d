#!/bin/sh
# The compile-time half of the CE-rules build: in the library's sources
# (internal.h with MMAN_CE_RULES and MMAN_LIBRARY) what Windows CE lacks
# cannot be named, as lib/ce/rules.h poisons it, while what CE has still
# compiles and reaches the CE shim. Without MMAN_LIBRARY (the tests'
# view) nothing is poisoned.
set -e
case "$($CC -dumpmachine 2>/dev/null)" in
*mingw*) ;;
*) echo "ce-poison: $CC is not a MinGW compiler: skipped"; exit 77 ;;
esac
win32="-DMMAN_BUILDING -D_WIN32_WINNT=0x0601 -DWIN32_LEAN_AND_MEAN"
inc="-I$top_srcdir/include -I$top_srcdir/lib"
rules="-DMMAN_CE_RULES -DMMAN_LIBRARY $win32 $inc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C
export LC_ALL

# $tmp/use.c: internal.h, then a function that names $1.
use() {
  cat >"$tmp/use.c" <<C
#include "internal.h"
void mman_ce_poison_use(void);
void mman_ce_poison_use(void) { (void)$1; }
C
}

status=0
for id in MapViewOfFileEx OpenFileMappingW VirtualLock GetFileSizeEx \
          SetFilePointerEx PrefetchVirtualMemory FILE_MAP_COPY \
          FILE_SHARE_DELETE CreateFileA _get_osfhandle \
          InitOnceExecuteOnce AddVectoredExceptionHandler; do
  use "$id"
  if $CC $rules -c "$tmp/use.c" -o "$tmp/use.o" >"$tmp/out" 2>&1; then
    echo "ce-poison: FAIL: $id compiles under CE rules"
    status=1
  elif grep -F "poisoned \"$id\"" "$tmp/out" >/dev/null; then
    echo "ce-poison: $id is poisoned"
  else
    echo "ce-poison: FAIL: $id is refused, but not as poisoned:"
    cat "$tmp/out"
    status=1
  fi
done

# What CE has compiles, and goes to the shim.
cat >"$tmp/allowed.c" <<'C'
#include "internal.h"
void *mman_ce_poison_allowed(HANDLE file);
void *mman_ce_poison_allowed(HANDLE file)
{
    HANDLE section = CreateFileMappingW(file, NULL, PAGE_READWRITE, 0, 1,
                                        NULL);

    return MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 1);
}
C
if $CC $rules -c "$tmp/allowed.c" -o "$tmp/allowed.o"; then
  echo "ce-poison: MapViewOfFile and CreateFileMappingW compile"
else
  echo "ce-poison: FAIL: MapViewOfFile and CreateFileMappingW do not compile"
  status=1
fi
nm="$($CC -dumpmachine)-nm"
if [ -f "$tmp/allowed.o" ] && command -v "$nm" >/dev/null 2>&1; then
  syms=$("$nm" "$tmp/allowed.o")
  for fn in mman__ce_CreateFileMappingW mman__ce_MapViewOfFile; do
    case "$syms" in
    *"$fn"*) echo "ce-poison: the call reaches $fn" ;;
    *) echo "ce-poison: FAIL: the call does not reach $fn"; status=1 ;;
    esac
  done
fi

# The tests' view of internal.h (no MMAN_LIBRARY) is not poisoned.
for id in MapViewOfFileEx FILE_SHARE_DELETE; do
  use "$id"
  if $CC -DMMAN_CE_RULES $win32 $inc -c "$tmp/use.c" -o "$tmp/use.o"; then
    echo "ce-poison: $id compiles outside the library"
  else
    echo "ce-poison: FAIL: $id is refused outside the library"
    status=1
  fi
done

[ "$status" = 0 ] && echo "ce-poison: ok"
exit "$status"
