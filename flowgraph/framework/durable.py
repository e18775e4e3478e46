"""Writing files that survive kills and power cuts: temporary names, fsync, renames.

A file is written under a temporary name in its final directory, synced, renamed into
place, and the directory is synced, so after a crash the name holds either the old file or
the whole new one. Temporary names are recognisable (`*.tempstate<digits>*` and
`*.tmp<8 chars>`), so the leftovers of a killed write can be removed later
(`remove_stale`); the names this process is writing right now are never touched."""
import os
import re
import secrets
import shutil
import threading
import uuid

_in_flight = set()  # temporary paths this process is writing now
_lock = threading.Lock()

_TMP = re.compile(r"\.tmp[a-z0-9_]{8}$")  # atomic_write's (and mkstemp's) suffix
_TEMPSTATE = ".tempstate"


def temp_name(path, tag="tempstate"):
    """A fresh temporary name for `path`, registered as in flight until `done(name)`."""
    if tag == "tempstate":
        name = f"{path}{_TEMPSTATE}{uuid.uuid4().int % 10 ** 19}"
    else:
        name = f"{path}.tmp{secrets.token_hex(4)}"
    with _lock:
        _in_flight.add(os.path.abspath(name))
    return name


def done(name):
    """Ends the in-flight registration of a temporary name."""
    with _lock:
        _in_flight.discard(os.path.abspath(name))


def sync_file(f):
    """Flushes a file object and its data to the disk."""
    f.flush()
    os.fsync(f.fileno())


def sync_directory(directory):
    """Makes the renames and creations in `directory` durable (where the OS allows)."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory
    finally:
        os.close(fd)


def atomic_write(path, data):
    """Writes `data` (bytes or str) to `path`: a temporary file created with mode 0666
    less the umask (as `open` does), synced, renamed into place, directory synced."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = temp_name(path, "tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            sync_file(f)
        os.replace(tmp, path)
        sync_directory(directory)
    except BaseException:
        remove(tmp)
        raise
    finally:
        done(tmp)


def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def is_temporary(name):
    """Whether a file name is one of our temporary names."""
    return _TEMPSTATE in name or _TMP.search(name) is not None


def remove_stale(directory, keep=()):
    """Removes the temporary files (and sharded saves' `_temp` directories) that killed
    writes left in `directory`, except those in flight in this process and those whose
    names start with a prefix in `keep` (checkpoints a state file still points at)."""
    directory = directory or "."
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    keep = tuple(os.path.abspath(k) for k in keep if k and is_temporary(os.path.basename(k)))
    with _lock:
        busy = set(_in_flight)
    removed = []
    for name in names:
        if not is_temporary(name):
            continue
        path = os.path.abspath(os.path.join(directory, name))
        if path in busy or any(path.startswith(b) for b in busy) or \
                any(path.startswith(k) for k in keep):
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
            removed.append(name)
        except OSError:
            pass
    return removed
