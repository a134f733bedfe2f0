"""The training and evaluation jobs: prepared data, supernets, their evaluation, the ground truth, study
runs and fine-tuning (Zhang et al. 2020, Sec. 3-4). Each takes the job's config and paths."""

import logging
from contextlib import contextmanager
from pathlib import Path

from wsnas.core.space import children_or_all
from wsnas.errors import WsnasError
from wsnas.reporting.results import write_csv

log = logging.getLogger("wsnas")


def prepare_data(data_cfg: dict, output) -> None:
    from wsnas.data.datasets import prepare, save_prepared

    save_prepared(prepare(data_cfg), output)


def train_supernet(cfg: dict, data, checkpoints, manifest=None, dense=None, history=None, threads=None) -> None:
    """One supernet instance (``sharing.mode=group``: one network per group, as the study runs); writes
    the manifest of its checkpoints and, with ``dense``, its dense-evaluation table; with ``history``, one
    row per epoch (learning rate, training loss and accuracy, the method's own diagnostics)."""
    from wsnas.training import manifest as manifests, runtime
    from wsnas.training.drivers import train_groups, train_supernet as train

    device_data = runtime.device_data(cfg, data, threads)
    if cfg["sharing"]["mode"] == "group":
        if manifest:
            raise WsnasError("--manifest: sharing.mode=group trains one network per group (checkpoint folders "
                             f"{checkpoints}/group00 ...); drop --manifest and use --dense-out")
        table = train_groups(cfg, device_data, checkpoints)
    else:
        loop = train(cfg, device_data, checkpoints)
        table = loop.dense_table()
        if manifest:
            manifests.write(checkpoints, manifest, history=loop.history)
        if history:
            write_history(loop, history)
    if dense:
        write_csv(table, dense)


def write_history(loop, path) -> None:
    """One row per epoch of a trained loop: learning rate, training loss and accuracy, the method's records."""
    import pandas as pd

    write_csv(pd.DataFrame(loop.history), path)


def evaluate_checkpoints(cfg: dict, data, paths: dict, output=None, threads=None):
    """Every child's score at each checkpoint ``paths`` ({epoch: file}), ranked by the method that wrote
    it (``Method.rank``); the table is written to ``output`` when given, and returned."""
    import pandas as pd

    from wsnas.config import merged
    from wsnas.training import runtime
    from wsnas.training.checkpoint import checked_method_state, load_checkpoint
    from wsnas.training.evaluate import accuracy_table
    from wsnas.methods.protocol import build

    device_data = runtime.device_data(cfg, data, threads)
    method = build(merged(cfg, train={"compile": "off"}), device_data, children_or_all())
    tables = []
    for epoch, path in sorted(paths.items()):
        state = load_checkpoint(path)
        why = f"not by config key method.name {cfg['method']['name']!r}; pass the config it was trained with"
        method.load_state_dict(checked_method_state(state, path, cfg["method"]["name"], why), path)
        acc, loss = method.rank(device_data, cfg["evaluate"])
        tables.append(accuracy_table(acc, loss, epoch=int(state["epoch"])))
        log.info("epoch %d: mean score of the 64 children %.4f", int(state["epoch"]), float(acc.mean()))
    table = pd.concat(tables)
    if output:
        write_csv(table, output)
    return table


def evaluate_subnets(cfg: dict, data, manifest, output, every: int = 1, last: int = 1, threads=None) -> None:
    """Every child at each ranked epoch (``ranked_epochs``) of a supernet's manifest (checksums checked)."""
    from wsnas.plan.runs import ranked_epochs
    from wsnas.training import manifest as manifests

    paths = manifests.read(manifest)["paths"]
    evaluate_checkpoints(cfg, data, {e: paths[e] for e in ranked_epochs(paths, every, last)}, output, threads)


def train_search(cfg: dict, data, checkpoints, manifest, dense, history, run: str, threads=None) -> None:
    """One instance of search run ``run`` (``wsnas.plan.searches``): a supernet of its method, with its
    manifest, dense table and per-epoch records; a bad option names its key under ``searches.<run>``."""
    with search_keys(run):
        train_supernet(cfg, data, checkpoints, manifest, dense, history, threads=threads)


