"""The whole dataset on the training device as tensors, batched augmentation there (airbench style).

``DeviceData`` yields ``Batch(x, y, index)``: augmented, normalised images, labels and the training-set
indices of the samples, so a method can weight or re-sample data by index (Lu et al. 2023, Sec. 3.3).
Two seams for the search methods:
- a batch sampler decides which samples an epoch visits: ``Permutation`` (every sample once, the
  default) or ``Weighted`` (as many draws, in proportion to given weights, with or without replacement);
- ``split(fraction)`` carves a validation split off the training set (Liu et al. 2019, Sec. 3: DARTS
  trains on one half and updates the architecture on the other). The split takes the last ``fraction``
  of the training indices, as DARTS' ``indices[split:]``; both parts are augmented alike.
"""

from typing import NamedTuple

import torch

from wsnas.data.augment import random_crop_flip
from wsnas.data.datasets import augment_settings


class Batch(NamedTuple):
    x: torch.Tensor
    y: torch.Tensor
    index: torch.Tensor  # positions in the training set (DeviceData.train_x)


class Permutation:
    """Every sample of the training split once per epoch, in a seeded random order."""

    def positions(self, train_index: torch.Tensor, generator) -> torch.Tensor:
        return train_index[torch.randperm(len(train_index), generator=generator, device=generator.device)]


class Weighted:
    """As many draws as the training split holds (an epoch keeps its length, so the loop's step counts
    hold), in proportion to ``probabilities`` (one weight per training-set position, ``Batch.index``),
    with or without replacement."""

    def __init__(self, probabilities: torch.Tensor, replacement: bool = True):
        self.probabilities, self.replacement = probabilities, replacement

    def positions(self, train_index: torch.Tensor, generator) -> torch.Tensor:
        p = self.probabilities.to(generator.device, torch.float64)[train_index]
        return train_index[torch.multinomial(p, len(train_index), self.replacement, generator=generator)]


class DeviceData:
    """The whole dataset on ``device``; ``train_batches`` yields augmented, normalised batches."""

    def __init__(self, prepared: dict, data_cfg: dict, device="cpu", channels_last: bool = False):
        self.device = torch.device(device)
        self.aug = augment_settings(data_cfg)
        self.noise_sigma = data_cfg["noise_sigma"]
        self.classes = prepared["classes"]
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        raw = prepared["train_x"].to(self.device)
        self.train_x = raw.float() / 255 if raw.dtype == torch.uint8 else raw.float()
        self.train_y = prepared["train_y"].to(self.device)
        self.mean = prepared["mean"].to(self.device)[:, None, None]
        self.std = prepared["std"].to(self.device)[:, None, None]
        self.test_x = prepared["test_x"].to(self.device).contiguous(memory_format=self.memory_format)
        self.test_y = prepared["test_y"].to(self.device)
        self.train_index = torch.arange(len(self.train_y), device=self.device)
        self.valid_index = self.train_index[:0]

    @property
    def n_train(self) -> int:
        return len(self.train_index)

    def split(self, fraction: float) -> "DeviceData":
        """A view whose training split is the first ``1 - fraction`` of this one's, and whose validation
        split is the rest (the tensors are shared, nothing is copied)."""
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"validation fraction {fraction} is not in (0, 1)")
        view = object.__new__(DeviceData)
        view.__dict__.update(self.__dict__)
        n_valid = max(1, round(self.n_train * fraction))
        view.train_index, view.valid_index = self.train_index[:-n_valid], self.train_index[-n_valid:]
        return view

    def steps_per_epoch(self, batch_size: int) -> int:
        """Mini-batches of an epoch that visits every training sample once."""
        return -(-self.n_train // batch_size)

    def make_generator(self, seed: int) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(seed)

    def _batch(self, idx, generator, augment: bool) -> Batch:
        x = self.train_x[idx]
        if augment:
            x = random_crop_flip(x, generator, self.aug["crop_padding"], self.aug["flip"])
        x = (x - self.mean) / self.std
        if augment and self.noise_sigma:
            x = x + self.noise_sigma * torch.randn(x.shape, generator=generator, device=self.device)
        return Batch(x.contiguous(memory_format=self.memory_format), self.train_y[idx], idx)

    def train_batches(self, generator, batch_size: int, augment: bool = True, sampler=None):
        """One epoch of the training split: the sampler's positions (default: a seeded permutation), sliced
        into batches (the last one may be smaller)."""
        positions = (sampler or Permutation()).positions(self.train_index, generator)
        for start in range(0, len(positions), batch_size):
            yield self._batch(positions[start : start + batch_size], generator, augment)

    def valid_batches(self, generator, batch_size: int):
        """Endless batches of the validation split, reshuffled every pass (the loop starts a new stream
        every epoch)."""
        if not len(self.valid_index):
            raise ValueError("no validation split: DeviceData.split(fraction) first")
        while True:
            order = torch.randperm(len(self.valid_index), generator=generator, device=self.device)
            positions = self.valid_index[order]
            for start in range(0, len(positions), batch_size):
                yield self._batch(positions[start : start + batch_size], generator, True)

    def test_batches(self, batch_size: int):
        for start in range(0, len(self.test_y), batch_size):
            yield self.test_x[start : start + batch_size], self.test_y[start : start + batch_size]
