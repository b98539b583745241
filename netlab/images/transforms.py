"""The notebooks' image preprocessing, defined once: the features are computed from it and the report's
sample pictures show it. torchvision is imported when a transform is made, not with this module: the
report reads the constants without loading torch (2 s)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchvision.transforms import Compose

RESIZE, CROP = 256, 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TRANSFORM_DESCRIPTION = "Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std)"


def notebook_view() -> Compose:
    """Resize(256) and CenterCrop(224): what the network sees, before ToTensor and Normalize."""
    from torchvision import transforms

    return transforms.Compose([transforms.Resize(RESIZE), transforms.CenterCrop(CROP)])


def notebook_transform() -> Compose:
    """The notebooks' preprocessing (same for train and val)."""
    from torchvision import transforms

    return transforms.Compose(
        [
            *notebook_view().transforms,
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