def train_pack(cfgs: list, data, checkpoints: list, folder, instances: list, threads=None) -> None:
    """Instances ``instances`` of one run (``wsnas.plan.packs``), trained by one process with their steps
    interleaved, each network on its own CUDA stream on a GPU (``train.streams``; ``wsnas.training.streams``).
    Each has its own config and checkpoint folder, those of its own one-instance job, so each trains and
    resumes exactly as it would alone; each epoch's record notes the size of the pack that trained it
    (``pack_size``). ``folder/<instance>/`` gets its files (``INSTANCE_FILES``) and its share of the
    training seconds (``COST_FILE``)."""
    import json

    from wsnas.plan.packs import COST_FILE, INSTANCE_FILES, share_seconds
    from wsnas.training import manifest as manifests, runtime
    from wsnas.training.loop import Loop
    from wsnas.training.stacked import run_loops

    device_data = runtime.device_data(cfgs[0], data, threads)
    loops = [Loop(cfg, device_data, path) for cfg, path in zip(cfgs, checkpoints)]
    run_loops(loops, stacked=False, after_epoch=lambda loop: {"pack_size": len(loops)}, streams=len(loops))
    for instance, path, loop in zip(instances, checkpoints, loops):
        out = Path(folder) / str(instance)
        manifests.write(path, out / INSTANCE_FILES["manifest"], history=loop.history)
        write_csv(loop.dense_table(), out / INSTANCE_FILES["dense"])
        write_history(loop, out / INSTANCE_FILES["history"])
        (out / COST_FILE).write_text(json.dumps({"seconds": share_seconds(loop.history, loop.data.n_train)}))


def train_supernet_pack(cfgs: list, data, checkpoints: list, folder, instances: list, threads=None) -> None:
    """``train_pack`` for instances of one experiment of Tables 1-2 (``train_supernet`` jobs otherwise)."""
    train_pack(cfgs, data, checkpoints, folder, instances, threads)


def train_search_pack(cfgs: list, data, checkpoints: list, folder, instances: list, run: str, threads=None) -> None:
    """``train_pack`` for instances of search run ``run`` (``train_search`` jobs otherwise); a bad option
    names its key under ``searches.<run>``."""
    with search_keys(run):
        train_pack(cfgs, data, checkpoints, folder, instances, threads)


def unpacked(folder, instance, **targets) -> None:
    """Copy instance ``instance``'s files out of its pack's folder (``train_pack``): ``targets`` maps an
    ``INSTANCE_FILES`` key to the path it goes to."""
    import shutil

    from wsnas.plan.packs import INSTANCE_FILES

    for name, target in targets.items():
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(folder) / str(instance) / INSTANCE_FILES[name], target)


def unpack_supernet_instance(folder, instance, manifest) -> None:
    """One supernet instance's manifest out of its pack's folder."""
    unpacked(folder, instance, manifest=manifest)


def unpack_search_instance(folder, instance, manifest, dense, history, benchmark) -> None:
    """One search instance's files out of its pack's folder, and its measured cost where Table 5 reads
    each instance's train seconds: a benchmark table whose ``s`` is the instance's share of its packs'
    training seconds (``wsnas.plan.packs.share_seconds``), not a Snakemake benchmark of its own."""
    import json

    import pandas as pd

    from wsnas.plan.packs import COST_FILE

    unpacked(folder, instance, manifest=manifest, dense=dense, history=history)
    seconds = json.loads((Path(folder) / str(instance) / COST_FILE).read_text())["seconds"]
    hours, rest = divmod(round(seconds), 3600)
    row = pd.DataFrame({"s": [seconds], "h:m:s": [f"{hours}:{rest // 60:02d}:{rest % 60:02d}"], "source": ["pack share"]})
    Path(benchmark).parent.mkdir(parents=True, exist_ok=True)
    row.to_csv(benchmark, sep="\t", index=False)


@contextmanager
def search_keys(run: str):
    """Re-raise a bad-option error of a search run's job with the key the user wrote: ``method.X`` and
    ``train.child_order`` / ``train.epochs`` are ``searches.<run>.method.X`` and ``searches.<run>.<key>``."""
    try:
        yield
    except WsnasError as error:
        text = str(error).replace("config key method.", f"config key searches.{run}.method.")
        for key in ("child_order", "epochs"):
            text = text.replace(f"config key train.{key}", f"config key searches.{run}.{key}")
        raise WsnasError(text) from None


