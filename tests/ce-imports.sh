#!/bin/sh
# The CE-rules build's library imports only what Windows CE 5 exports
# (WINCE.md section 1; coredll): every Win32 call of its objects, the
# shim's aside, is on this list, or is one of the calls the shim stands
# in for (mman__ce_*). rules.h poisons what CE lacks; this is the other
# half, a list of what it has.
set -e
lib="$abs_top_builddir/.libs/libmman.a"
nm="${CC%gcc}nm"
[ -f "$lib" ] || { echo "ce-imports: no $lib"; exit 99; }
command -v "$nm" >/dev/null 2>&1 || {
  echo "ce-imports: no $nm: skipped"; exit 77; }
allowed='CloseHandle CreateDirectoryW CreateFileMappingW CreateFileW
DeleteFileW EnterCriticalSection FindClose FindFirstFileW FindNextFileW
FlushViewOfFile GetCurrentThreadId GetFileAttributesW
GetFileInformationByHandle GetFileSize GetLastError GetSystemInfo
GetTempPathW InitializeCriticalSection LeaveCriticalSection
MapViewOfFile MoveFileW ReadFile RemoveDirectoryW SetEndOfFile
SetFileAttributesW SetFilePointer SetLastError Sleep UnmapViewOfFile
VirtualAlloc VirtualFree VirtualProtect VirtualQuery WriteFile _errno'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "${CC%gcc}ar" x "$lib")
status=0 count=0
for obj in "$tmp"/*.o; do
  case $obj in *shim*) continue ;; esac
  for sym in $("$nm" -u "$obj" | sed -n 's/^ *U __imp_//p'); do
    count=$((count + 1))
    case " $(echo $allowed) " in
    *" $sym "*) ;;
    *) echo "FAIL: $(basename "$obj") imports $sym, which CE lacks"
       status=1 ;;
    esac
  done
done
shimmed=$("$nm" -u "$tmp"/*.o | grep -c ' U mman__ce_' || true)
echo "ce-imports: $count imports, all CE's; $shimmed calls through the shim"
exit $status
