"""Zip extraction that never leaves a tree a later run would take as complete.

An archive is checked entry by entry before anything is written (paths, links,
sizes, duplicates, required folders), extracted into a temporary directory, and
renamed into place whole. macOS metadata is left out by the same rules
``netlab.images.imagefolder`` uses to say what is an image.
"""

from __future__ import annotations

import logging
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from netlab import atomic
from netlab.images.imagefolder import APPLEDOUBLE_PREFIX, MACOS_FOLDER

log = logging.getLogger(__name__)
CHUNK = 1 << 20


class ArchiveError(ValueError):
    """A zip archive is corrupt or holds an entry that must not be extracted; the message names it."""


def safe_extract_zip(
    archive: str | Path, dest: str | Path, *, max_bytes: int, required: Sequence[str] = ()
) -> list[str]:
    """Extract ``archive`` to ``dest`` and return the files written (POSIX paths relative to ``dest``).

    Refused before anything is written: a corrupt or encrypted archive,
    absolute paths, ``..`` components, backslashes, links and special files,
    duplicate names, a file that is also a directory, a total uncompressed
    size over ``max_bytes``, and missing ``required`` top-level directories.
    A single top-level directory (``hymenoptera_data/``) is stripped: its
    contents become ``dest``. macOS metadata does not count as a second top
    folder: ``__MACOSX/hymenoptera_data/...`` becomes ``dest/__MACOSX/...``
    (listed as ignored when the images are read), other metadata beside the
    top folder is left out and logged. ``dest`` appears whole or not at all.
    """
    archive, dest = Path(archive), Path(dest)
    if dest.exists():
        raise FileExistsError(
            f"{dest}: already exists; remove it before extracting {archive} there"
        )
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = _checked_entries(zf, archive, max_bytes)
            strip = _single_top_directory(entries)
            kept, left_out = _layout(entries, strip, archive)
            _check_required(kept, required, archive)
            with atomic.replacing_dir(dest) as tmp:
                files = _extract(zf, kept, tmp)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ArchiveError(f"{archive}: corrupt or unsupported zip archive: {exc}") from exc
    for name in left_out:
        log.info("left out %s: macOS metadata outside %s/", name, strip)
    log.info(
        "extracted %d files from %s to %s%s",
        len(files),
        archive,
        dest,
        f" (stripped {strip}/)" if strip else "",
    )
    return files


def _checked_entries(
    zf: zipfile.ZipFile, archive: Path, max_bytes: int
) -> dict[tuple[str, ...], zipfile.ZipInfo]:
    """Every entry by its path components, after refusing anything unsafe to write."""
    entries: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        where = f"{archive}: entry {name!r}"
        if "\x00" in name or "\\" in name:
            raise ArchiveError(f"{where}: NUL or backslash in the name")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name):
            raise ArchiveError(f"{where}: absolute path")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            raise ArchiveError(f"{where}: '..' component (path traversal)")
        if not parts:
            raise ArchiveError(f"{where}: empty path")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"{where}: symbolic link")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"{where}: special file (mode {oct(mode)})")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{where}: encrypted")
        if parts in entries:
            raise ArchiveError(f"{where}: duplicate name")
        entries[parts] = info
    if not entries:
        raise ArchiveError(f"{archive}: empty archive")
    for parts, info in entries.items():
        for i in range(1, len(parts)):
            parent = entries.get(parts[:i])
            if parent is not None and not parent.is_dir():
                raise ArchiveError(
                    f"{archive}: entry {parent.filename!r} is a file and a directory of {info.filename!r}"
                )
    total = sum(info.file_size for info in entries.values())
    if total > max_bytes:
        raise ArchiveError(
            f"{archive}: total uncompressed size {total} bytes is over the limit of {max_bytes} bytes"
        )
    return entries


def _is_macos_top(parts: tuple[str, ...]) -> bool:
    """An entry a Mac adds beside the archived folder: ``__MACOSX/...``, ``._name``, ``.DS_Store``."""
    return parts[0] == MACOS_FOLDER or (
        len(parts) == 1 and (parts[0].startswith(APPLEDOUBLE_PREFIX) or parts[0] == ".DS_Store")
    )


def _single_top_directory(entries: dict[tuple[str, ...], zipfile.ZipInfo]) -> str | None:
    """The one top-level directory holding everything but macOS metadata, or None."""
    data = [parts for parts in entries if not _is_macos_top(parts)]
    tops = {parts[0] for parts in data}
    if len(tops) != 1:
        return None
    (top,) = tops
    only = entries.get((top,))
    holds_more = any(len(parts) > 1 for parts in data)
    return top if holds_more and (only is None or only.is_dir()) else None


def _layout(
    entries: dict[tuple[str, ...], zipfile.ZipInfo], strip: str | None, archive: Path
) -> tuple[dict[tuple[str, ...], zipfile.ZipInfo], list[str]]:
    """Where each entry goes once ``strip`` is removed, and the names of the entries left out.

    ``__MACOSX/<strip>/x`` goes to ``__MACOSX/x``, mirroring the tree; other
    metadata outside ``strip`` has no place under ``dest`` and is left out.
    """
    if strip is None:
        return dict(entries), []
    kept: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    left_out = []
    for parts, info in entries.items():
        if parts[0] == strip:
            target = parts[1:]
        elif parts[:2] == (MACOS_FOLDER, strip):
            target = (MACOS_FOLDER, *parts[2:])
        else:
            left_out += [] if info.is_dir() else [info.filename]
            continue
        if not target or (target in kept and kept[target].is_dir() and info.is_dir()):
            continue
        if target in kept:
            raise ArchiveError(
                f"{archive}: entries {kept[target].filename!r} and {info.filename!r} "
                f"both become {'/'.join(target)!r} once {strip}/ is stripped"
            )
        kept[target] = info
    return kept, left_out


def _check_required(
    kept: dict[tuple[str, ...], zipfile.ZipInfo], required: Sequence[str], archive: Path
) -> None:
    dirs = {parts[0] for parts, info in kept.items() if len(parts) > 1 or info.is_dir()}
    missing = [r for r in required if r not in dirs]
    if missing:
        found = ", ".join(sorted({parts[0] for parts in kept})) or "nothing"
        raise ArchiveError(
            f"{archive}: no top-level director{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)} "
            f"(found: {found})"
        )


def _extract(
    zf: zipfile.ZipFile, kept: dict[tuple[str, ...], zipfile.ZipInfo], root: Path
) -> list[str]:
    """Write the checked entries under ``root``.

    ``zipfile`` stops each entry at its declared size and checks its CRC, so
    the size limit checked on the declarations holds for the bytes written.
    """
    files = []
    for parts, info in sorted(kept.items()):
        target = root.joinpath(*parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "xb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        files.append("/".join(parts))
    return files