def evaluate_search(cfg: dict, data, manifest, output, last_only: bool, threads=None) -> None:
    """Every child of a search run's instance in ``cfg``'s BN mode, at every epoch or at the last only."""
    from wsnas.training import manifest as manifests

    paths = manifests.read(manifest)["paths"]
    evaluate_checkpoints(cfg, data, {max(paths): paths[max(paths)]} if last_only else paths, output, threads)


def search_sharing(cfg: dict, data, manifest, output, threads=None) -> None:
    """The sharing state a method learned (``sharing_table()``, offered by methods that declare ``sharing``:
    each child's copy per slot and operation) at a search instance's last epoch."""
    from wsnas.training import manifest as manifests, runtime
    from wsnas.training.checkpoint import checked_method_state, load_checkpoint
    from wsnas.methods.protocol import build

    paths = manifests.read(manifest)["paths"]
    path = paths[max(paths)]
    method = build(cfg, runtime.device_data(cfg, data, threads), children_or_all())
    why = f"not by config key method.name {cfg['method']['name']!r}; pass the config it was trained with"
    method.load_state_dict(checked_method_state(load_checkpoint(path), path, cfg["method"]["name"], why), path)
    if not type(method).declaration().sharing:
        raise WsnasError(f"config key method.name {cfg['method']['name']!r}: the method learns no sharing state")
    write_csv(method.sharing_table(), output)


def train_ground_truth(cfg: dict, data, checkpoints, output, stack: int | None = None, threads=None) -> None:
    """Children trained alone from scratch, evaluated after every epoch (child, epoch, accuracy, loss);
    ``stack`` of them at a time as one batched computation (default: ``ground_truth.stack``)."""
    stack = stack or cfg["ground_truth"]["stack"]
    from wsnas.training import runtime
    from wsnas.training.drivers import train_standalone

    write_csv(train_standalone(cfg, runtime.device_data(cfg, data, threads), checkpoints, stack=stack), output)


def retrain_child(cfg: dict, data, checkpoints, output, threads=None) -> None:
    """Final retraining: one picked child (``train.children``) alone from scratch, evaluated after every epoch
    (child, epoch, accuracy, loss), with per-epoch checkpoints as the ground truth's (``wsnas.plan.retrain``)."""
    train_ground_truth(cfg, data, checkpoints, output, stack=1, threads=threads)


def train_study(cfg: dict, data, checkpoints, output, reuse=(), threads=None) -> None:
    """One study run's instance, dense-evaluated at its end (step, trained, one column per child);
    ``reuse``: its networks that start from another job's checkpoint (``wsnas.plan.reuse.Reuse``)."""
    from wsnas.training import runtime
    from wsnas.training.drivers import train_study_run

    start_from = {r.network: (r.source.folder, r.source.fingerprint, r.start_epoch) for r in reuse}
    write_csv(train_study_run(cfg, runtime.device_data(cfg, data, threads), checkpoints, start_from), output)


def finetune(cfg: dict, data, manifest, epoch: int, steps: int, output, threads=None) -> None:
    """Figure 4: every child fine-tuned alone from the supernet snapshot of ``epoch``."""
    from wsnas.training import manifest as manifests, runtime
    from wsnas.training.checkpoint import load_checkpoint
    from wsnas.training.finetune import finetune_children

    paths = manifests.read(manifest)["paths"]
    if epoch not in paths:
        raise WsnasError(f"config key studies.finetune.snapshots: epoch {epoch} has no checkpoint in {manifest} "
                         f"(epochs 1..{max(paths)}); use snapshot epochs within train.epochs")
    device_data = runtime.device_data(cfg, data, threads)
    write_csv(finetune_children(cfg, device_data, load_checkpoint(paths[epoch]), steps, source=paths[epoch]), output)


def evaluate_file(cfg: dict, data, checkpoint, output=None, threads=None) -> None:
    """``python -m wsnas evaluate``: one checkpoint file, written to ``output`` or printed."""
    table = evaluate_checkpoints(cfg, data, {0: Path(checkpoint)}, output, threads)
    print(f"wrote {output}" if output else table.to_string(index=False))
