"""Figures 2 and 3 of Zhang et al. 2020 (matplotlib/seaborn, sized for a paper column). Each producer
takes the config, its input paths and the output paths, saves the figure and returns it."""

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.plan import runs  # noqa: E402
from wsnas.reporting import analysis  # noqa: E402
from wsnas.reporting.results import read_ground_truth, read_table  # noqa: E402


def save(fig, outputs):
    """Write ``fig`` to every output path (.pdf, .png) and release it."""
    for path in outputs:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=200, bbox_inches="tight")
    plt.close(fig)
    return fig


def fig2_stau_per_epoch(config, stability, gt_stability, outputs):
    """Figure 2: S-Tau after every epoch for ``analysis.figure2_experiments`` (``stability``: their
    stability_per_epoch files) and the ground truth, with the min-max band of the pairwise taus."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, ax = plt.subplots(figsize=(4.5, 3.0))
    labels = [config["experiments"][e]["label"] for e in config["analysis"]["figure2_experiments"]]
    for label, path in [*zip(labels, stability), ("Ground truth", gt_stability)]:
        frame = read_table(path, ["epoch", "s_tau", "s_tau_max", "s_tau_min"])
        line, = ax.plot(frame["epoch"], frame["s_tau"], marker="o", markersize=2.5, label=label)
        ax.fill_between(frame["epoch"], frame["s_tau_min"], frame["s_tau_max"], color=line.get_color(), alpha=0.12)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("S-Tau (band: min-max pair)")
    ax.set_ylim(-0.2, 1.0)
    ax.legend(frameon=False, fontsize=7)
    return save(fig, outputs)


def _boxes(ax, ranks, title):
    ranks = ranks.sort_values("gt_rank")
    order = list(dict.fromkeys(ranks["child"]))
    sns.boxplot(data=ranks, x="child", y="rank", order=order, ax=ax, color="#9ecae1", linewidth=0.6, fliersize=1.5)
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("child model, ordered by ground-truth accuracy (best left)")
    ax.set_ylabel("rank")
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelrotation=90, labelsize=4.5)


def fig3_rank_distribution(config, instances, epochs_instance, ground_truth, outputs):
    """Figure 3: each child's rank over (a) the final rankings of ``instances`` (accuracy tables) and (b)
    the last N epochs of one instance (``epochs_instance``: its accuracy table), children ordered by ground truth."""
    gt = read_ground_truth(ground_truth)
    finals = [analysis.accuracy_matrix(p).iloc[-1].values for p in instances]
    a = config["analysis"]
    last = analysis.accuracy_matrix(epochs_instance).iloc[-a["last_epochs"]:]
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 5.0), sharex=False)
    label = config["experiments"][a["figure3_experiment"]]["label"]
    _boxes(axes[0], analysis.rank_distribution(finals, gt), f"(a) {label}: {len(finals)} instances, last epoch")
    elabel = config["experiments"][a["epochs_experiment"]]["label"]
    _boxes(axes[1], analysis.rank_distribution([r.values for _, r in last.iterrows()], gt),
           f"(b) {elabel}, instance {runs.epochs_instance(config)}: last {len(last)} epochs")
    fig.tight_layout()
    return save(fig, outputs)
