"""ResNet50 weights: seeded random init, local state dicts checked by hash, keys and shapes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
import torchvision

from netlab.images import weights
from netlab.images.features import backbone
from netlab.images.weights import WeightsError, merge_checked, read_state_dict
from netlab.seeds import derive_seed

SEED = 5


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[torch.nn.Module, Path, str]:
    """A randomly initialised torchvision resnet50 (not netlab's), its state dict file and sha256."""
    torch.manual_seed(1234)
    model = torchvision.models.resnet50(weights=None)
    path = tmp_path_factory.mktemp("weights") / "resnet50-random.pth"
    torch.save(model.state_dict(), path)
    return model, path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def features(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return backbone(model)(x).flatten(1)


def test_state_dict_file_gives_the_in_memory_models_features(saved, images):
    model, path, sha = saved
    loaded, provenance = weights.resnet50({"path": str(path), "sha256": sha}, SEED)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert torch.equal(features(loaded, images), features(model, images))
    assert provenance == {
        "kind": "file", "description": f"local state dict {path}", "file": str(path), "sha256": sha,
    }  # fmt: skip


def test_backbone_only_file_without_fc_is_accepted(saved, images, tmp_path):
    model, _, _ = saved
    path = tmp_path / "backbone.pt"
    torch.save({k: v for k, v in model.state_dict().items() if not k.startswith("fc.")}, path)
    loaded, provenance = weights.resnet50({"path": str(path)}, SEED)
    assert torch.equal(features(loaded, images), features(model, images))
    assert provenance["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_safetensors_file_loads(saved, images, tmp_path):
    safetensors = pytest.importorskip("safetensors.torch")
    model, _, _ = saved
    path = tmp_path / "resnet50.safetensors"
    safetensors.save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    loaded, _ = weights.resnet50({"path": str(path)}, SEED)
    assert torch.equal(features(loaded, images), features(model, images))


def test_random_weights_are_seeded_and_leave_the_global_rng_alone(images):
    torch.manual_seed(99)
    expected_next = torch.rand(3)
    torch.manual_seed(99)
    a, provenance = weights.resnet50(None, SEED)
    assert torch.equal(torch.rand(3), expected_next)
    b, _ = weights.resnet50(None, SEED)
    c, _ = weights.resnet50(None, SEED + 1)
    assert torch.equal(features(a, images), features(b, images))
    assert not torch.equal(a.conv1.weight, c.conv1.weight)
    assert provenance == {
        "kind": "random",
        "description": "random (seeded), not ImageNet",
        "seed": derive_seed(SEED, "resnet50"),
    }
    torch.manual_seed(derive_seed(SEED, "resnet50"))
    assert torch.equal(torchvision.models.resnet50(weights=None).conv1.weight, a.conv1.weight)


def test_wrong_sha256_is_refused_naming_file_and_both_hashes(saved):
    _, path, sha = saved
    wrong = "0" * 64
    with pytest.raises(
        WeightsError, match=rf"weights file {path}: .*expected {wrong}, observed {sha}"
    ):
        weights.resnet50({"path": str(path), "sha256": wrong}, SEED)


def test_torchvision_name_checks_the_published_hash_prefix(saved):
    """A file that is not torchvision's IMAGENET1K_V1 (prefix 0676ba61) is refused."""
    _, path, sha = saved
    with pytest.raises(
        WeightsError, match=rf"weights file {path}: .*expected 0676ba61\.\.\., observed {sha}"
    ):
        weights.resnet50("IMAGENET1K_V1", SEED, path)


def test_truncated_file_is_refused(saved, tmp_path):
    _, path, _ = saved
    cut = tmp_path / "cut.pth"
    cut.write_bytes(path.read_bytes()[:5_000_000])
    with pytest.raises(
        WeightsError,
        match=rf"weights file {cut}: not a readable state dict \(truncated or corrupt\?\)",
    ):
        weights.resnet50({"path": str(cut)}, SEED)


class _WritesAFile:
    """Unpickling this runs ``open(marker, 'w')``: the code a weights file could carry."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("kind", ["module", "code"])
def test_pickled_objects_are_refused_for_safety_and_not_run(tmp_path, kind):
    """weights_only=True: a file holding pickled objects is refused, its code never run, and the message says why."""
    path, marker = tmp_path / f"{kind}.pth", tmp_path / "ran"
    saved = (
        torch.nn.Linear(2, 2)
        if kind == "module"
        else {"w": torch.zeros(1), "x": _WritesAFile(marker)}
    )
    torch.save(saved, path)
    with pytest.raises(WeightsError) as err:
        read_state_dict(path)
    message = str(err.value)
    first = "torch.nn.modules.linear.Linear" if kind == "module" else "io.open"
    assert (
        f"weights file {path}: holds pickled Python objects other than tensors (the first: {first})"
        in message
    )
    assert "refused for safety" in message and "weights_only=False).state_dict()" in message
    assert "truncated or corrupt" not in message
    assert not marker.exists()


def test_nested_checkpoint_is_refused(tmp_path):
    path = tmp_path / "checkpoint.pth"
    torch.save({"epoch": 3, "state_dict": {"conv1.weight": torch.zeros(1)}}, path)
    with pytest.raises(
        WeightsError, match=rf"weights file {path}: not a flat state dict of tensors"
    ):
        read_state_dict(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(WeightsError, match=rf"weights file {tmp_path / 'nope.pth'}: no such file"):
        weights.resnet50({"path": str(tmp_path / "nope.pth")}, SEED)


def test_missing_unexpected_and_misshapen_keys_are_each_named(saved):
    model, _, _ = saved
    reference = model.state_dict()
    state = dict(reference)
    del state["layer1.0.conv1.weight"]
    state["layer9.weight"] = torch.zeros(2)
    state["conv1.weight"] = torch.zeros(64, 3, 3, 3)
    with pytest.raises(WeightsError) as info:
        merge_checked(reference, state, "my.pth")
    message = str(info.value)
    assert message.startswith("weights file my.pth does not fit torchvision resnet50")
    assert "missing keys (1): layer1.0.conv1.weight" in message
    assert "unexpected keys (1): layer9.weight" in message
    assert "wrong shapes (1): conv1.weight: file (64, 3, 3, 3), model (64, 3, 7, 7)" in message


def test_a_foreign_state_dict_file_is_refused_with_its_keys(tmp_path):
    path = tmp_path / "small.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 3, 3), "head.weight": torch.zeros(2)}, path)
    with pytest.raises(WeightsError, match=rf"weights file {path} does not fit") as info:
        weights.resnet50({"path": str(path)}, SEED)
    assert "unexpected keys (1): head.weight" in str(info.value)
    assert "conv1.weight: file (64, 3, 3, 3), model (64, 3, 7, 7)" in str(info.value)
    assert "layer4.2.bn3.running_var" in str(info.value)  # among the missing
