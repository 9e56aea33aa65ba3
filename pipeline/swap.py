"""Replacing the published folder in one step, and clearing what a killed build left behind.

A build writes into a *staging* folder beside the output (``.output-build-XXXX/``), which
holds a marker file and the new site in ``site/``. The swap exchanges ``site/`` with
``output/`` in one system call, so a reader (or a web server) sees either the old site or
the new one, never a mix and never nothing:

- on Linux, ``renameat2(..., RENAME_EXCHANGE)`` through ctypes swaps the two names
  atomically; the old site ends up in the staging folder, which is then deleted;
- elsewhere (or on a filesystem that refuses the flag) two renames: ``output/`` into the
  staging folder as ``old/``, then ``site/`` to ``output/``. Between the two there is a
  window of a few microseconds in which ``output/`` does not exist; a build killed exactly
  there leaves the old site in ``old/``, and the next build puts it back before anything else.

The marker makes clean-up safe: only folders named with our prefix *and* holding our marker
are ever deleted, and never one whose build process is still running.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MARKER = ".kc-build"
SITE = "site"
OLD = "old"
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


class SwapError(Exception):
    """The new site could not be moved into place (the old one is still there)."""


@dataclass(frozen=True)
class Staging:
    """A staging folder: ``root`` holds the marker, ``site`` the new output being built."""

    root: Path

    @property
    def site(self) -> Path:
        return self.root / SITE


def prefix(output: Path) -> str:
    """Name prefix of our staging folders for ``output`` (one per output folder name)."""
    return f".{output.name}-build-"


def create_staging(output: Path) -> Staging:
    """A new staging folder beside ``output``, marked as ours, with an empty ``site/``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=prefix(output), dir=output.parent))
    marker = {"tool": "khuyencong-pipeline", "output": output.name, "pid": os.getpid()}
    (root / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    staging = Staging(root)
    staging.site.mkdir(mode=0o755)
    staging.site.chmod(0o755)  # readable by the web server whatever the umask
    return staging


def marker_of(folder: Path, output: Path) -> dict | None:
    """The marker of one of our staging folders for ``output``, or None if it is not ours."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ours = (isinstance(marker, dict) and marker.get("tool") == "khuyencong-pipeline"
            and marker.get("output") == output.name)
    return marker if ours else None


def process_alive(pid: object) -> bool:
    """Whether a process with this id still runs (so its staging folder is in use)."""
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_staging(output: Path) -> list[Path]:
    """Our staging folders for ``output`` whose build is no longer running, oldest name first."""
    if not output.parent.is_dir():
        return []
    found = []
    for folder in sorted(output.parent.glob(prefix(output) + "*")):
        marker = marker_of(folder, output) if folder.is_dir() and not folder.is_symlink() else None
        if marker is not None and not process_alive(marker.get("pid")):
            found.append(folder)
    return found


def clean_stale(output: Path) -> list[Path]:
    """Remove what killed builds left; first put back an old site a two-rename swap lost."""
    stale = stale_staging(output)
    for folder in stale:
        if not output.exists() and (folder / OLD).is_dir():
            os.rename(folder / OLD, output)
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def renameat2_exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux ``RENAME_EXCHANGE``); False when not available here."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is None:
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    result = function(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second),
                      RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise SwapError(f"renameat2 {first} <-> {second}: {os.strerror(code)}")


def two_renames(staging: Staging, output: Path) -> None:
    """The portable swap: old output into the staging folder, then the new site into place."""
    os.rename(output, staging.root / OLD)
    try:
        os.rename(staging.site, output)
    except OSError:
        os.rename(staging.root / OLD, output)  # put the old site back before giving up
        raise


def exchange(staging: Staging, output: Path, *, atomic: bool = True) -> str:
    """Put the staged site at ``output``; returns how (``exchange``, ``rename`` or ``two renames``).

    Afterwards the previous output (if any) lies inside the staging folder, to be removed
    with :func:`discard`.
    """
    if not output.exists():
        os.rename(staging.site, output)
        return "rename"
    if atomic and renameat2_exchange(staging.site, output):
        return "exchange"
    two_renames(staging, output)
    return "two renames"


def discard(staging: Staging) -> None:
    """Delete the staging folder (after a swap it holds the previous site)."""
    shutil.rmtree(staging.root, ignore_errors=True)


def discard_later(staging: Staging, trash: Path) -> subprocess.Popen:
    """Move the staging folder into ``trash`` and delete ``trash`` in a detached process.

    After a swap the folder holds the previous site: hundreds of thousands of files at
    national scale, whose deletion (15 s at scale 1) need not delay the publish. The move is
    one rename, so no half-deleted folder is ever left beside the output; ``trash`` (in the
    build cache, never published) is emptied again by the next call if a deletion died.
    """
    trash.mkdir(parents=True, exist_ok=True)
    os.rename(staging.root, trash / staging.root.name)
    return subprocess.Popen([sys.executable, "-c", "import shutil, sys; "
                             "shutil.rmtree(sys.argv[1], ignore_errors=True)", str(trash)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
