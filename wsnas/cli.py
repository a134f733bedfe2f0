"""``python -m wsnas``: every step of the pipeline as a command taking a config file plus overrides."""

import argparse
import sys
from pathlib import Path

from wsnas import config as config_mod
from wsnas.errors import WsnasError
from wsnas.jobs import training


def _common(p):
    p.add_argument("--config", "-c", type=Path, help="YAML config (default: built-in defaults)")
    p.add_argument("--set", "-s", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a config value, e.g. --set train.epochs=3 (repeatable)")
    p.add_argument("--data", type=Path, help="prepared dataset file from prepare-data (default: prepare now)")
    p.add_argument("--threads", type=int, help="CPU threads")


def _cfg(args):
    return config_mod.load(args.config, args.set)


def cmd_prepare_data(args):
    training.prepare_data(_cfg(args)["data"], args.out)
    print(f"wrote {args.out}")


def cmd_download(args):
    from wsnas.data.datasets import download_cifar10

    print(f"CIFAR-10 ready in {download_cifar10(args.dest)}")


def cmd_train_supernet(args):
    training.train_supernet(_cfg(args), args.data, args.checkpoints, args.manifest, args.dense_out, threads=args.threads)


def cmd_train_standalone(args):
    training.train_ground_truth(_cfg(args), args.data, args.checkpoints, args.out, args.stack, args.threads)
    print(f"wrote {args.out}")


def cmd_evaluate(args):
    training.evaluate_file(_cfg(args), args.data, args.checkpoint, args.out, args.threads)


def cmd_gt_tau(args):
    from wsnas.reporting import metrics
    from wsnas.reporting.results import read_accuracies

    acc, gt = read_accuracies(args.accuracies), read_accuracies(args.ground_truth)
    print(f"GT-Tau {metrics.gt_tau(acc, gt):.4f}  T1R {metrics.top_n_rank(acc, gt, 1):g}  T3R {metrics.top_n_rank(acc, gt, 3):g}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wsnas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepare-data", help="write the configured dataset as tensors")
    _common(p)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=cmd_prepare_data)

    p = sub.add_parser("download-cifar10", help="fetch and verify the official CIFAR-10 tarball (needs internet)")
    p.add_argument("--dest", required=True, type=Path, help="folder that will hold cifar-10-batches-py")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("train-supernet", help="train one supernet instance with per-epoch checkpoints (resumes)")
    _common(p)
    p.add_argument("--checkpoints", required=True, type=Path, help="checkpoint folder (resumed from if present)")
    p.add_argument("--manifest", type=Path, help="write a manifest of the checkpoints when done")
    p.add_argument("--dense-out", type=Path, help="CSV of the dense evaluation (train.dense_eval_steps)")
    p.set_defaults(func=cmd_train_supernet)

    p = sub.add_parser("train-standalone", help="train children alone from scratch (ground truth)")
    _common(p)
    p.add_argument("--checkpoints", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path, help="CSV: child, epoch, accuracy, loss")
    p.add_argument("--stack", type=int, default=0, help="K children trained as one batched computation when "
                   "train.stacked is on (default: ground_truth.stack)")
    p.set_defaults(func=cmd_train_standalone)

    p = sub.add_parser("evaluate", help="evaluate all 64 children of a checkpoint")
    _common(p)
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--out", type=Path, help="CSV (default: print)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("gt-tau", help="GT-Tau, T1R and T3R of an accuracy table against a ground truth")
    p.add_argument("--accuracies", required=True, type=Path, help="CSV with columns child, accuracy")
    p.add_argument("--ground-truth", required=True, type=Path, help="CSV with columns child and accuracy or mean")
    p.set_defaults(func=cmd_gt_tau)
    return parser


def main(argv=None) -> int:
    from wsnas.training.runtime import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        args.func(args)
    except WsnasError as e:
        print(f"wsnas: error: {e}", file=sys.stderr)
        return 2
    return 0
