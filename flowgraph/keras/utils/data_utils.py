"""Keras data utilities: `Sequence` (batches by index) and `get_file` (cached download)."""

import abc
import hashlib
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from flowgraph.keras.utils import generic_utils

__all__ = ["Sequence", "get_file", "validate_file", "keras_cache_dir"]


class Sequence:
    """Base class for a dataset served in batches by position.

    Subclasses implement `__getitem__(index)` (one whole batch) and `__len__`
    (the number of batches); `on_epoch_end` runs after every epoch of `fit`.
    """

    @abc.abstractmethod
    def __getitem__(self, index):
        """Return the batch at position `index`."""
        raise NotImplementedError

    @abc.abstractmethod
    def __len__(self):
        """Return the number of batches."""
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch; does nothing by default."""

    def __iter__(self):
        """Yield the batches in order, once."""
        for i in range(len(self)):
            yield self[i]


def keras_cache_dir():
    """Keras's base folder: `$KERAS_HOME` when set, else `~/.keras`."""
    home = os.environ.get("KERAS_HOME")
    if home:
        return os.path.expanduser(home)
    return os.path.join(os.path.expanduser("~"), ".keras")


def _hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(str(file_hash)) == 64):
        return hashlib.sha256()
    if algorithm in ("auto", "md5"):
        return hashlib.md5()
    raise ValueError("Unknown hash algorithm: %r (use 'md5', 'sha256' or 'auto')."
                     % (algorithm,))


def _hash_file(fpath, hasher, chunk_size=65535):
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """True when the file's md5 or sha256 (by `algorithm`, or the hash's length) matches."""
    return str(_hash_file(fpath, _hasher(algorithm, file_hash), chunk_size)) == str(file_hash)


class _DownloadProgress:
    """urlretrieve hook drawing Keras's `Progbar` over the bytes received."""

    def __init__(self):
        self.bar = None
        self.done = False

    def __call__(self, block_num, block_size, total_size):
        if self.bar is None:
            self.bar = generic_utils.Progbar(None if total_size == -1 else total_size)
        current = block_num * block_size
        if self.bar.target is None:
            self.bar.update(current)
        elif current < self.bar.target:
            self.bar.update(current)
        elif not self.done:
            self.done = True
            self.bar.update(self.bar.target)


def _safe_tar_members(archive, dest):
    base = os.path.realpath(dest)
    for member in archive.getmembers():
        target = os.path.realpath(os.path.join(base, member.name))
        if os.path.commonpath([base, target]) != base:
            continue
        if member.issym() or member.islnk():
            link = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
            if os.path.commonpath([base, link]) != base:
                continue
        if member.isdev():
            continue
        yield member


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (gz/bz2/xz) or zip archive into `path`; False when none matches."""
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                archive.extractall(path, members=list(_safe_tar_members(archive, path)))
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                archive.extractall(path)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Download `origin` into Keras's cache unless already there; return the local path.

    The file lands in `cache_dir/cache_subdir/fname` (default `~/.keras/datasets`, or
    `$KERAS_HOME/datasets`). With `file_hash` (md5 or sha256) a cached file that does
    not match is downloaded again, and a download that does not match raises
    `ValueError`. `extract=True` unpacks a tar or zip archive next to it; `untar=True`
    (deprecated) unpacks `fname.tar.gz` and returns the unpacked path.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = keras_cache_dir()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir))
    if os.path.exists(base) and not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError("Can't parse the file name from the origin provided: '%s'."
                             "Please specify the `fname` as the input param." % origin)
    untar_fpath = None
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[:-len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(
            fpath, file_hash, algorithm=hash_algorithm):
        print("A local file was found, but it seems to be incomplete or outdated "
              "because the %s file hash does not match the original value of %s so we "
              "will re-download the data." % (hash_algorithm, file_hash))
        download = True
    if download:
        print("Downloading data from %s" % origin)
        try:
            try:
                urllib.request.urlretrieve(origin, fpath, _DownloadProgress())
            except urllib.error.HTTPError as e:
                raise Exception("URL fetch failure on %s: %s -- %s" % (origin, e.code, e.msg))
            except urllib.error.URLError as e:
                raise Exception("URL fetch failure on %s: %s -- %s"
                                % (origin, getattr(e, "errno", None), e.reason))
        except (Exception, KeyboardInterrupt):
            if os.path.exists(fpath):
                os.remove(fpath)
            raise
        if file_hash is not None and not validate_file(fpath, file_hash,
                                                       algorithm=hash_algorithm):
            raise ValueError("Incomplete or corrupted file detected. The %s file hash "
                             "does not match the provided value of %s."
                             % (hash_algorithm, file_hash))
    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
