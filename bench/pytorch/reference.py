#!/usr/bin/env python3
"""PyTorch reference workloads for the gim benchmark suite.

  python3 bench/pytorch/reference.py --workload audio-gim --threads 2 --steps 5 --warmup 2 --json
  python3 bench/pytorch/reference.py --check

Prints one JSON line per run (see README.md for the fields). Everything is seeded (seed 2, as
the reference), inputs are synthetic standard-normal tensors: timings do not depend on values.
"""
import argparse
import json
import os
import random
import resource
import statistics
import sys
import time

import numpy as np
import torch

from peak_tensor_bytes import peak_tensor_bytes
import audio_models as am
import vision_models as vm
from flops import vision_forward_flops

WORKLOADS = ["audio-gim", "audio-gim-128", "audio-cpc", "vision-gim", "vision-cpc", "infonce",
             "inference", "sgemm"]
SEED = 2
# Side of the square fp32 matrix product that measures the machine's peak (both sides use it).
SGEMM_SIZE = 3072


def seed_everything(seed=SEED):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def count(params):
    return sum(p.numel() for p in params)


def audio_module_info(model, channels, batch, lean):
    lengths = am.audio_lengths()
    info = []
    conv_idx = 0
    for i, m in enumerate(model.modules_list):
        n_conv = 0 if m.encoder is None else len([l for l in m.encoder if isinstance(l, torch.nn.Conv1d)])
        conv_idx += n_conv
        length = lengths[conv_idx - 1]
        cdim = am.GRU_HIDDEN if m.gru is not None else channels
        l_ctx = min(length, am.SUBSAMPLE_WINDOW)
        info.append({
            "module": i + 1,
            "params_encoder": 0 if m.encoder is None else count(m.encoder.parameters()),
            "params_gru": 0 if m.gru is None else count(m.gru.parameters()),
            "params_predictor": count(m.loss.parameters()),
            "z_shape": [batch, length, channels],
            "c_shape": [batch, length, cdim],
            "context_window": l_ctx,
            "negative_pool_rows": batch * length,
            "negative_rows_gathered": batch * (l_ctx - 1) if lean else batch * length,
        })
    return info


def make_audio(workload, batch, lean=False):
    channels = 128 if workload == "audio-gim-128" else 512
    splits = 1 if workload == "audio-cpc" else 6
    model = am.AudioModel(splits, channels, lean_negatives=lean)
    x = torch.randn(batch, 1, am.WINDOW_SAMPLES)
    flops = am.audio_forward_flops(splits, channels, batch, with_loss=workload != "inference")
    meta = {
        "input_shape": list(x.shape), "channels": channels, "model_splits": splits,
        "modules": audio_module_info(model, channels, batch, lean),
        "prediction_steps": am.PREDICTION_STEPS, "negative_samples": am.NEGATIVE_SAMPLES,
        "sampling_method": 1, "subsample_window": am.SUBSAMPLE_WINDOW, "lean_negatives": lean,
        "positives_per_step": [batch * (am.SUBSAMPLE_WINDOW - k) for k in range(1, am.PREDICTION_STEPS + 1)],
    }
    return model, x, flops, meta


def make_vision(workload, batch):
    splits = 3 if workload == "vision-gim" else 1
    model = vm.VisionModel(splits)
    x = torch.randn(batch, 1, vm.IMAGE_SIZE, vm.IMAGE_SIZE)
    flops = vision_forward_flops(splits, batch)
    modules = []
    size = vm.PATCH
    for i, m in enumerate(model.encoder):
        if i > 0 or splits == 1:
            size = size // 2 ** (1 if splits == 3 else 2)
        modules.append({"module": i + 1, "params_encoder": count(m.body.parameters()),
                        "params_wk": 0 if m.loss is None else count(m.loss.parameters()),
                        "patch_map": [batch * vm.GRID ** 2, m.out_channels, size, size],
                        "grid": [batch, m.out_channels, vm.GRID, vm.GRID]})
    if model.pixelcnn is not None:
        modules.append({"module": "pixelcnn", "params": count(model.pixelcnn.layers.parameters())
                        + count(model.pixelcnn.out.parameters()),
                        "params_wk": count(model.pixelcnn.loss.parameters())})
    meta = {
        "input_shape": list(x.shape), "patches": batch * vm.GRID ** 2, "model_splits": splits,
        "modules": modules, "prediction_steps": vm.PREDICTION_STEPS,
        "negative_samples": vm.NEGATIVE_SAMPLES, "skip_rows": vm.SKIP,
        "positives_per_step": [batch * (vm.GRID - k - vm.SKIP) * vm.GRID
                               for k in range(1, vm.PREDICTION_STEPS + 1)],
    }
    return model, x, flops, meta


def timed_steps(step, steps, warmup):
    times, values = [], []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        value = step()
        dt = time.perf_counter() - t0
        if i >= warmup:
            times.append(dt)
        values.append(value)
    return times, values


