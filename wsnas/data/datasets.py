"""The datasets, loaded into CPU tensors once: CIFAR-10 (official files, checked md5) and digits.

- ``cifar10``: the standard extracted ``cifar-10-batches-py`` folder, every batch file checked against its
  published md5 (Zhang et al. 2020 rank children on the 10k test set and train on the 50k train set).
- ``gratings``: a seeded procedural task, oriented sinusoidal gratings (``wsnas.data.gratings``), no
  download, any number of images.
- ``digits``: scikit-learn's bundled 8x8 digits (no download), resized, 3 channels, a fixed seeded
  train/test split. Optional fixed noisy/shifted copies of the test set make the ranking task harder, so
  that the 64 children separate (docs/demo.md).

``prepare`` turns a ``data`` config section into a dict of CPU tensors (saved once per dataset by the
pipeline); ``wsnas.data.device_data.DeviceData`` moves it to the device.
"""

import hashlib
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from wsnas.data.augment import random_crop_flip
from wsnas.data.gratings import gratings_split
from wsnas.data.sizes import digits_test_size
from wsnas.errors import WsnasError

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_TAR_MD5 = "c58f30108f718f92721af3b95e74349a"
#: Published md5 of each file of the extracted ``cifar-10-batches-py`` folder.
CIFAR10_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
#: A flip mirrors a grating's orientation into another class, and a shift only moves its phase: none by default.
AUGMENT_DEFAULTS = {"cifar10": {"crop_padding": 4, "flip": True}, "digits": {"crop_padding": 1, "flip": False},
                    "gratings": {"crop_padding": 0, "flip": False}}
FORMAT_VERSION = 1


