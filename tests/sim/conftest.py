"""Shared settings for the simulation tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Run each test on one intra-op thread, then restore the setting.

    The tensors here are small; with two OpenMP threads on a 2-core machine where another
    process holds a core, they were measured 10–30x slower than on one thread.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
