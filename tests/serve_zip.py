"""Test helpers: a loopback HTTP server for in-memory files, and tiny ImageFolder zips.

The machine has no internet, so downloads are tested against a server on
127.0.0.1 that the test starts and stops itself.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image


@contextmanager
def serve(files: Mapping[str, bytes], *, cut_short: frozenset[str] = frozenset()) -> Iterator[str]:
    """Serve ``files`` (URL path -> bytes) on 127.0.0.1 and yield the base URL, e.g. ``http://127.0.0.1:PORT``.

    A path in ``cut_short`` announces its full Content-Length, sends half the
    bytes and closes the connection, like a server that dies mid-transfer.
    """

    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a stuck client cannot hold the server thread for long

        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in cut_short:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def jpeg_bytes(seed: int, size: tuple[int, int] = (40, 32)) -> bytes:
    """A small random-noise RGB JPEG, different for each seed."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=80)
    return out.getvalue()


def imagefolder_zip(
    per_class: Mapping[str, Mapping[str, int]], *, top: str | None = "hymenoptera_data"
) -> bytes:
    """A zip (same bytes every time) of an ImageFolder tree ``[top/]{split}/{class}/{class}{i}.jpg``."""
    out = io.BytesIO()
    seed = 0
    with zipfile.ZipFile(out, "w") as zf:
        for split, classes in per_class.items():
            for name, count in classes.items():
                for i in range(count):
                    seed += 1
                    path = "/".join(p for p in (top, split, name, f"{name}{i}.jpg") if p)
                    zf.writestr(
                        zipfile.ZipInfo(path, date_time=(2025, 3, 16, 0, 0, 0)), jpeg_bytes(seed)
                    )
    return out.getvalue()


def _noise(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8))


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _exif_rotated_jpeg(seed: int) -> bytes:
    """A JPEG whose EXIF says 'rotate 90° clockwise to view' (orientation 6); loaders that honour it turn it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encoded(_noise(seed, (48, 24)), "JPEG", exif=exif.tobytes())


def _palette_png_with_transparency(seed: int) -> bytes:
    image = _noise(seed, (30, 30)).quantize(8)
    return _encoded(image, "PNG", transparency=0)


def _png_16_bit(seed: int) -> bytes:
    ramp = np.random.default_rng(seed).integers(0, 65536, size=(28, 36), dtype=np.uint16)
    return _encoded(Image.fromarray(ramp), "PNG")  # mode I;16


# What the real hymenoptera_data.zip holds beside plain JPEGs (train/ants), each a tiny stand-in.
ODD_ANTS: dict[str, Callable[[int], bytes]] = {
    "imageNotFound.gif": lambda s: _encoded(_noise(s, (16, 16)).convert("P"), "GIF"),
    "ant_photo.jpeg": lambda s: jpeg_bytes(s),
    "UPPER_CASE.JPG": lambda s: jpeg_bytes(s),
    "greyscale.jpg": lambda s: _encoded(_noise(s, (40, 30)).convert("L"), "JPEG"),
    "cmyk.jpg": lambda s: _encoded(_noise(s, (40, 30)).convert("CMYK"), "JPEG"),
    "palette_transparent.png": _palette_png_with_transparency,
    "sixteen_bit.png": _png_16_bit,
    "progressive.jpg": lambda s: _encoded(_noise(s, (40, 30)), "JPEG", progressive=True),
    "exif_rotated.jpg": _exif_rotated_jpeg,
    "tiny.jpg": lambda s: jpeg_bytes(s, size=(12, 9)),
    "panorama.jpg": lambda s: jpeg_bytes(s, size=(300, 12)),
}
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + bytes(60)


def hymenoptera_like_zip(per_class: Mapping[str, Mapping[str, int]]) -> bytes:
    """A zip laid out like the real ``hymenoptera_data.zip``, made on a Mac.

    ``hymenoptera_data/{split}/{class}/{class}{i}.jpg`` for the counts given,
    plus the odd files of ``ODD_ANTS`` in ``train/ants`` (a ``.gif``
    placeholder, ``.jpeg``, ``.JPG``, greyscale, CMYK, palette with
    transparency, 16-bit PNG, progressive, EXIF-rotated, tiny, extreme aspect)
    and macOS's ``__MACOSX/hymenoptera_data/...`` AppleDouble twins of some.
    Directory entries are written as Finder writes them. Same bytes every time.
    """
    entries: dict[str, bytes | None] = {"hymenoptera_data/": None}
    seed = 100
    for split, classes in per_class.items():
        entries[f"hymenoptera_data/{split}/"] = None
        for name, count in classes.items():
            entries[f"hymenoptera_data/{split}/{name}/"] = None
            for i in range(count):
                seed += 1
                entries[f"hymenoptera_data/{split}/{name}/{name}{i}.jpg"] = jpeg_bytes(seed)
    for name, make in ODD_ANTS.items():
        seed += 1
        entries[f"hymenoptera_data/train/ants/{name}"] = make(seed)
    for path in ("train/ants/ants0.jpg", "train/ants/imageNotFound.gif", "val/bees/bees0.jpg"):
        folder, _, name = path.rpartition("/")
        entries[f"__MACOSX/hymenoptera_data/{folder}/._{name}"] = APPLEDOUBLE
    entries["__MACOSX/._hymenoptera_data"] = APPLEDOUBLE
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path, data in entries.items():
            info = zipfile.ZipInfo(path, date_time=(2017, 3, 16, 0, 0, 0))
            if data is None:
                info.external_attr = 0o40755 << 16 | 0x10
            zf.writestr(info, data or b"")
    return out.getvalue()
