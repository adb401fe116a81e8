"""Peak bytes held by live tensors during one call of a step function, the CPU analogue of
torch.cuda.max_memory_allocated (PyTorch 1.13 keeps no such statistic for the CPU allocator).

Bytes live at the start (every tensor the garbage collector can see, parameters' gradients and
optimizer state included, each storage counted once) plus the highest running sum of the
profiler's allocation records during the call. It measures the same thing as TF.js's
tf.profile(...).peakBytes on the TypeScript side: tensor data only, no allocator slack, no
oneDNN scratch.
"""
import gc

import torch
from torch.profiler import ProfilerActivity, profile


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
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    # The raw allocation (+bytes) and free (-bytes) records, in time order. prof.events() folds
    # the ones inside an operator into that operator's net usage, which hides transient peaks.
    records = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    running = peak = 0
    for record in sorted(records, key=lambda e: e.start_us()):
        running += record.nbytes()
        peak = max(peak, running)
    return at_start + peak
