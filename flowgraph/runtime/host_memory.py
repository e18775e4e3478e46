"""Host allocator settings. Variable updates swap in new arrays every step; glibc serves
large blocks with fresh mmap pages and unmaps them when freed, so each step pays page
faults for every large array (about a millisecond per MLP step). Keeping blocks up to
64 MiB in the heap lets freed arrays be reused. Opt out with FLOWGRAPH_TUNE_MALLOC=0."""
import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = []


def tune():
    """Applies the settings once per process (glibc on Linux only; elsewhere a no-op)."""
    if _done or not sys.platform.startswith("linux") or \
            os.environ.get("FLOWGRAPH_TUNE_MALLOC", "1") == "0":
        return
    _done.append(True)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):  # not glibc
        pass
