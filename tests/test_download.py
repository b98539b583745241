"""Downloads over a loopback server, checked by hash, and the torchvision weights' published hash prefix
(offline, no Snakemake)."""

from __future__ import annotations

import hashlib

import pytest
from helpers import TINY_IMAGEFOLDER, listing
from serve_zip import imagefolder_zip, serve

from netlab.images import download


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def archive_bytes() -> bytes:
    return imagefolder_zip(TINY_IMAGEFOLDER)


@pytest.fixture(scope="module")
def server(archive_bytes):
    files = {"/data.zip": archive_bytes, "/cut.zip": archive_bytes}
    with serve(files, cut_short=frozenset({"/cut.zip"})) as base:
        yield base


# --- download -----------------------------------------------------------------


def test_sha256_file_matches_hashlib(tmp_path):
    data = bytes(range(256)) * 5000  # larger than one read chunk
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert download.sha256_file(path) == sha(data)


def test_download_returns_observed_hash_and_writes_file(server, archive_bytes, tmp_path):
    dest = tmp_path / "res" / "data.zip"
    observed = download.download(f"{server}/data.zip", dest, timeout=10)
    assert observed == sha(archive_bytes)
    assert dest.read_bytes() == archive_bytes
    assert listing(tmp_path / "res") == ["data.zip"]


def test_download_accepts_matching_pin(server, archive_bytes, tmp_path):
    dest = tmp_path / "data.zip"
    pin = sha(archive_bytes).upper()  # case does not matter
    assert download.download(f"{server}/data.zip", dest, sha256=pin, timeout=10) == sha(
        archive_bytes
    )
    assert dest.is_file()


def test_download_refuses_wrong_pin_and_leaves_no_file(server, archive_bytes, tmp_path):
    dest = tmp_path / "data.zip"
    wrong = "0" * 64
    url = f"{server}/data.zip"
    with pytest.raises(download.ChecksumError) as err:
        download.download(url, dest, sha256=wrong, timeout=10)
    message = str(err.value)
    assert url in message and wrong in message and sha(archive_bytes) in message
    assert listing(tmp_path) == []


def test_download_cut_short_leaves_no_file(server, tmp_path):
    dest = tmp_path / "cut.zip"
    with pytest.raises(
        download.DownloadError, match=r"cut\.zip: incomplete transfer: received \d+ of \d+ bytes"
    ):
        download.download(f"{server}/cut.zip", dest, timeout=10)
    assert listing(tmp_path) == []


def test_download_http_error_names_url(server, tmp_path):
    with pytest.raises(download.DownloadError, match=r"/missing\.zip: HTTP 404"):
        download.download(f"{server}/missing.zip", tmp_path / "x.zip", timeout=10)
    assert listing(tmp_path) == []


def test_download_unreachable_server_names_url(tmp_path):
    with serve({}) as base:
        pass  # the port is closed now
    with pytest.raises(download.DownloadError, match=r"127\.0\.0\.1"):
        download.download(f"{base}/data.zip", tmp_path / "x.zip", timeout=5)
    assert listing(tmp_path) == []


def test_download_file_url(tmp_path, archive_bytes):
    source = tmp_path / "copied in" / "data.zip"
    source.parent.mkdir()
    source.write_bytes(archive_bytes)
    dest = tmp_path / "res" / "data.zip"
    download.download(source.as_uri(), dest, sha256=sha(archive_bytes))
    assert dest.read_bytes() == archive_bytes


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sha256": "abc"}, "is not 64 hex digits"),
        ({"sha256": "g" * 64}, "is not 64 hex digits"),
        ({"sha256_prefix": "abc"}, "is not 6 to 64 hex digits"),
    ],
)
def test_download_refuses_malformed_pin_before_transfer(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        download.download("http://127.0.0.1:9/never-contacted", tmp_path / "x", **kwargs)
    assert listing(tmp_path) == []


def test_download_refuses_unsupported_scheme(tmp_path):
    with pytest.raises(download.DownloadError, match="unsupported URL scheme 'ftp'"):
        download.download("ftp://example.org/data.zip", tmp_path / "x")


def test_download_record_fields(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"twelve bytes")
    record = download.download_record("http://h/x.zip", tmp_path / "x.zip", "ab" * 32, None)
    assert record["url"] == "http://h/x.zip"
    assert record["sha256"] == "ab" * 32
    assert record["sha256_pinned"] is None
    assert record["size_bytes"] == 12
    assert record["time_utc"].endswith("+00:00")


# --- torchvision weights ---------------------------------------------------------


def test_torchvision_weights_url_and_published_prefix():
    from torchvision.models import ResNet50_Weights

    url = download.torchvision_weights_url("IMAGENET1K_V1")
    assert url == ResNet50_Weights.IMAGENET1K_V1.url
    assert download.published_sha256_prefix(url) == "0676ba61"
    assert (
        download.published_sha256_prefix(download.torchvision_weights_url("IMAGENET1K_V2"))
        == "11ad3fa6"
    )


def test_torchvision_weights_unknown_name():
    with pytest.raises(ValueError, match=r"'IMAGENET1K_V9'.*known: IMAGENET1K_V1, IMAGENET1K_V2"):
        download.torchvision_weights_url("IMAGENET1K_V9")


def test_published_prefix_missing_in_name():
    with pytest.raises(ValueError, match="carries no sha256 prefix"):
        download.published_sha256_prefix("https://example.org/models/resnet50.pth")


def test_hash_prefix_check_of_a_file_named_by_its_own_hash(tmp_path):
    data = b"pretend state dict"
    good = tmp_path / f"resnet50-{sha(data)[:8]}.pth"
    good.write_bytes(data)
    assert download.verify_file(
        good, sha256_prefix=download.published_sha256_prefix(good.name)
    ) == sha(data)

    bad = tmp_path / f"resnet50-{sha(b'other')[:8]}.pth"
    bad.write_bytes(data)
    with pytest.raises(
        download.ChecksumError, match=f"published hash prefix: expected {sha(b'other')[:8]}"
    ):
        download.verify_file(bad, sha256_prefix=download.published_sha256_prefix(bad.name))


def test_fetch_weights_checks_published_prefix_also_for_a_mirror(tmp_path):
    weights = b"weights bytes"
    prefix = sha(weights)[:8]
    with serve({f"/models/resnet50-{prefix}.pth": weights, "/mirror/w.pth": weights}) as base:
        published = f"{base}/models/resnet50-{prefix}.pth"
        download.fetch_weights(tmp_path / "a.pth", published_url=published)
        download.fetch_weights(
            tmp_path / "b.pth", published_url=published, mirror_url=f"{base}/mirror/w.pth"
        )
        with pytest.raises(download.ChecksumError, match="mirror/w.pth"):
            download.fetch_weights(
                tmp_path / "c.pth",
                published_url=f"{base}/models/resnet50-{sha(b'x')[:8]}.pth",
                mirror_url=f"{base}/mirror/w.pth",
            )
    assert (tmp_path / "a.pth").read_bytes() == weights == (tmp_path / "b.pth").read_bytes()
    assert listing(tmp_path) == ["a.pth", "b.pth"]
