"""What every job shares: its log, its config as a param Snakemake does not compare, and bad input reported as one line (checkpoint folders: ``wsnas.plan.settings.checkpoint_folder``).

The functions of ``wsnas.jobs`` take plain arguments (config dicts, paths); a rule's script passes its
``snakemake.input/params/output`` to one of them through ``run``, and ``python -m wsnas`` calls the same
functions.
"""

import logging
import os
from pathlib import Path
from types import SimpleNamespace

from wsnas.errors import WsnasError

log = logging.getLogger("wsnas")


def on_pythonpath(folder) -> None:
    """Put ``folder`` (the workflow's, which holds the wsnas package) first on PYTHONPATH, so that every job's
    script imports wsnas from it in whatever environment runs the job (rules/common.smk)."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))


def runtime(cfg: dict) -> SimpleNamespace:
    """A job's whole config as a rule param that Snakemake does not compare when it decides what to rerun
    (it compares only builtin values): the settings param decides that, so changing a speed key (device,
    threads, stacking, compilation) reruns nothing; ``train.streams`` also decides how many instances one job
    trains (``wsnas.plan.packs``), so changing it reruns those jobs, which resume and train nothing."""
    return SimpleNamespace(config=cfg)


def start_logging(log_path=None) -> None:
    handlers = [logging.StreamHandler()]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="a"))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=handlers, force=True)


def run(log_files, function, **arguments):
    """Run one job: logging to the rule's log, and bad input reported as one line (exit status 1)."""
    start_logging(log_files[0] if log_files else None)
    try:
        return function(**arguments)
    except WsnasError as error:
        log.error("wsnas: error: %s", error)
        raise SystemExit(1) from None
