"""--check: parameter counts and shapes against the spec, gradient isolation, and the analytic
FLOP formulas against a count taken with forward hooks on every Conv/Linear layer."""
import math

import numpy as np
import torch
import torch.nn as nn

import audio_models as am
import vision_models as vm
from flops import vision_forward_flops

# Expected values from reference-spec.md §2.2 and §3.3.
AUDIO_CONV_PARAMS = [5_632, 2_097_664, 1_049_088, 1_049_088, 1_049_088]
GRU_PARAMS = 591_360
PRED_CONV = 3_145_728
PRED_GRU = 1_572_864
VISION_PARAMS = [216_064, 1_216_000, 7_088_128]
VISION_CHANNELS = [256, 512, 1024]


class Checker:
    def __init__(self):
        self.failures = 0

    def eq(self, label, got, want):
        ok = got == want
        self.failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {got}" + ("" if ok else f" (expected {want})"))


def count(module):
    return sum(p.numel() for p in module.parameters())


def hook_flops(model, run):
    """2 * output elements * (C_in/groups * kernel area) for every Conv and Linear called."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Linear):
            total[0] += 2 * out.numel() * mod.in_features
        else:
            total[0] += 2 * out.numel() * mod.weight[0].numel()

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        run()
    for h in handles:
        h.remove()
    return total[0]


def check_audio(ck):
    torch.manual_seed(2)
    gim = am.AudioModel(6, 512)
    mods = gim.modules_list
    for i in range(5):
        ck.eq(f"audio split6 module {i + 1} conv params", count(mods[i].encoder), AUDIO_CONV_PARAMS[i])
        ck.eq(f"audio split6 module {i + 1} predictor params", count(mods[i].loss), PRED_CONV)
    ck.eq("audio split6 module 6 GRU params", count(mods[5].gru), GRU_PARAMS)
    ck.eq("audio split6 module 6 predictor params", count(mods[5].loss), PRED_GRU)
    cpc = am.AudioModel(1, 512)
    ck.eq("audio split1 encoder params", count(cpc.modules_list[0].encoder), sum(AUDIO_CONV_PARAMS))
    ck.eq("audio split1 predictor params", count(cpc.modules_list[0].loss), PRED_GRU)

    batch = 2
    x = torch.randn(batch, 1, am.WINDOW_SAMPLES)
    lengths = []
    inp = x
    with torch.no_grad():
        for m in mods:
            c, z = m.latents(inp)
            lengths.append(z.size(1))
            inp = z.permute(0, 2, 1)
    ck.eq("audio lengths per module", lengths, [4095, 1023, 512, 257, 128, 128])
    ck.eq("audio GRU context shape", list(c.shape), [batch, 128, 256])

    # Gradient isolation: module m's loss alone leaves every lower module without gradients.
    losses = gim(x)
    losses[3].backward()
    lower = [p.grad is None for m in mods[:3] for p in m.parameters()]
    ck.eq("audio isolation: modules 1-3 have no grad after module 4's loss", all(lower), True)
    own = [p.grad is not None for p in mods[3].parameters()]
    ck.eq("audio isolation: module 4 has grads", all(own), True)
    # Closed form: with W = 0 every score is 0, so each loss is exactly ln(1 + N).
    with torch.no_grad():
        for m in mods:
            m.loss.predictor.weight.zero_()
        zero_losses = [l.item() for l in gim(x)]
    ck.eq("audio losses with zero predictors = ln(11)",
          [round(l, 5) for l in zero_losses], [round(math.log(11), 5)] * 6)

    # Lean negatives take the same permutation tails, so with equal seeds loss and grads match.
    zz = torch.randn(batch, 1023, 64, requires_grad=True)
    results = []
    for lean in (False, True):
        torch.manual_seed(5)
        np.random.seed(5)
        fn = am.AudioInfoNCE(64, 64, lean_negatives=lean)
        zz.grad = None
        loss = fn(zz, zz)
        loss.backward()
        results.append((loss.item(), zz.grad.clone()))
    ck.eq("audio lean negatives: same loss and grads as the full gather",
          abs(results[0][0] - results[1][0]) < 1e-6 and torch.allclose(results[0][1], results[1][1], atol=1e-7), True)

    for splits, channels in [(6, 512), (6, 128), (1, 512)]:
        model = am.AudioModel(splits, channels)
        analytic = am.audio_forward_flops(splits, channels, batch)
        hooked = hook_flops(model, lambda: model(x))
        ck.eq(f"audio split{splits}/{channels}ch conv+predictor FLOPs (hooks vs formula)",
              hooked, analytic["conv"] + analytic["predictor"])
    ck.eq("audio512 batch 8 conv+GRU forward GFLOP (backend-bench says 50.9)",
          round((lambda f: (f["conv"] + f["gru"]) / 1e9)(am.audio_forward_flops(6, 512, 8)), 1), 50.9)


def check_vision(ck):
    torch.manual_seed(2)
    gim = vm.VisionModel(3)
    for i, m in enumerate(gim.encoder):
        ck.eq(f"vision module {i} params", count(m.body), VISION_PARAMS[i])
        ck.eq(f"vision module {i} W_k params (5*C^2)", count(m.loss), 5 * VISION_CHANNELS[i] ** 2)
    batch = 2
    x = torch.randn(batch, 1, vm.IMAGE_SIZE, vm.IMAGE_SIZE)
    inp = x
    with torch.no_grad():
        for i, m in enumerate(gim.encoder):
            pooled, z = m(inp)
            ck.eq(f"vision module {i} patch map", list(z.shape),
                  [batch * 49, VISION_CHANNELS[i], 16 >> i, 16 >> i])
            ck.eq(f"vision module {i} pooled grid", list(pooled.shape), [batch, VISION_CHANNELS[i], 7, 7])
            inp = z
    ck.eq("vision positives per k per image",
          [(vm.GRID - k - vm.SKIP) * vm.GRID for k in range(1, 6)], [35, 28, 21, 14, 7])
    losses = gim(x)
    losses[2].backward()
    ck.eq("vision isolation: modules 0-1 have no grad after module 2's loss",
          all(p.grad is None for m in gim.encoder[:2] for p in m.parameters()), True)
    with torch.no_grad():
        for m in gim.encoder:
            for w in m.loss.w:
                w.weight.zero_()
        zero_losses = [l.item() for l in gim(x)]
    ck.eq("vision losses with zero W_k = -ln(1/17 + 1e-11)",
          [round(l, 5) for l in zero_losses], [round(-math.log(1 / 17 + 1e-11), 5)] * 3)
    analytic = vision_forward_flops(3, batch)
    hooked = hook_flops(gim, lambda: gim(x))
    ck.eq("vision GIM encoder+W_k FLOPs (hooks vs formula)", hooked, analytic["encoder"] + analytic["wk"])

    cpc = vm.VisionModel(1)
    ck.eq("vision CPC encoder params", count(cpc.encoder[0].body), sum(VISION_PARAMS))
    analytic = vision_forward_flops(1, batch)
    hooked = hook_flops(cpc, lambda: cpc(x))
    ck.eq("vision CPC encoder+PixelCNN+W_k FLOPs (hooks vs formula)", hooked,
          analytic["encoder"] + analytic["pixelcnn"] + analytic["wk"])
    # PixelCNN causality: a change in grid row r must not move the output above row r.
    pix = cpc.pixelcnn
    with torch.no_grad():
        g = torch.randn(1, 1024, 7, 7)
        g2 = g.clone()
        g2[:, :, 4, :] += 1.0
        v, h = g, g
        v2, h2 = g2, g2
        for layer in pix.layers:
            v, h = layer(v, h)
            v2, h2 = layer(v2, h2)
        same_above = torch.allclose(pix.out(h)[:, :, :4], pix.out(h2)[:, :, :4])
    ck.eq("PixelCNN: rows above a change are unaffected", same_above, True)
    c, c2 = 1024, 2048
    per_layer = (c * c2 * 9 + c2) + (c2 * c2 + c2) + (c * c2 * 3 + c2) + (c * c + c)
    want = 4 * per_layer + 3 * (c * c2 + c2) + (c * c + c)
    ck.eq("PixelCNN params (4 gated layers + out conv, C=1024)", count(pix.layers) + count(pix.out), want)


def run_checks():
    ck = Checker()
    check_audio(ck)
    check_vision(ck)
    print(f"{ck.failures} failure(s)")
    return ck.failures == 0
