"""Shared settings for the figure and sweep tests."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One intra-op thread per test module (then restored; module scope, so module fixtures run under it too): the tensors are tiny, and one thread makes the
    in-process results bit-for-bit those of the one-thread pool and Dask workers they are compared with."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
