#!/bin/sh
# make install, then an out-of-tree program built with
# `pkg-config --cflags --libs mman` runs against the installed copy:
# through the DLL, through the static library, and with dllimport.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run="$abs_top_builddir/tests/run-test"
prog="$top_srcdir/tests/install-prog.c"

$MAKE -C "$abs_top_builddir" install DESTDIR="$tmp" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; exit 1; }
for f in "$includedir/sys/mman.h" "$libdir/libmman.a" \
         "$libdir/libmman.dll.a" "$bindir/libmman-0.dll" \
         "$libdir/pkgconfig/mman.pc"; do
  [ -f "$tmp$f" ] || { echo "install: missing $f"; exit 1; }
  echo "install: $f"
done

PKG_CONFIG_LIBDIR="$tmp$libdir/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$tmp"
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
cflags=$(pkg-config --cflags mman)
libs=$(pkg-config --libs mman)
echo "install: pkg-config --cflags --libs mman: $cflags $libs"

mkdir "$tmp/dll" "$tmp/static" "$tmp/import"
$CC $cflags "$prog" $libs -o "$tmp/dll/prog.exe"
cp "$tmp$bindir/libmman-0.dll" "$tmp/dll/"
$CC $cflags -DMMAN_DLL_IMPORT "$prog" $libs -o "$tmp/import/prog.exe"
cp "$tmp$bindir/libmman-0.dll" "$tmp/import/"
$CC $cflags "$prog" -Wl,-Bstatic $libs -Wl,-Bdynamic -o "$tmp/static/prog.exe"

objdump=${CC%gcc}objdump
for kind in dll import static; do
  dlls=$($objdump -p "$tmp/$kind/prog.exe" | grep 'DLL Name' || true)
  case $kind:$dlls in
  static:*libmman*) echo "install: static build imports the DLL"; exit 1 ;;
  static:*) ;;
  *:*libmman-0.dll*) ;;
  *) echo "install: $kind build does not import libmman-0.dll"; exit 1 ;;
  esac
  out=$("$run" "$tmp/$kind/prog.exe")
  echo "install: $kind: $out"
  case $out in
  *"install-prog: ok"*) ;;
  *) exit 1 ;;
  esac
done
echo "install: ok"
