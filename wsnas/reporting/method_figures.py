"""The figures beside Table 5 (docs/comparing-methods.md): ranking quality against measured cost, one point
per search run, and each run's scores of the 64 children against the ground truth. Each producer takes the
config, its input paths and the output paths."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.reporting import analysis  # noqa: E402
from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.searches import run_files  # noqa: E402
from wsnas.reporting.results import read_ground_truth, read_table  # noqa: E402


def fig10_methods(config, table, outputs):
    """GT-Tau (mean, error bars: std over instances) against the training job's measured seconds per
    instance, one point per row of Table 5 (``table``: its CSV; search runs per ranking, seed 002's remedies)."""
    frame = read_table(table, ["gt_tau", "gt_tau_std", "train_s"], text=("run", "bn_mode", "label"))
    sns.set_theme(style="whitegrid", context="paper")
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    modes = list(dict.fromkeys([*config["comparison"]["bn_modes"], *frame["bn_mode"]]))  # and the methods' own rankings
    markers = dict(zip(modes, "osD^vP"))
    colors = dict(zip(dict.fromkeys(frame["run"]), sns.color_palette("tab20", frame["run"].nunique())))
    labels = dict(zip(frame["run"], frame["label"]))  # search runs' and seed 002's remedies'

    for _, row in frame.iterrows():
        ax.errorbar(row["train_s"], row["gt_tau"], yerr=row["gt_tau_std"], fmt=markers.get(row["bn_mode"], "o"),
                    color=colors[row["run"]], markersize=4, capsize=2, linewidth=0.8)
    for run, color in colors.items():
        ax.plot([], [], "o", color=color, label=labels[run])
    for mode, marker in markers.items():
        ax.plot([], [], marker, color="0.4", fillstyle="none", label="alpha" if mode == "alpha" else f"BN: {mode}")
    ax.set_xlabel("training seconds per instance (measured)")
    ax.set_ylabel("GT-Tau (mean ± std over instances)")
    ax.legend(frameon=False, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return save(fig, outputs)


def fig11_rank_scatter(config, runs, accuracy, ground_truth, outputs):
    """Per search run, its last-epoch score of each child (mean over instances; ``accuracy``: the runs'
    accuracy tables in the first BN mode, results/searches/<run>/<instance>/accuracy_<bn>.csv) against the
    child's ground-truth accuracy, small multiples on shared axes."""
    gt = read_ground_truth(ground_truth)
    columns = min(4, len(runs))
    rows = -(-len(runs) // columns)
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 2.2 * rows), sharex=True, sharey=True, squeeze=False)
    for ax, run in zip(axes.flat, runs):
        finals = [analysis.accuracy_matrix(p).iloc[-1].values for p in run_files(accuracy, run)]
        score = np.mean(finals, axis=0)
        ax.scatter(gt, score, s=6, color="#3182bd")
        ax.set_title(config["searches"][run]["label"], fontsize=7)
    for ax in axes.flat[len(runs):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("ground-truth accuracy", fontsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel("supernet score", fontsize=7)
    return save(fig, outputs)
