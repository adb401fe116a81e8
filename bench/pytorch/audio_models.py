"""GIM / CPC audio models in PyTorch, re-implemented from the spec (reference-spec.md §2.2-2.5).

Layout follows the authors' code: every module is encoder (strided Conv1d + ReLU, optional)
-> optional GRU autoregressor -> its own InfoNCE loss with a bias-free predictor.
Tensors between modules are [B, C, T] (channels first, as PyTorch's Conv1d wants); inside a
module z and c are [B, T, C].
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# (kernel, stride, padding) of the five CPC conv layers (§2.2).
AUDIO_CONVS = [(10, 5, 2), (8, 4, 2), (4, 2, 2), (4, 2, 2), (4, 2, 1)]
WINDOW_SAMPLES = 20480
GRU_HIDDEN = 256
PREDICTION_STEPS = 12  # K
NEGATIVE_SAMPLES = 10  # N
SUBSAMPLE_WINDOW = 128


def conv_out_len(length, kernel, stride, pad):
    return (length + 2 * pad - kernel) // stride + 1


def audio_lengths(window=WINDOW_SAMPLES):
    """Sequence length after each conv layer: 20480 -> 4095 -> 1023 -> 512 -> 257 -> 128."""
    lengths = []
    length = window
    for kernel, stride, pad in AUDIO_CONVS:
        length = conv_out_len(length, kernel, stride, pad)
        lengths.append(length)
    return lengths


class AudioInfoNCE(nn.Module):
    """InfoNCE of §2.4 with --subsample and sampling method 1.

    z: [B, L, C] targets, c: [B, L, H] contexts. Returns the mean over positions, then over k.
    """

    def __init__(self, context_dim, target_dim, steps=PREDICTION_STEPS, negatives=NEGATIVE_SAMPLES,
                 subsample=SUBSAMPLE_WINDOW, lean_negatives=False):
        super().__init__()
        self.lean_negatives = lean_negatives
        self.steps = steps
        self.negatives = negatives
        self.subsample = subsample
        self.target_dim = target_dim
        # One bias-free Linear holds all W_k: slice k of its output is W_k c_t.
        self.predictor = nn.Linear(context_dim, target_dim * steps, bias=False)

    def forward(self, z, c):
        full_z = z
        if self.subsample is not None and c.size(1) > self.subsample:
            # One random window per batch (NumPy's global RNG, as in the reference).
            begin = np.random.randint(0, c.size(1) - self.subsample)
            c = c[:, begin:begin + self.subsample, :]
            z = z[:, begin:begin + self.subsample, :]
        wc = self.predictor(c)  # [B, L, C*K]
        batch, length, channels = z.shape

        # Sampling method 1: N permutations of all rows of the *full-length* z, drawn once.
        flat = full_z.reshape(-1, channels)
        rows = flat.size(0)
        # Only the last B*(L-1) rows of each permutation are ever used. The reference gathers
        # all of them (and autograd then back-propagates through full-size slices, which
        # dominates modules 1-2); lean mode gathers just the tail: same distribution, less work.
        keep = batch * (length - 1) if self.lean_negatives else rows
        z_neg = torch.stack(
            [flat.index_select(0, torch.randperm(rows)[rows - keep:]) for _ in range(self.negatives)],
            dim=2)  # [keep, C, N]

        total = 0.0
        for k in range(1, self.steps + 1):
            z_k = z[:, k:, :].reshape(-1, channels)  # [n, C]
            wc_k = wc[:, :-k, (k - 1) * channels:k * channels].reshape(-1, channels)  # [n, C]
            n = z_k.size(0)
            pos = torch.bmm(wc_k.unsqueeze(1), z_k.unsqueeze(2)).squeeze(1)  # [n, 1]
            # The last n rows of the permuted stack are this step's negatives.
            neg = torch.bmm(wc_k.unsqueeze(1), z_neg[z_neg.size(0) - n:]).squeeze(1)  # [n, N]
            scores = torch.cat((pos, neg), dim=1)
            total = total - F.log_softmax(scores, dim=1)[:, 0].sum() / n
        return total / self.steps


class AudioModule(nn.Module):
    """Conv layers (each + ReLU), then an optional GRU, then the module's own InfoNCE."""

    def __init__(self, in_channels, channels, conv_specs, use_gru, gru_hidden=GRU_HIDDEN,
                 steps=PREDICTION_STEPS, negatives=NEGATIVE_SAMPLES, subsample=SUBSAMPLE_WINDOW,
                 lean_negatives=False):
        super().__init__()
        layers = []
        cin = in_channels
        for kernel, stride, pad in conv_specs:
            layers += [nn.Conv1d(cin, channels, kernel, stride=stride, padding=pad), nn.ReLU()]
            cin = channels
        self.encoder = nn.Sequential(*layers) if layers else None
        self.gru = nn.GRU(channels, gru_hidden, batch_first=True) if use_gru else None
        context_dim = gru_hidden if use_gru else channels
        self.loss = AudioInfoNCE(context_dim, channels, steps, negatives, subsample, lean_negatives)

    def latents(self, x):
        """x: [B, C_in, T] -> (c [B, L, H], z [B, L, C])."""
        z = self.encoder(x) if self.encoder is not None else x
        z = z.permute(0, 2, 1)
        c = self.gru(z)[0] if self.gru is not None else z  # zero initial state
        return c, z

    def forward(self, x):
        c, z = self.latents(x)
        return self.loss(z, c), c, z


