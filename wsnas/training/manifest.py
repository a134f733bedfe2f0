"""A small record of what a training job produced: epochs, checkpoint files and their checksums.

The checkpoints themselves live in a folder that is not a declared Snakemake output (Snakemake deletes a
failed job's outputs, which would throw away the epochs a preempted job could resume from); the rule
declares only this manifest, written last.
"""

import json
from pathlib import Path

from wsnas.training.checkpoint import epoch_files
from wsnas.data.datasets import md5sum
from wsnas.errors import WsnasError


def write(checkpoint_dir, path, **extra) -> dict:
    files = epoch_files(checkpoint_dir)
    if not files:
        raise WsnasError(f"no checkpoints in {checkpoint_dir}; the training job produced nothing")
    record = {
        "checkpoint_dir": str(checkpoint_dir),
        "epochs": list(files),
        "files": {str(e): p.name for e, p in files.items()},
        "md5": {str(e): md5sum(p) for e, p in files.items()},
        **extra,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(path)
    return record


def read(path) -> dict:
    """Read a manifest and check that each listed checkpoint still has its recorded checksum."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
        folder = Path(record["checkpoint_dir"])
        checks = [(int(e), folder / name, record["md5"][e]) for e, name in record["files"].items()]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise WsnasError(f"manifest {path} is unreadable ({type(e).__name__}); delete it and rerun its training job") from None
    for _, file, md5 in checks:
        if not file.is_file() or md5sum(file) != md5:
            raise WsnasError(f"checkpoint {file} listed in {path} is missing or changed; delete {path} and rerun its training job (it resumes)")
    record["paths"] = {e: f for e, f, _ in checks}
    return record
