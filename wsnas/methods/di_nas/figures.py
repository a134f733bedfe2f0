"""DI-NAS's figures on the 64-child ground truth (Niu et al. 2020): Figure 3's disturbance quantities for
the baseline, DI-NAS and its controls, and the collapse of the projected step (``../shared/specs/di-nas.md``,
Sec. 3.3). Each producer takes the config, its input paths and the output paths."""

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.searches import epoch_means, run_files  # noqa: E402
from wsnas.reporting.results import read_table  # noqa: E402

KINDS = ["stem", "preprocess", "depthwise", "pointwise", "head"]


def _labels(config, runs):
    return [config["searches"][r]["label"] for r in runs]


def di_nas_disturbance(config, runs, inputs, outputs, ground_truth=None):
    """Figure 3 (Sec. 5.3) per run (``inputs``: their disturbance.csv files), mean over instances with the
    instances' range: (a) the mean signed and (b) absolute accuracy change of the 64 children from epoch i to
    i + interval, and (c) Kendall tau between the two epochs' rankings."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 2.8))
    intervals = set()
    for label, path in zip(_labels(config, runs), inputs):
        frame = read_table(path, ["epoch", "mean_change", "mean_abs_change", "tau", "interval"])
        intervals |= set(frame["interval"].astype(int))
        grouped = frame.groupby("epoch")
        for ax, column in zip(axes, ["mean_change", "mean_abs_change", "tau"]):
            mean = grouped[column].mean()
            line, = ax.plot(mean.index, mean.values, marker="o", markersize=2.5, label=label)
            ax.fill_between(mean.index, grouped[column].min(), grouped[column].max(), color=line.get_color(), alpha=0.12)
    k = "/".join(map(str, sorted(intervals)))
    for ax, title in zip(axes, [f"(a) mean accuracy change over {k} epochs", "(b) mean |change|",
                                f"(c) Kendall tau, epoch i vs i + {k}"]):
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("epoch i")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].axhline(0, color="0.5", linewidth=0.6)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), frameon=False, fontsize=7,
               bbox_to_anchor=(0.5, -0.02 - 0.05 * ((len(labels) - 1) // 4)))
    fig.subplots_adjust(bottom=0.22 + 0.05 * ((len(labels) - 1) // 4))
    return save(fig, outputs)


def di_nas_collapse(config, runs, inputs, outputs, ground_truth=None):
    """The mean ||G P|| / ||G|| per epoch and layer kind, one panel per DI-NAS run (``inputs``: the runs'
    per-epoch files results/searches/<run>/<instance>/epochs.csv), instances averaged: with lambda = 1 the
    step collapses (spec Sec. 3.3)."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(runs), figsize=(2.6 * len(runs), 2.6), sharey=True, squeeze=False)
    for ax, run, label in zip(axes[0], runs, _labels(config, runs)):
        frame = epoch_means(run_files(inputs, run))
        for kind in KINDS:
            column = f"dinas_ratio_{kind}"
            if column in frame:
                ax.plot(frame.index, frame[column], marker="o", markersize=2.5, label=kind)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("mean ||GP|| / ||G||")
    axes[0][-1].legend(frameon=False, fontsize=6)
    return save(fig, outputs)