class AudioModel(nn.Module):
    """--model_splits 1 (CPC: one module), 5 or 6 (GIM) of §2.3."""

    def __init__(self, splits=6, channels=512, **loss_kw):
        super().__init__()
        mods = []
        if splits == 1:
            mods.append(AudioModule(1, channels, AUDIO_CONVS, use_gru=True, **loss_kw))
        elif splits in (5, 6):
            cin = 1
            n_conv_only = 5 if splits == 6 else 4
            for spec in AUDIO_CONVS[:n_conv_only]:
                mods.append(AudioModule(cin, channels, [spec], use_gru=False, **loss_kw))
                cin = channels
            if splits == 5:
                mods.append(AudioModule(cin, channels, AUDIO_CONVS[4:], use_gru=True, **loss_kw))
            else:
                mods.append(AudioModule(cin, channels, [], use_gru=True, **loss_kw))
        else:
            raise ValueError(f"model_splits must be 1, 5 or 6, got {splits}")
        self.modules_list = nn.ModuleList(mods)

    def forward(self, x):
        """x: [B, 1, T]. Returns the per-module losses (a list of scalars)."""
        losses = []
        inp = x
        for module in self.modules_list:
            loss, _, z = module(inp)
            losses.append(loss)
            # Gradient isolation: the next module sees the detached z, never c.
            inp = z.permute(0, 2, 1).detach()
        return losses

    @torch.no_grad()
    def encode(self, x):
        """Frozen forward through every module (no losses); returns the last module's c."""
        inp = x
        c = None
        for module in self.modules_list:
            c, z = module.latents(inp)
            inp = z.permute(0, 2, 1)
        return c


def audio_forward_flops(splits, channels, batch, window=WINDOW_SAMPLES, gru_hidden=GRU_HIDDEN,
                        steps=PREDICTION_STEPS, negatives=NEGATIVE_SAMPLES,
                        subsample=SUBSAMPLE_WINDOW, with_loss=True):
    """Forward FLOPs (2 per multiply-add), analytic from the shapes; bias, ReLU, gates, softmax ignored.

    conv:      2 * B * L_out * C_out * C_in * kernel
    GRU:       2 * B * L * 3 * H * (I + H)          (input and recurrent projections)
    predictor: 2 * B * L_ctx * H_ctx * (C * K)      (L_ctx = min(L, 128) with --subsample)
    scores:    sum_k 2 * B * (L_ctx - k) * (1 + N) * C
    """
    lengths = audio_lengths(window)
    conv = []
    cin = 1
    for (kernel, _, _), length in zip(AUDIO_CONVS, lengths):
        conv.append(2 * batch * length * channels * cin * kernel)
        cin = channels
    final_len = lengths[-1]
    gru = 2 * batch * final_len * 3 * gru_hidden * (channels + gru_hidden)

    def loss_flops(length, context_dim):
        l_ctx = min(length, subsample) if subsample else length
        pred = 2 * batch * l_ctx * context_dim * channels * steps
        score = sum(2 * batch * (l_ctx - k) * (1 + negatives) * channels for k in range(1, steps + 1))
        return pred, score

    out = {"conv": sum(conv), "conv_per_layer": conv, "gru": gru, "predictor": 0, "scores": 0}
    if with_loss:
        if splits == 1:
            contexts = [(final_len, gru_hidden)]
        else:
            contexts = [(length, channels) for length in lengths[:5 if splits == 6 else 4]]
            contexts.append((final_len, gru_hidden))
        for length, cdim in contexts:
            pred, score = loss_flops(length, cdim)
            out["predictor"] += pred
            out["scores"] += score
    out["total"] = out["conv"] + out["gru"] + out["predictor"] + out["scores"]
    return out
