"""Safe zip extraction: an ImageFolder archive unpacked, anything unsafe refused before writing
(offline, no Snakemake)."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from helpers import TINY_IMAGEFOLDER, listing
from serve_zip import imagefolder_zip

from netlab.images.archive import ArchiveError, safe_extract_zip


@pytest.fixture(scope="module")
def archive_bytes() -> bytes:
    return imagefolder_zip(TINY_IMAGEFOLDER)


def zip_of(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", UserWarning
        )  # zipfile warns of the duplicate names a test needs
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return out.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "in.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_extract_strips_single_top_directory(tmp_path, archive_bytes):
    dest = tmp_path / "out" / "hymenoptera"
    files = safe_extract_zip(
        write(tmp_path, archive_bytes), dest, max_bytes=10**7, required=("train", "val")
    )
    assert files == [
        "train/ants/ants0.jpg",
        "train/ants/ants1.jpg",
        "train/bees/bees0.jpg",
        "train/bees/bees1.jpg",
        "val/ants/ants0.jpg",
        "val/bees/bees0.jpg",
    ]
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.jpg")) == files
    with zipfile.ZipFile(tmp_path / "in.zip") as zf:
        assert (dest / "val/bees/bees0.jpg").read_bytes() == zf.read(
            "hymenoptera_data/val/bees/bees0.jpg"
        )
    assert listing(tmp_path / "out") == sorted(
        ["hymenoptera", "hymenoptera/train", "hymenoptera/val"]
        + [f"hymenoptera/{s}/{c}" for s in ("train", "val") for c in ("ants", "bees")]
        + [f"hymenoptera/{f}" for f in files]
    )


def test_extract_keeps_layout_without_single_top_directory(tmp_path):
    archive = write(tmp_path, imagefolder_zip(TINY_IMAGEFOLDER, top=None))
    files = safe_extract_zip(
        archive, tmp_path / "local", max_bytes=10**7, required=("train", "val")
    )
    assert files[0] == "train/ants/ants0.jpg"
    assert (tmp_path / "local" / "val" / "bees" / "bees0.jpg").is_file()


MAC = b"\x00\x05\x16\x07" + bytes(40)  # an AppleDouble header


def test_extract_strips_top_directory_beside_macos_metadata(tmp_path):
    """A zip made by macOS's Finder: ``__MACOSX/`` does not count as a second top folder."""
    entries = [
        ("hymenoptera_data/train/ants/a.jpg", b"a"),
        ("hymenoptera_data/val/bees/b.jpg", b"b"),
        ("__MACOSX/hymenoptera_data/train/ants/._a.jpg", MAC),
        ("__MACOSX/._hymenoptera_data", MAC),
        (".DS_Store", b"\x00\x00\x00\x01Bud1"),
    ]
    dest = tmp_path / "images"
    files = safe_extract_zip(
        write(tmp_path, zip_of(entries)), dest, max_bytes=10**6, required=("train", "val")
    )
    # The metadata of the images mirrors the tree (listed as ignored later); the rest has no place.
    assert files == ["__MACOSX/train/ants/._a.jpg", "train/ants/a.jpg", "val/bees/b.jpg"]
    assert (dest / "__MACOSX/train/ants/._a.jpg").read_bytes() == MAC


def test_extract_keeps_layout_with_splits_and_macos_metadata_at_the_top(tmp_path):
    entries = [
        ("train/ants/a.jpg", b"a"),
        ("val/ants/b.jpg", b"b"),
        ("__MACOSX/train/ants/._a.jpg", MAC),
    ]
    files = safe_extract_zip(
        write(tmp_path, zip_of(entries)), tmp_path / "d", max_bytes=10**6, required=("train", "val")
    )
    assert files == ["__MACOSX/train/ants/._a.jpg", "train/ants/a.jpg", "val/ants/b.jpg"]


def test_extract_refuses_two_entries_that_become_one_path(tmp_path):
    entries = [("top/__MACOSX/x", b"a"), ("__MACOSX/top/x", b"b")]
    with pytest.raises(ArchiveError, match=r"both become '__MACOSX/x' once top/ is stripped"):
        safe_extract_zip(write(tmp_path, zip_of(entries)), tmp_path / "d", max_bytes=10**6)
    assert listing(tmp_path) == ["in.zip"]


def test_extract_does_not_strip_a_lone_file(tmp_path):
    files = safe_extract_zip(
        write(tmp_path, zip_of([("a.txt", b"x")])), tmp_path / "d", max_bytes=10
    )
    assert files == ["a.txt"]


