"""Writes tiny datasets in the exact ``cifar-10-batches-py`` format (pickled dicts with byte keys)."""

import pickle

import numpy as np

from wsnas.data.datasets import CIFAR10_MD5, md5sum


def write_cifar10(root, per_file=20, seed=0):
    """Write data_batch_1..5 and test_batch with ``per_file`` random images each; return their md5s."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in CIFAR10_MD5:
        entry = {
            b"batch_label": f"{name} of 5".encode(),
            b"labels": rng.integers(0, 10, per_file).tolist(),
            b"data": rng.integers(0, 256, (per_file, 3072), dtype=np.uint8),
            b"filenames": [f"img_{i}.png".encode() for i in range(per_file)],
        }
        with open(root / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
    return {name: md5sum(root / name) for name in CIFAR10_MD5}
