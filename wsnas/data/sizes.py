"""How many images each dataset split holds, from the ``data`` config section alone (no torch, no files):
the cost model (``wsnas.plan.cost``) counts work with it, and ``wsnas.data.datasets`` splits digits by it."""

#: Training and test images of the official CIFAR-10 split; images in scikit-learn's digits.
CIFAR10_SIZES = (50_000, 10_000)
DIGITS_IMAGES = 1797


def digits_test_size(n_images: int, test_fraction: float) -> int:
    """Images held out for ranking by the seeded digits split."""
    return int(round(test_fraction * n_images))


def split_sizes(data_cfg: dict) -> tuple[int, int]:
    """(training images, ranking images, noisy copies included) of the configured dataset, without loading it."""
    if data_cfg["name"] == "cifar10":
        return CIFAR10_SIZES
    if data_cfg["name"] == "gratings":
        return data_cfg["train_images"], data_cfg["test_images"]
    n_test = digits_test_size(DIGITS_IMAGES, data_cfg["test_fraction"])
    return DIGITS_IMAGES - n_test, n_test * data_cfg["test_copies"]
