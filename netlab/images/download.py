"""Downloads that never leave a file a later run would take as complete.

Snakemake trusts any output file that exists, so a download is streamed to a
temporary sibling, hashed on the way, and renamed into place only when every
byte announced arrived and the hash matches the pin. Published ResNet50 weights
are checked against the hash prefix in their published name.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from netlab import atomic

log = logging.getLogger(__name__)

CHUNK = 1 << 20
SCHEMES = ("http", "https", "file")


class DownloadError(OSError):
    """The transfer failed or was cut short; the message names the URL."""


class ChecksumError(ValueError):
    """A file's sha256 differs from the pinned or published one; the message names both."""


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
