#!/bin/sh
# <sys/mman.h> compiles alone, with warnings as errors, as C99, C11, C with
# 64-bit off_t, and C++; and under _FILE_OFFSET_BITS=64 mmap takes a
# 64-bit offset.
set -e
src="$top_srcdir/tests/header-use.c"
inc="-I$top_srcdir/include"
warn="-Wall -Wextra -pedantic -Werror"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for mode in "-std=c99" "-std=c11" "-std=c11 -D_FILE_OFFSET_BITS=64" \
            "-std=c11 -DMMAN_DLL_IMPORT -D_FILE_OFFSET_BITS=64"; do
  echo "header: $CC $mode"
  $CC $mode $warn $inc -c "$src" -o "$tmp/use.o"
done
for mode in "-std=c++11" "-std=c++17"; do
  echo "header: $CXX $mode"
  $CXX -x c++ $mode $warn $inc -c "$src" -o "$tmp/use.o"
done

# Under _FILE_OFFSET_BITS=64 a call to mmap reaches mmap64.
cat >"$tmp/lfs.c" <<'C'
#include <sys/mman.h>
void *lfs(void);
void *lfs(void) { return mmap(0, 1, 0, 0, -1, (off_t)1 << 40); }
C
$CC -std=c11 -D_FILE_OFFSET_BITS=64 $warn $inc -c "$tmp/lfs.c" -o "$tmp/lfs.o"


case "$(${CC%gcc}nm "$tmp/lfs.o")" in
*mmap64*) echo "header: mmap is routed to mmap64 under _FILE_OFFSET_BITS=64" ;;
*) echo "header: FAIL: mmap does not reach mmap64"; exit 1 ;;
esac
echo "header: ok"
