import shutil

import pytest
import torch

from tests.helpers import FIRST_TABLES, snakemake, tiny_config
from wsnas.data.datasets import prepare
from wsnas.data.device_data import DeviceData


@pytest.fixture(scope="session")
def tiny_cfg():
    return tiny_config()


@pytest.fixture(scope="session")
def tiny_prepared(tiny_cfg):
    return prepare(tiny_cfg["data"])


@pytest.fixture()
def tiny_data(tiny_cfg, tiny_prepared):
    return DeviceData(tiny_prepared, tiny_cfg["data"], "cpu", channels_last=True)


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)


@pytest.fixture()
def double_data(tiny_cfg, tiny_prepared):
    """Training is chaotic: float32 rounding differences (even NCHW vs channels_last of the same path)
    grow to 1e-2 in 20 steps. In float64 they stay ~1e-10, so equality checks the algorithm itself."""
    torch.set_default_dtype(torch.float64)
    data = DeviceData(tiny_prepared, tiny_cfg["data"], "cpu", channels_last=True)
    for name in ("train_x", "mean", "std", "test_x"):
        setattr(data, name, getattr(data, name).double())
    yield data
    torch.set_default_dtype(torch.float32)


@pytest.fixture(scope="session")
def first_tables(tmp_path_factory):
    """``FIRST_TABLES`` built by Snakemake on config/test.yaml: what the SLURM run is compared with, and
    where the whole-DAG run starts (read only: copy it to build more)."""
    work = tmp_path_factory.mktemp("first_tables")
    snakemake(work, *FIRST_TABLES)
    return work


@pytest.fixture(scope="session")
def demo_run(first_tables, tmp_path_factory):
    """The whole DAG (``all``) on config/test.yaml: a copy of ``first_tables`` (mtimes and Snakemake's
    records kept, so none of its jobs reruns) built on to the end."""
    workdir = tmp_path_factory.mktemp("dag") / "run"
    shutil.copytree(first_tables, workdir, symlinks=True)
    snakemake(workdir, "all")
    return workdir
