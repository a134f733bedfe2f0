"""Figures 4-9 of Zhang et al. 2020 (Sec. 4): fine-tuning, dense evaluation curves, a group's curves, the
BN and SGD momentum ablations. Each producer takes the config, its input paths and the output paths,
saves the figure and returns it."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.plan.studies import figure6_members  # noqa: E402
from wsnas.reporting import analysis  # noqa: E402
from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.metrics import ranks  # noqa: E402
from wsnas.reporting.results import CHILDREN, read_ground_truth, read_table  # noqa: E402


def _colors(gt_mean):
    """Lighter colours for better ground-truth ranks (as in Figure 5)."""
    cmap = plt.get_cmap("viridis")
    r = ranks(gt_mean)
    return {c: cmap(1 - (rank - 1) / (len(r) - 1)) for c, rank in zip(CHILDREN, r)}


def _curves(ax, path, gt_mean, title, children=None):
    """Accuracy of each child after each dense step; a diamond where the child was trained."""
    matrix = analysis.dense_matrix(path)
    trained = read_table(path, ["step"]).set_index("step").reindex(matrix.index)["trained"].astype(str)
    colors = _colors(gt_mean)
    x = range(len(matrix))
    for child in children or CHILDREN:
        ax.plot(x, matrix[child], color=colors[child], linewidth=0.7, label=child if children else None)
        hits = [i for i, names in enumerate(trained) if child in names.split()]
        ax.scatter(hits, matrix[child].iloc[hits], marker="D", s=6, color=colors[child], zorder=3)
    taus = analysis.gt_tau_per_step(matrix, gt_mean)
    ax.set_title(f"{title}\nGT-Tau {taus.min():.2f} to {taus.max():.2f} over the last {len(matrix)} mini-batches", fontsize=7)
    ax.set_xlabel("mini-batch (last N of training)")
    ax.set_ylabel("accuracy")
    if children:
        ax.legend(frameon=False, fontsize=6)


def _figure(panels, width=7.0, height=2.8):
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, panels, figsize=(width, height), squeeze=False)
    return fig, axes[0]


def fig4_finetune(config, finetune, ground_truth, outputs):
    """Figure 4: each child fine-tuned from the snapshots ``studies.finetune.snapshots`` (``finetune``: one
    table per snapshot): accuracy curves (top) and GT-Tau after each mini-batch (bottom)."""
    gt = read_ground_truth(ground_truth)
    snaps = config["studies"]["finetune"]["snapshots"]
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(2, len(snaps), figsize=(3.5 * len(snaps), 5.0), squeeze=False)
    colors = _colors(gt)
    for j, (epoch, path) in enumerate(zip(snaps, finetune)):
        table = read_table(path, ["child", "step", "accuracy"])
        for child, part in table.groupby("child"):
            axes[0, j].plot(part["step"], part["accuracy"], color=colors[child], linewidth=0.7, linestyle=":")
        axes[0, j].set_title(f"fine-tuned from epoch {epoch}", fontsize=8)
        axes[0, j].set_xlabel("fine-tuning mini-batch")
        axes[0, j].set_ylabel("accuracy")
        taus = analysis.finetune_gt_tau(table, gt)
        axes[1, j].plot(taus["step"], taus["gt_tau"], marker="o", markersize=2)
        axes[1, j].set_xlabel("fine-tuning mini-batch")
        axes[1, j].set_ylabel("GT-Tau")
        axes[1, j].set_ylim(-0.2, 1.0)
    fig.tight_layout()
    return save(fig, outputs)


def fig5_dense(config, fixed, shuffled, ground_truth, outputs):
    """Figure 5: all children after each of the last mini-batches, (a) fixed order, (b) shuffled."""
    gt = read_ground_truth(ground_truth)
    fig, axes = _figure(2)
    runs = config["studies"]["dense_runs"]
    _curves(axes[0], fixed, gt, f"(a) {runs['fig5a']['label']}")
    _curves(axes[1], shuffled, gt, f"(b) {runs['fig5b']['label']}")
    fig.tight_layout()
    return save(fig, outputs)


def fig6_group_curves(config, group, shared, ground_truth, outputs):
    """Figure 6: the group of the m-group run that holds ``figure6_child`` (a), and the same children at m = 1 (b)."""
    g = config["studies"]["group"]
    children = figure6_members(config)
    gt = read_ground_truth(ground_truth)
    fig, axes = _figure(2)
    _curves(axes[0], group, gt, f"(a) m = {g['figure6_groups']}, the group of {g['figure6_child']}", children)
    _curves(axes[1], shared, gt, "(b) the same children, m = 1", children)
    fig.tight_layout()
    return save(fig, outputs)


def _single_run(config, dense, ground_truth, outputs, run):
    fig, axes = _figure(1, 4.5, 3.0)
    _curves(axes[0], dense, read_ground_truth(ground_truth), config["studies"]["dense_runs"][run]["label"])
    return save(fig, outputs)


def fig7_dense_long(config, dense, ground_truth, outputs):
    """Figure 7: the dense curves of the longer run (paper: 2000 epochs)."""
    return _single_run(config, dense, ground_truth, outputs, "fig7")


def fig9_sgd_momentum(config, dense, ground_truth, outputs):
    """Figure 9: the dense curves with SGD momentum 0."""
    return _single_run(config, dense, ground_truth, outputs, "fig9")


def fig8_bn_momentum(config, low, high, ground_truth, outputs):
    """Figure 8: GT-Tau over the last mini-batches, BN momentum 0.1 (``low``) vs 0.9 (``high``), one curve
    per instance."""
    gt = read_ground_truth(ground_truth)
    fig, axes = _figure(2)
    runs = config["studies"]["dense_runs"]
    for ax, name, paths in ((axes[0], "fig8_bn01", low), (axes[1], "fig8_bn09", high)):
        for i, path in enumerate(paths):
            taus = analysis.gt_tau_per_step(analysis.dense_matrix(path), gt)
            ax.plot(range(len(taus)), taus.values, linewidth=0.8, label=f"instance {i}")
        ax.set_title(runs[name]["label"], fontsize=8)
        ax.set_xlabel("mini-batch (last N of training)")
        ax.set_ylabel("GT-Tau")
        ax.set_ylim(-0.4, 1.0)
        ax.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return save(fig, outputs)
