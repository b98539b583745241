"""Downloads and zip extraction that never leave a file a later run would take as complete.

Snakemake trusts any output file that exists, so a download is streamed to a
temporary sibling, hashed on the way, and renamed into place only when every
byte announced arrived and the hash matches the pin; an archive is checked
entry by entry before anything is written, extracted into a temporary
directory, and renamed into place whole.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import shutil
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from netlab import atomic

log = logging.getLogger(__name__)

CHUNK = 1 << 20
MACOS_FOLDER = "__MACOSX"  # where macOS archives keep resource forks: never data
APPLEDOUBLE_PREFIX = "._"  # AppleDouble files (``._x.jpg``): macOS metadata, not images
SCHEMES = ("http", "https", "file")


class DownloadError(OSError):
    """The transfer failed or was cut short; the message names the URL."""


class ChecksumError(ValueError):
    """A file's sha256 differs from the pinned or published one; the message names both."""


class ArchiveError(ValueError):
    """A zip archive is corrupt or holds an entry that must not be extracted; the message names it."""


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's contents, read in chunks (weights and archives are large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _normalise_pin(value: str, *, prefix: bool) -> str:
    """Lower-case hex: a full pin has 64 digits, a published prefix 6 to 64."""
    pin = value.strip().lower()
    lengths = range(6, 65) if prefix else (64,)
    if not re.fullmatch(r"[0-9a-f]+", pin) or len(pin) not in lengths:
        need = "6 to 64 hex digits" if prefix else "64 hex digits"
        raise ValueError(f"sha256 {'prefix ' if prefix else ''}{value!r} is not {need}")
    return pin


def check_sha256(
    observed: str, what: str, *, sha256: str | None = None, sha256_prefix: str | None = None
) -> None:
    """Raise ``ChecksumError`` naming ``what`` unless ``observed`` matches the pin and the prefix given."""
    if sha256 is not None and observed != (pin := _normalise_pin(sha256, prefix=False)):
        raise ChecksumError(f"{what}: sha256 mismatch: expected {pin}, observed {observed}")
    if sha256_prefix is not None and not observed.startswith(
        pin := _normalise_pin(sha256_prefix, prefix=True)
    ):
        raise ChecksumError(
            f"{what}: sha256 does not match the published hash prefix: expected {pin}..., observed {observed}"
        )


def verify_file(
    path: str | Path, *, sha256: str | None = None, sha256_prefix: str | None = None
) -> str:
    """Return the file's sha256 after checking it against a full pin and/or a published prefix."""
    observed = sha256_file(path)
    check_sha256(observed, str(path), sha256=sha256, sha256_prefix=sha256_prefix)
    return observed


def download(
    url: str,
    dest: str | Path,
    *,
    sha256: str | None = None,
    sha256_prefix: str | None = None,
    timeout: float = 60.0,
) -> str:
    """Fetch ``url`` (http, https or file) to ``dest`` and return its observed sha256.

    ``dest`` appears only when the transfer is complete (every byte of a
    declared Content-Length) and the hash matches ``sha256`` (the full digest)
    and ``sha256_prefix`` (a published leading part) when given; otherwise the
    temporary file is removed and the error names the URL.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise DownloadError(
            f"{url}: unsupported URL scheme {scheme!r} (use one of {', '.join(SCHEMES)})"
        )
    # Bad pins fail before any transfer.
    for pin, prefix in ((sha256, False), (sha256_prefix, True)):
        if pin is not None:
            _normalise_pin(pin, prefix=prefix)
    request = urllib.request.Request(url, headers={"User-Agent": "netlab"})
    with atomic.replacing(dest) as tmp:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                observed, size = _stream(response, tmp, url)
        except DownloadError:
            raise
        except urllib.error.HTTPError as exc:
            raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise DownloadError(f"{url}: {exc.reason}") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise DownloadError(f"{url}: transfer failed: {type(exc).__name__}: {exc}") from exc
        check_sha256(observed, url, sha256=sha256, sha256_prefix=sha256_prefix)
    log.info("downloaded %s -> %s (%d bytes, sha256 %s)", url, dest, size, observed)
    return observed


def _stream(response: Any, tmp: Path, url: str) -> tuple[str, int]:
    """Copy ``response`` to ``tmp``, hashing; refuse a body shorter than its Content-Length."""
    declared = response.headers.get("Content-Length")
    expected = int(declared) if declared is not None and declared.isdigit() else None
    h = hashlib.sha256()
    size = 0
    last_report = time.monotonic()
    with open(tmp, "wb") as f:
        while chunk := response.read(CHUNK):
            h.update(chunk)
            f.write(chunk)
            size += len(chunk)
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                log.info("%s: %d of %s bytes", url, size, expected if expected is not None else "?")
        f.flush()
        os.fsync(f.fileno())
    # http.client returns a short body silently when the server closes early.
    if expected is not None and size != expected:
        raise DownloadError(f"{url}: incomplete transfer: received {size} of {expected} bytes")
    return h.hexdigest(), size


def download_record(
    url: str, path: str | Path, observed: str, pinned: str | None
) -> dict[str, Any]:
    """What a download was: shown in the report so an unpinned hash can be pinned later."""
    return {
        "url": url,
        "sha256": observed,
        "sha256_pinned": pinned.lower() if pinned else None,
        "size_bytes": Path(path).stat().st_size,
        "time_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def torchvision_weights_url(name: str) -> str:
    """The URL torchvision publishes for ResNet50 weights ``name`` (e.g. IMAGENET1K_V1)."""
    from torchvision.models import ResNet50_Weights

    try:
        return ResNet50_Weights[name].url
    except KeyError:
        known = ", ".join(w.name for w in ResNet50_Weights)
        raise ValueError(
            f"features.weights: unknown torchvision ResNet50 weights {name!r} (known: {known})"
        ) from None


def published_sha256_prefix(url: str) -> str:
    """The hash prefix in a published file name, as ``torch.hub`` reads it (``resnet50-0676ba61.pth``)."""
    name = PurePosixPath(urllib.parse.urlsplit(url).path).name
    match = re.search(r"-([0-9a-f]{6,64})\.", name)
    if match is None:
        raise ValueError(
            f"{url}: the file name {name!r} carries no sha256 prefix (expected NAME-<hex>.EXT)"
        )
    return match.group(1)


def fetch_weights(dest: str | Path, *, published_url: str, mirror_url: str | None = None) -> str:
    """Download the weights torchvision publishes at ``published_url`` (or a mirror's copy) to ``dest``.

    The file is checked against the hash prefix in the *published* name, so a
    mirror cannot substitute different weights.
    """
    return download(
        mirror_url or published_url, dest, sha256_prefix=published_sha256_prefix(published_url)
    )


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