def md5sum(path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cifar_hint(root):
    return (
        f"download and extract {CIFAR10_URL} so that {root} holds data_batch_1..5 and test_batch "
        f"(or run: python -m wsnas download-cifar10 --dest {Path(root).parent})"
    )


def load_cifar10(root, md5: dict | None = CIFAR10_MD5):
    """Read an extracted ``cifar-10-batches-py`` folder: (train_x, train_y, test_x, test_y), images uint8
    N x 3 x 32 x 32. ``md5``: expected checksum per file (None skips the check)."""
    root = Path(root)
    if not root.is_dir():
        raise WsnasError(f"CIFAR-10 folder {root} does not exist: {_cifar_hint(root)}")
    for name in CIFAR10_MD5:
        if not (root / name).is_file():
            raise WsnasError(f"CIFAR-10 file {root / name} is missing: {_cifar_hint(root)}")
    for name in CIFAR10_MD5 if md5 is not None else ():
        if md5sum(root / name) != md5[name]:
            raise WsnasError(f"CIFAR-10 file {root / name} fails its md5 check (corrupt or not the official file): {_cifar_hint(root)}")
    parts = {}
    for name in CIFAR10_MD5:
        path = root / name
        try:
            with open(path, "rb") as f:
                entry = pickle.load(f, encoding="bytes")
            data = np.asarray(entry[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            labels = np.asarray(entry[b"labels"], dtype=np.int64)
        except Exception as e:  # noqa: BLE001 - any unreadable file gets the same one-line answer
            raise WsnasError(f"CIFAR-10 file {path} cannot be read ({type(e).__name__}): {_cifar_hint(root)}") from None
        if len(data) != len(labels):
            raise WsnasError(f"CIFAR-10 file {path} has {len(data)} images but {len(labels)} labels: {_cifar_hint(root)}")
        parts[name] = (torch.from_numpy(data), torch.from_numpy(labels))
    train = [parts[n] for n in CIFAR10_MD5 if n.startswith("data_batch")]
    return (torch.cat([x for x, _ in train]), torch.cat([y for _, y in train]), *parts["test_batch"])


def download_cifar10(dest) -> Path:
    """Fetch the official tarball into ``dest``, verify its md5 and extract it; returns the batches folder."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tarball = dest / "cifar-10-python.tar.gz"
    if not tarball.exists() or md5sum(tarball) != CIFAR10_TAR_MD5:
        partial = tarball.with_suffix(".part")
        urllib.request.urlretrieve(CIFAR10_URL, partial)
        if md5sum(partial) != CIFAR10_TAR_MD5:
            partial.unlink()
            raise WsnasError(f"download of {CIFAR10_URL} failed its md5 check; try again")
        partial.replace(tarball)
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "cifar-10-batches-py"


def load_digits_split(resolution: int, test_fraction: float, split_seed: int):
    """scikit-learn's digits as float images in [0, 1], N x 3 x res x res, with a seeded split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16.0
    if resolution != images.shape[-1]:
        images = F.interpolate(images, size=(resolution, resolution), mode="bilinear", align_corners=False)
    images = images.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()
    labels = torch.tensor(digits.target, dtype=torch.int64)
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(split_seed))
    n_test = digits_test_size(len(labels), test_fraction)
    test, train = perm[:n_test], perm[n_test:]
    return images[train], labels[train], images[test], labels[test]


def augment_settings(data_cfg: dict) -> dict:
    defaults = AUGMENT_DEFAULTS[data_cfg["name"]]
    return {k: (defaults[k] if data_cfg.get(k) is None else data_cfg[k]) for k in defaults}


def prepare(data_cfg: dict) -> dict:
    """The dataset as CPU tensors: raw train images in [0, 1] (uint8 for CIFAR-10), the normalised ranking
    (test) split with any fixed noisy copies already applied, and normalisation statistics."""
    aug = augment_settings(data_cfg)
    if data_cfg["name"] == "cifar10":
        md5 = CIFAR10_MD5 if data_cfg["verify_checksums"] else None
        train_x, train_y, test_x, test_y = load_cifar10(data_cfg["root"], md5)
        raw_train = train_x
        train_f, test_f = train_x.float() / 255, test_x.float() / 255
    elif data_cfg["name"] == "gratings":
        train_f, train_y, test_f, test_y = gratings_split(
            data_cfg["resolution"], data_cfg["train_images"], data_cfg["test_images"], data_cfg["split_seed"],
            tuple(data_cfg["frequency"]),
        )
        raw_train = train_f
    else:
        train_f, train_y, test_f, test_y = load_digits_split(
            data_cfg["resolution"], data_cfg["test_fraction"], data_cfg["split_seed"]
        )
        raw_train = train_f
    mean = train_f.mean(dim=(0, 2, 3))
    std = train_f.std(dim=(0, 2, 3)).clamp_min(1e-3)
    copies = data_cfg["test_copies"] if data_cfg["name"] == "digits" else 1
    g = torch.Generator().manual_seed(10_000 + data_cfg["split_seed"])
    tests = []
    for i in range(copies):
        x = test_f
        if i > 0 and aug["crop_padding"]:
            x = random_crop_flip(x, g, aug["crop_padding"], False)
        x = (x - mean[:, None, None]) / std[:, None, None]
        if data_cfg["noise_sigma"]:
            x = x + data_cfg["noise_sigma"] * torch.randn(x.shape, generator=g)
        tests.append(x)
    return {
        "format_version": FORMAT_VERSION,
        "name": data_cfg["name"],
        "train_x": raw_train.contiguous(),
        "train_y": train_y,
        "test_x": torch.cat(tests).contiguous(),
        "test_y": test_y.repeat(copies),
        "mean": mean,
        "std": std,
        "classes": int(max(train_y.max(), test_y.max())) + 1,
    }


def save_prepared(prepared: dict, path) -> None:
    from wsnas.training.checkpoint import save_atomic

    save_atomic(prepared, path)


def load_prepared(path) -> dict:
    from wsnas.training.checkpoint import load_checkpoint

    prepared = load_checkpoint(path, what="prepared dataset")
    if prepared.get("format_version") != FORMAT_VERSION:
        raise WsnasError(f"prepared dataset {path} has an old format; delete it and rerun prepare_data")
    return prepared