def run_workload(workload, batch, steps, warmup, lean=False):
    seed_everything()
    if workload == "infonce":
        loss_fn = am.AudioInfoNCE(512, 512, lean_negatives=lean)
        z = torch.randn(batch, am.SUBSAMPLE_WINDOW, 512, requires_grad=True)
        c = torch.randn(batch, am.SUBSAMPLE_WINDOW, 512, requires_grad=True)
        flops = {"predictor": 2 * batch * am.SUBSAMPLE_WINDOW * 512 * 512 * am.PREDICTION_STEPS,
                 "scores": sum(2 * batch * (am.SUBSAMPLE_WINDOW - k) * (1 + am.NEGATIVE_SAMPLES) * 512
                               for k in range(1, am.PREDICTION_STEPS + 1))}
        flops["total"] = flops["predictor"] + flops["scores"]
        meta = {"input_shape": {"z": list(z.shape), "c": list(c.shape)},
                "params_predictor": count(loss_fn.parameters()),
                "prediction_steps": am.PREDICTION_STEPS, "negative_samples": am.NEGATIVE_SAMPLES,
                "sampling_method": 1,
                "positives_per_step": [batch * (am.SUBSAMPLE_WINDOW - k) for k in range(1, am.PREDICTION_STEPS + 1)]}

        def step():
            loss_fn.zero_grad(set_to_none=True)
            z.grad = c.grad = None
            loss = loss_fn(z, c)
            loss.backward()  # into z, c and the predictor
            return [loss.item()]
    elif workload == "sgemm":
        # The machine's fp32 peak, as a large square matrix product reaches it (issue 13: our
        # GFLOP/s are quoted as a fraction of this). `batch` is unused.
        n = SGEMM_SIZE
        a, b = torch.randn(n, n), torch.randn(n, n)
        flops, meta = {"total": 2 * n ** 3}, {"matrix_size": n}

        def step():
            return [float(torch.mm(a, b)[0, 0])]
    elif workload == "inference":
        model, x, flops, meta = make_audio(workload, batch, lean)
        model.eval()

        def step():
            return [float(model.encode(x).mean())]
    else:
        if workload.startswith("vision"):
            model, x, flops, meta = make_vision(workload, batch)
        else:
            model, x, flops, meta = make_audio(workload, batch, lean)
        # One Adam over all parameters (PR #18): the detaches keep the modules independent.
        opt = torch.optim.Adam(model.parameters(), lr=2e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            losses = model(x)
            sum(losses).backward()
            opt.step()
            return [l.item() for l in losses]

    load_before = os.getloadavg()[0]
    times, values = timed_steps(step, steps, warmup)
    # Peak RSS before the profiled step below, whose event records would add to it.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_tensor = peak_tensor_bytes(step)
    median = statistics.median(times)
    fwd = flops["total"]
    # Training step ~ 3x forward (forward + grads wrt inputs and weights); inference = forward.
    step_flops = fwd if workload in ("inference", "sgemm") else 3 * fwd
    out = {"workload": workload, "threads": torch.get_num_threads(), "batch": batch, **meta,
           "flops_forward": flops, "fwd_gflop": fwd / 1e9, "step_gflop_est": step_flops / 1e9,
           "median_s": median, "step_s": times, "gflop_per_s": step_flops / 1e9 / median,
           "losses_first_step": values[0], "losses_last_step": values[-1],
           "peak_rss_mib": peak_rss_mib, "peak_tensor_mib": peak_tensor / 2 ** 20,
           "torch": torch.__version__, "seed": SEED, "warmup": warmup, "steps": steps,
           # The 1-minute load average before and after: the timings are only as quiet as the host.
           "loadavg_1m": [load_before, os.getloadavg()[0]], "cpus": os.cpu_count()}
    if workload == "inference":
        out["windows_per_s"] = batch / median
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=WORKLOADS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None,
                        help="images for vision-* (default 32), sequences otherwise (default 8)")
    parser.add_argument("--json", action="store_true", help="print one JSON line (default: a summary)")
    parser.add_argument("--lean-negatives", action="store_true",
                        help="audio: gather only the used tail rows of each negative permutation")
    parser.add_argument("--check", action="store_true", help="check parameter counts and shapes")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.check:
        from check import run_checks
        return 0 if run_checks() else 1
    if args.workload is None:
        parser.error("--workload or --check is required")
    batch = args.batch or (32 if args.workload.startswith("vision") else 8)
    result = run_workload(args.workload, batch, args.steps, args.warmup, args.lean_negatives)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['workload']}: batch {batch}, {result['threads']} threads, "
              f"median {result['median_s']:.3f} s/step, fwd {result['fwd_gflop']:.1f} GFLOP, "
              f"{result['gflop_per_s']:.1f} GFLOP/s, peak RSS {result['peak_rss_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
