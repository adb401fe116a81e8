"""Analytic forward FLOP counts for the vision workloads (2 FLOPs per multiply-add).

Counted: every conv (dense kernel, masked PixelCNN taps included, because they are computed),
W_k, and the score matmuls. Not counted: biases, ReLU, pooling, softmax, gates, gathers.
The audio counts live next to the audio model (audio_models.audio_forward_flops).
"""
from vision_models import (BLOCKS, EXPANSION, GRID, NEGATIVE_SAMPLES, PATCH, PLANES,
                           PREDICTION_STEPS, SKIP)


def conv2d(n, cin, cout, kh, kw, hout, wout):
    return 2 * n * hout * wout * cout * cin * kh * kw


def bottleneck_stage(n, in_planes, planes, blocks, stride, size):
    """FLOPs of one stage of bottlenecks on n maps of size x size; returns (flops, out_planes, out_size)."""
    total = 0
    for i in range(blocks):
        s = stride if i == 0 else 1
        out_size = (size + 2 - 3) // s + 1
        out = planes * EXPANSION
        total += conv2d(n, in_planes, planes, 1, 1, size, size)
        total += conv2d(n, planes, planes, 3, 3, out_size, out_size)
        total += conv2d(n, planes, out, 1, 1, out_size, out_size)
        if s != 1 or in_planes != out:
            total += conv2d(n, in_planes, out, 1, 1, out_size, out_size)
        in_planes, size = out, out_size
    return total, in_planes, size


def vision_infonce(batch, channels, steps=PREDICTION_STEPS, negatives=NEGATIVE_SAMPLES):
    """W_k on the target rows: sum_k 2*B*rows_k*7*C*C; scores: sum_k 2*B*rows_k*7*(1+N)*C,
    with rows_k = 7 - k - 1 (skip one row)."""
    wk = scores = 0
    for k in range(1, steps + 1):
        positions = batch * (GRID - k - SKIP) * GRID
        wk += 2 * positions * channels * channels
        scores += 2 * positions * (1 + negatives) * channels
    return wk, scores


def pixelcnn(batch, channels, layers=4):
    """Gated PixelCNN on the 7x7 grid: vertical 3x3 (C->2C), horizontal 1x3 (C->2C),
    v_to_h 1x1 (2C->2C), residual vertical 1x1 (C->2C, secondary layers), h_out 1x1 (C->C),
    then the 1x1 output conv (C->C)."""
    c, c2, g = channels, 2 * channels, GRID
    total = 0
    for i in range(layers):
        total += conv2d(batch, c, c2, 3, 3, g, g) + conv2d(batch, c, c2, 1, 3, g, g)
        total += conv2d(batch, c2, c2, 1, 1, g, g) + conv2d(batch, c, c, 1, 1, g, g)
        if i > 0:
            total += conv2d(batch, c, c2, 1, 1, g, g)
    return total + conv2d(batch, c, c, 1, 1, g, g)


def vision_forward_flops(splits, batch, in_channels=1):
    n = batch * GRID * GRID  # patches
    per_module = []
    size = PATCH
    enc = conv2d(n, in_channels, PLANES[0], 5, 5, size, size)
    in_planes = PLANES[0]
    for i, (planes, blocks) in enumerate(zip(PLANES, BLOCKS)):
        f, in_planes, size = bottleneck_stage(n, in_planes, planes, blocks, 1 if i == 0 else 2, size)
        per_module.append(enc + f)
        enc = 0
    out = {"encoder": sum(per_module), "encoder_per_stage": per_module, "wk": 0, "scores": 0,
           "pixelcnn": 0}
    if splits == 3:
        for planes in PLANES:
            wk, sc = vision_infonce(batch, planes * EXPANSION)
            out["wk"] += wk
            out["scores"] += sc
    else:
        c = PLANES[-1] * EXPANSION
        out["pixelcnn"] = pixelcnn(batch, c)
        out["wk"], out["scores"] = vision_infonce(batch, c)
    out["total"] = out["encoder"] + out["wk"] + out["scores"] + out["pixelcnn"]
    return out
