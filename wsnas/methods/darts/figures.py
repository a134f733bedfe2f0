"""DARTS on the 64-child space (Liu et al. 2019; Bi et al. 2019, Sec. 4): how the architecture parameters of
each variant move, and where the child they derive lies in the ground truth. The producers take the config,
their input paths and the output paths."""

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.core.space import OPERATIONS  # noqa: E402
from wsnas.reporting import metrics  # noqa: E402
from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.results import CHILDREN, read_ground_truth  # noqa: E402
from wsnas.reporting.searches import run_files  # noqa: E402

EDGES = ("edge 0→1", "edge 0→2", "edge 1→2")


def darts_alpha(config, runs, inputs, outputs, ground_truth=None):
    """One row per DARTS run (its instance 0, ``inputs``: results/searches/<run>/<instance>/epochs.csv),
    one panel per edge: the softmax of alpha for each operation over the epochs."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(len(runs), 3, figsize=(8.4, 1.9 * len(runs) + 0.6), sharex=True, sharey=True, squeeze=False)
    for row, run in enumerate(runs):
        frame = pd.read_csv(sorted(run_files(inputs, run), key=lambda p: int(str(p).split("/")[-2]))[0])
        for edge, ax in enumerate(axes[row]):
            for k, op in enumerate(OPERATIONS):
                ax.plot(frame["epoch"], frame[f"alpha_softmax_e{edge}_k{k}"], marker="o", markersize=2.5, label=op)
            ax.axhline(0.25, color="0.6", linewidth=0.6, linestyle=":")
            if row == 0:
                ax.set_title(EDGES[edge], fontsize=8)
        axes[row][0].set_ylabel(f"{config['searches'][run]['label']}\nsoftmax(α)", fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0][-1].legend(frameon=False, fontsize=6)
    return save(fig, outputs)


def darts_pick_rank(config, runs, inputs, outputs, ground_truth=None):
    """The ground-truth rank (1 = best of 64) of the child each DARTS run's alpha derives after every epoch,
    one line per instance, one panel per run on shared axes."""
    sns.set_theme(style="whitegrid", context="paper")
    gt = read_ground_truth(ground_truth)
    rank = dict(zip(CHILDREN, metrics.ranks(np.asarray(gt, dtype=float))))
    fig, axes = plt.subplots(1, len(runs), figsize=(2.8 * len(runs) + 0.4, 2.8), sharey=True, squeeze=False)
    for ax, run in zip(axes[0], runs):
        for path in run_files(inputs, run):
            frame = pd.read_csv(path, dtype={"argmax_child": str})
            ax.plot(frame["epoch"], [rank[c] for c in frame["argmax_child"]], marker="o", markersize=2.5, alpha=0.8,
                    label=f"instance {str(path).split('/')[-2]}")
        ax.set_title(config["searches"][run]["label"], fontsize=8)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0][0].set_ylabel("ground-truth rank of argmax(α)")
    axes[0][0].set_ylim(65, 0)
    axes[0][0].legend(frameon=False, fontsize=6)
    return save(fig, outputs)
