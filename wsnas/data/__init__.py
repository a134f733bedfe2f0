"""Datasets (CIFAR-10 with checksums, digits), their split sizes, and the whole dataset on the device."""
