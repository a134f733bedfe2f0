import pickle

import numpy as np
import pytest
import torch

from tests.cifar_files import write_cifar10
from wsnas import config
from wsnas.data.augment import _shift, random_crop_flip
from wsnas.data.datasets import load_cifar10, load_digits_split, prepare
from wsnas.data.device_data import DeviceData
from wsnas.errors import WsnasError


def test_cifar10_loads_the_standard_format(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    md5 = write_cifar10(root, per_file=20)
    train_x, train_y, test_x, test_y = load_cifar10(root, md5)
    assert train_x.shape == (100, 3, 32, 32) and train_x.dtype == torch.uint8
    assert test_x.shape == (20, 3, 32, 32) and len(train_y) == 100 and len(test_y) == 20
    with open(root / "data_batch_2", "rb") as f:
        entry = pickle.load(f, encoding="bytes")
    # row-major 3072 = 3 x 32 x 32 (channel planes), as in the official files
    assert np.array_equal(train_x[20].numpy().reshape(-1), entry[b"data"][0])
    assert train_y[20] == entry[b"labels"][0]


def test_cifar10_published_checksums_reject_other_files(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    write_cifar10(root)
    with pytest.raises(WsnasError, match=r"data_batch_1 fails its md5 check"):
        load_cifar10(root)


def test_cifar10_corrupt_missing_and_unreadable_files(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    md5 = write_cifar10(root)
    with open(root / "data_batch_3", "r+b") as f:
        f.seek(100)
        f.write(b"\xff\xff\xff")
    with pytest.raises(WsnasError, match="data_batch_3 fails its md5 check") as info:
        load_cifar10(root, md5)
    assert "\n" not in str(info.value) and "cifar-10-python.tar.gz" in str(info.value)
    (root / "test_batch").unlink()
    with pytest.raises(WsnasError, match="test_batch is missing"):
        load_cifar10(root, None)
    with pytest.raises(WsnasError, match="does not exist"):
        load_cifar10(tmp_path / "nowhere", md5)
    (root / "test_batch").write_bytes(b"garbage")
    with pytest.raises(WsnasError, match="data_batch_3 cannot be read"):
        load_cifar10(root, None)


def test_prepare_cifar10_from_config(tmp_path):
    root = tmp_path / "c"
    write_cifar10(root, per_file=8)
    cfg = config.load(None, ["data.name=cifar10", f"data.root={root}", "data.verify_checksums=false"])
    prepared = prepare(cfg["data"])
    assert prepared["train_x"].dtype == torch.uint8 and prepared["test_x"].shape == (8, 3, 32, 32)
    data = DeviceData(prepared, cfg["data"])
    x, y, _ = next(data.train_batches(data.make_generator(0), 16))
    assert x.shape == (16, 3, 32, 32) and x.dtype == torch.float32
    cfg = config.load(None, ["data.name=cifar10", f"data.root={root}"])
    with pytest.raises(WsnasError, match="md5"):
        prepare(cfg["data"])


def test_digits_split_is_fixed_and_resized():
    a = load_digits_split(16, 0.3, 0)
    b = load_digits_split(16, 0.3, 0)
    assert a[0].shape[1:] == (3, 16, 16) and len(a[0]) + len(a[2]) == 1797
    assert torch.equal(a[0], b[0]) and torch.equal(a[3], b[3])
    assert not torch.equal(load_digits_split(16, 0.3, 1)[3], a[3])


def test_shift_moves_each_image_by_its_offset_with_zero_fill():
    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4) + 1
    out = _shift(x, torch.tensor([0, 1]), torch.tensor([2, 1]), pad=1)
    # image 0: dy=0 (up 1 -> row -1 .. 2), dx=2 (right shift of content by -1)
    expect0 = torch.zeros(4, 4)
    expect0[1:, :3] = x[0, 0, :3, 1:]
    assert torch.equal(out[0, 0], expect0)
    assert torch.equal(out[1], x[1])  # dy=dx=pad: no shift


def test_batched_augmentation_is_seeded_and_flips_some_images():
    x = torch.rand(64, 3, 8, 8)
    a = random_crop_flip(x, torch.Generator().manual_seed(1), 0, True)
    b = random_crop_flip(x, torch.Generator().manual_seed(1), 0, True)
    assert torch.equal(a, b)
    flipped = [(a[i] == x[i].flip(2)).all() and not (a[i] == x[i]).all() for i in range(64)]
    assert 10 < sum(flipped) < 54


def test_device_data_batches_cover_the_epoch_once(tiny_cfg, tiny_prepared):
    data = DeviceData(tiny_prepared, tiny_cfg["data"])
    ys = torch.cat([y for _, y, _ in data.train_batches(data.make_generator(0), 100, augment=False)])
    assert len(ys) == data.n_train and data.steps_per_epoch(100) == -(-data.n_train // 100)
    assert torch.equal(ys.sort().values, data.train_y.sort().values)


def test_gratings_are_seeded_disjoint_draws_of_one_stream():
    """wsnas.data.gratings: the same seed gives the same images; the ranking set continues the stream."""
    from wsnas.data.gratings import gratings, gratings_split
    from wsnas.data.sizes import split_sizes

    x, y = gratings(40, 8, seed=3)
    x2, y2 = gratings(40, 8, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2) and x.shape == (40, 3, 8, 8)
    assert 0 <= float(x.min()) and float(x.max()) <= 1 and not torch.equal(x, gratings(40, 8, seed=4)[0])
    tx, ty, vx, vy = gratings_split(8, 30, 10, seed=3)
    assert torch.equal(torch.cat([tx, vx]), x) and torch.equal(torch.cat([ty, vy]), y)
    assert split_sizes({"name": "gratings", "train_images": 30, "test_images": 10}) == (30, 10)


def test_gratings_frequency_range_sets_how_fast_the_pattern_varies():
    """data.frequency: the same seed draws the same labels; low frequencies change less from pixel to
    pixel than high ones, and the prepared dataset follows the configured range."""
    from wsnas.data.gratings import gratings

    def roughness(x):
        return float((x[..., 1:] - x[..., :-1]).abs().mean() + (x[..., 1:, :] - x[..., :-1, :]).abs().mean())

    low, y_low = gratings(400, 8, seed=5, frequency=(0.05, 0.07))
    high, y_high = gratings(400, 8, seed=5, frequency=(0.28, 0.30))
    assert torch.equal(y_low, y_high) and roughness(low) < 0.5 * roughness(high)
    cfg = config.load(None, ["data.name=gratings", "data.resolution=8", "data.train_images=64", "data.test_images=8",
                             "data.frequency=[0.05,0.07]"])
    prepared = prepare(cfg["data"])
    default = prepare(config.load(None, ["data.name=gratings", "data.resolution=8", "data.train_images=64",
                                                  "data.test_images=8"])["data"])
    assert not torch.equal(prepared["train_x"], default["train_x"])
