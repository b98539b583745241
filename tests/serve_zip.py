"""Test helpers: a loopback HTTP server for in-memory files, and tiny ImageFolder zips.

The machine has no internet, so downloads are tested against a server on
127.0.0.1 that the test starts and stops itself.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator, Mapping
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
