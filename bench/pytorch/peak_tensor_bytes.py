"""Peak bytes held by live tensors during one call of a step function, the CPU analogue of
torch.cuda.max_memory_allocated (PyTorch 1.13 keeps no such statistic for the CPU allocator).

Bytes live at the start (every tensor the garbage collector can see, parameters' gradients and
optimizer state included, each storage counted once) plus the highest running sum of the
profiler's allocation records during the call. It measures the same thing as the TypeScript
side's distinct-buffer peak: tensor data only, no allocator slack, no oneDNN scratch.
"""
import gc

import torch
from torch._C._profiler import _ExperimentalConfig
from torch.autograd import (ProfilerActivity, ProfilerConfig, ProfilerState, _disable_profiler,
                            _enable_profiler, _prepare_profiler)


def live_tensor_bytes():
    storages = {}
    for obj in gc.get_objects():
        try:
            tensors = [obj] if torch.is_tensor(obj) else []
            if isinstance(obj, torch.nn.Parameter) and obj.grad is not None:
                tensors.append(obj.grad)
            for t in tensors:
                storage = t.storage()
                storages[storage.data_ptr()] = storage.nbytes()
        except Exception:  # objects that half-exist during teardown; not tensors we hold
            pass
    return sum(storages.values())


def peak_tensor_bytes(step):
    gc.collect()
    at_start = live_tensor_bytes()
    # The raw profiler, not torch.profiler.profile: that one matches every allocation record to
    # every operator on exit (quadratic; it ran for over 20 minutes on an audio GIM step) and
    # folds allocations inside an operator into its net usage, which hides transient peaks.
    config = ProfilerConfig(ProfilerState.KINETO, False, True, False, False, False,
                            _ExperimentalConfig())
    activities = {ProfilerActivity.CPU}
    _prepare_profiler(config, activities)
    _enable_profiler(config, activities)
    try:
        step()
    finally:
        result = _disable_profiler()
    records = [e for e in result.events() if e.name() == "[memory]"]
    running = peak = 0
    for record in sorted(records, key=lambda e: e.start_us()):
        running += record.nbytes()
        peak = max(peak, running)
    return at_start + peak
