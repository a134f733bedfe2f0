"""The method protocol, the one training loop, stacked execution, checkpoints, evaluation, devices."""
