"""ResNet50 weights: seeded random, torchvision's ImageNet files, or a local state dict.

Weights decide what the features mean, so a file is checked before it is
used: its sha256 against a pin (or torchvision's published hash prefix), its
contents loaded with ``weights_only=True`` (no pickled code runs), and its
keys and shapes against the model, each mismatch named. Whatever was used is
described for the features' provenance; random weights are said to be
random, so nobody mistakes them for ImageNet features.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import torchvision

from netlab.images.download import published_sha256_prefix, torchvision_weights_url, verify_file
from netlab.seeds import derive_seed

WeightsSpec = None | str | Mapping[str, Any]  # config features.weights
RANDOM_DESCRIPTION = "random (seeded), not ImageNet"
_OPTIONAL_PREFIXES = ("fc.",)  # the head the features drop; a backbone-only file may omit it


class WeightsError(ValueError):
    """Weights that cannot be used; the message names the file and what is wrong."""


def describe(spec: WeightsSpec, path: str | Path | None = None) -> dict[str, Any]:
    """Provenance of ``spec`` without loading anything (the sha256 is added by ``resnet50``)."""
    if spec is None:
        return {"kind": "random", "description": RANDOM_DESCRIPTION}
    if isinstance(spec, str):
        return {
            "kind": "torchvision",
            "name": spec,
            "description": f"torchvision ResNet50_Weights.{spec} (ImageNet)",
            "url": torchvision_weights_url(spec),
            "file": None if path is None else str(path),
        }
    return {
        "kind": "file",
        "description": f"local state dict {spec['path']}",
        "file": str(spec["path"]),
    }


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a state dict (``.safetensors`` or a torch file) without running pickled code."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file {path}: no such file")
    try:
        if path.suffix == ".safetensors":
            try:
                from safetensors.torch import load_file
            except ImportError:
                raise WeightsError(
                    f"weights file {path}: reading .safetensors needs the 'safetensors' package"
                ) from None
            state = load_file(str(path), device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except WeightsError:
        raise
    except pickle.UnpicklingError as exc:
        if _REFUSED_OBJECT.search(str(exc)) is None:
            raise WeightsError(
                f"weights file {path}: not a readable state dict (truncated or corrupt?): {exc}"
            ) from exc
        raise WeightsError(refused_objects_message(path, str(exc))) from exc
    except (
        Exception
    ) as exc:  # torch and safetensors raise many types for a truncated or foreign file
        raise WeightsError(
            f"weights file {path}: not a readable state dict (truncated or corrupt?): {exc}"
        ) from exc
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        keys = list(state)[:5] if isinstance(state, Mapping) else type(state).__name__
        raise WeightsError(f"weights file {path}: not a flat state dict of tensors (found {keys})")
    return dict(state)


# What torch's weights_only unpickler says when a file names a class or function (pickled objects).
_REFUSED_OBJECT = re.compile(r"GLOBAL [\w.]+|Can only create new object")
_GLOBAL_NAME = re.compile(r"GLOBAL ([\w.]+)")


def refused_objects_message(path: str | Path, torch_message: str) -> str:
    """Why a file holding pickled objects is refused, and how the owner of a trusted file converts it."""
    found = _GLOBAL_NAME.search(torch_message)
    what = f" (the first: {found.group(1)})" if found else ""
    return (
        f"weights file {path}: holds pickled Python objects other than tensors{what}, "
        "and was refused for safety: loading it would run code stored in the file "
        "(torch.load with weights_only=True reads only tensors and plain containers). "
        "If you trust the file, convert it once to a plain state dict and point "
        "features.weights.path at the result, e.g. for a saved model: "
        f"python -c \"import torch; torch.save(torch.load('{path}', weights_only=False).state_dict(), "
        "'resnet50_state_dict.pth')\" (for a checkpoint dict, save the entry that holds the model's "
        "state_dict instead)"
    )


def merge_checked(
    model_state: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor], source: str
) -> dict:
    """``model_state`` updated from ``state`` after checking names and shapes.

    Every missing key, unexpected key and wrong shape is named at once; keys
    of the dropped ``fc`` head may be absent (a backbone-only file).
    """
    missing = [k for k in model_state if k not in state and not k.startswith(_OPTIONAL_PREFIXES)]
    unexpected = [k for k in state if k not in model_state]
    shapes = [
        f"{k}: file {tuple(state[k].shape)}, model {tuple(v.shape)}"
        for k, v in model_state.items()
        if k in state and state[k].shape != v.shape
    ]
    problems = []
    if missing:
        problems.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
    if shapes:
        problems.append(f"wrong shapes ({len(shapes)}): {'; '.join(shapes)}")
    if problems:
        raise WeightsError(
            f"weights file {source} does not fit torchvision resnet50: " + " | ".join(problems)
        )
    return {**model_state, **state}


def resnet50(
    spec: WeightsSpec, seed: int, path: str | Path | None = None
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The full torchvision resnet50 with the weights ``spec`` asks for, and their provenance.

    ``spec`` None: random initialisation under ``derive_seed(seed, 'resnet50')``
    (the global RNG is left as it was). A torchvision name: the file the
    fetch rule downloaded, ``path``, checked against torchvision's published
    hash prefix. ``{path, sha256}``: that file, checked against the pin if any.
    """
    provenance = describe(spec, path)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "resnet50"))
        model = torchvision.models.resnet50(weights=None)
    if spec is None:
        provenance["seed"] = derive_seed(seed, "resnet50")
        return model, provenance
    if isinstance(spec, str):
        file, pin = path, {"sha256_prefix": published_sha256_prefix(provenance["url"])}
    else:
        file, pin = spec["path"], {"sha256": spec.get("sha256")}
    if file is None:
        raise WeightsError(f"features.weights {spec!r}: no weights file given")
    if not Path(file).is_file():
        raise WeightsError(f"weights file {file}: no such file")
    try:
        provenance["sha256"] = verify_file(file, **pin)
    except ValueError as exc:  # ChecksumError, or a malformed pin
        raise WeightsError(f"weights file {file}: {exc}") from exc
    state = read_state_dict(file)
    model.load_state_dict(merge_checked(model.state_dict(), state, str(file)))
    return model, provenance