def test_extract_requires_split_directories(tmp_path):
    archive = write(
        tmp_path, zip_of([("data/train/ants/a.jpg", b"x"), ("data/test/ants/b.jpg", b"y")])
    )
    with pytest.raises(ArchiveError, match=r"no top-level directory val \(found: test, train\)"):
        safe_extract_zip(archive, tmp_path / "d", max_bytes=100, required=("train", "val"))
    assert listing(tmp_path) == ["in.zip"]


def symlink_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode lives in the high 16 bits
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def fifo_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return info


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("d/ok.txt", b"x"), ("../x", b"evil")], r"entry '\.\./x': '\.\.' component"),
        ([("d/ok.txt", b"x"), ("d/../../x", b"evil")], r"'\.\.' component \(path traversal\)"),
        ([("/tmp/abs.txt", b"evil")], r"entry '/tmp/abs\.txt': absolute path"),
        ([("C:/abs.txt", b"evil")], r"absolute path"),
        ([("d\\x.txt", b"x")], r"NUL or backslash"),
        (
            [("d/ok.txt", b"x"), (symlink_entry("d/link"), b"/etc/passwd")],
            r"entry 'd/link': symbolic link",
        ),
        ([(fifo_entry("d/fifo"), b"")], r"entry 'd/fifo': special file"),
        ([("d/a.txt", b"x"), ("d/a.txt", b"y")], r"entry 'd/a\.txt': duplicate name"),
        ([("d/a", b"x"), ("d/a/b", b"y")], r"'d/a' is a file and a directory of 'd/a/b'"),
        (
            [("d/a.txt", b"x" * 600), ("d/b.txt", b"y" * 600)],
            r"total uncompressed size 1200 bytes .* 1000 bytes",
        ),
    ],
    ids=[
        "dotdot",
        "nested-dotdot",
        "absolute",
        "drive",
        "backslash",
        "symlink",
        "fifo",
        "duplicate",
        "file-and-dir",
        "too-large",
    ],
)
def test_extract_refuses_unsafe_archive_before_writing(tmp_path, entries, message):
    archive = write(tmp_path, zip_of(entries))
    dest = tmp_path / "sub" / "dest"
    with pytest.raises(ArchiveError, match=message) as err:
        safe_extract_zip(archive, dest, max_bytes=1000)
    assert str(archive) in str(err.value)
    assert listing(tmp_path) == [
        "in.zip"
    ]  # nothing extracted anywhere, not even the parent of dest


def test_extract_refuses_archive_that_is_no_zip(tmp_path):
    archive = write(tmp_path, b"this is not a zip archive at all" * 10)
    with pytest.raises(ArchiveError, match=r"in\.zip: corrupt or unsupported zip archive"):
        safe_extract_zip(archive, tmp_path / "d", max_bytes=10**6)
    assert listing(tmp_path) == ["in.zip"]


def test_extract_refuses_truncated_zip(tmp_path, archive_bytes):
    archive = write(tmp_path, archive_bytes[: len(archive_bytes) // 2])
    with pytest.raises(ArchiveError, match="corrupt or unsupported zip archive"):
        safe_extract_zip(archive, tmp_path / "d", max_bytes=10**6)
    assert listing(tmp_path) == ["in.zip"]


def test_extract_refuses_corrupt_member_data_and_leaves_nothing(tmp_path):
    good = b"A" * 5000
    data = bytearray(zip_of([("d/first.txt", b"fine"), ("d/second.txt", good)]))
    # Flip bytes inside the second member's compressed data: found only while extracting.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("d/second.txt")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x55
    archive = write(tmp_path, bytes(data))
    with pytest.raises(ArchiveError, match="corrupt or unsupported zip archive"):
        safe_extract_zip(archive, tmp_path / "dest", max_bytes=10**6)
    assert listing(tmp_path) == ["in.zip"]  # the temporary directory is gone too


def test_extract_refuses_empty_archive(tmp_path):
    with pytest.raises(ArchiveError, match="empty archive"):
        safe_extract_zip(write(tmp_path, zip_of([])), tmp_path / "d", max_bytes=10)


def test_extract_refuses_existing_destination(tmp_path, archive_bytes):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        safe_extract_zip(write(tmp_path, archive_bytes), dest, max_bytes=10**7)
    assert listing(dest) == ["keep.txt"]
