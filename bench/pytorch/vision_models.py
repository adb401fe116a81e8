"""GIM / CPC vision models in PyTorch, re-implemented from the spec (reference-spec.md §3).

64x64 grayscale crops -> 7x7 grid of 16x16 patches (stride 8); every patch goes alone through a
pre-activation bottleneck ResNet without BatchNorm ([3,4,6] blocks, planes [64,128,256]).
After each module the per-patch map is average-pooled and laid out as a [B, C, 7, 7] grid on
which the module's InfoNCE is computed; the next module gets the un-pooled map, detached.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE_SIZE = 64
PATCH = 16
PATCH_STRIDE = 8
GRID = (IMAGE_SIZE - PATCH) // PATCH_STRIDE + 1  # 7
BLOCKS = [3, 4, 6]
PLANES = [64, 128, 256]
EXPANSION = 4
PREDICTION_STEPS = 5  # K
NEGATIVE_SAMPLES = 16  # N
SKIP = 1  # row r predicts row r + k + 1


class Bottleneck(nn.Module):
    """Pre-activation bottleneck, no BN, every conv with bias, no activation after the sum."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        out = planes * EXPANSION
        self.conv1 = nn.Conv2d(in_planes, planes, 1)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1)
        self.conv3 = nn.Conv2d(planes, out, 1)
        self.shortcut = nn.Conv2d(in_planes, out, 1, stride=stride) \
            if stride != 1 or in_planes != out else None

    def forward(self, x):
        a = F.relu(x)
        # The projection shortcut sees the activated input, the identity the raw one.
        short = self.shortcut(a) if self.shortcut is not None else x
        out = self.conv3(F.relu(self.conv2(F.relu(self.conv1(a)))))
        return out + short


class VisionInfoNCE(nn.Module):
    """InfoNCE on the pooled grid (§3.4). z, c: [B, C, 7, 7]. W_k acts on the targets."""

    def __init__(self, channels, steps=PREDICTION_STEPS, negatives=NEGATIVE_SAMPLES):
        super().__init__()
        self.steps = steps
        self.negatives = negatives
        self.w = nn.ModuleList(nn.Conv2d(channels, channels, 1, bias=False) for _ in range(steps))

    def forward(self, z, c):
        total = 0.0
        for k in range(1, self.steps + 1):
            off = k + SKIP
            target = self.w[k - 1](z[:, :, off:, :]).permute(2, 3, 0, 1)  # [y, x, B, C]
            y, x, b, ch = target.shape
            flat = target.reshape(-1, ch)
            # N negatives per positive, uniform with replacement over all targets of this k.
            idx = torch.randint(flat.size(0), (flat.size(0) * self.negatives,))
            neg = flat.index_select(0, idx).view(y, x, b, self.negatives, ch).permute(0, 1, 2, 4, 3)
            ctx = c[:, :, :-off, :].permute(2, 3, 0, 1).unsqueeze(-2)  # [y, x, B, 1, C]
            pos = torch.matmul(ctx, target.unsqueeze(-1)).squeeze(-2)  # [y, x, B, 1]
            negs = torch.matmul(ctx, neg).squeeze(-2)  # [y, x, B, N]
            prob = torch.softmax(torch.cat((pos, negs), dim=-1), dim=-1)
            # softmax then log(p + 1e-11), as the reference (caps a term at ~25.3).
            total = total - torch.log(prob[..., 0] + 1e-11).mean()
        return total / self.steps


class VisionModule(nn.Module):
    """One GIM vision module: (stem +) a stage of bottlenecks, plus its own InfoNCE."""

    def __init__(self, index, in_planes, planes_list, blocks_list, in_channels=1, with_loss=True):
        super().__init__()
        layers = []
        if index == 0:
            layers.append(nn.Conv2d(in_channels, PLANES[0], 5, stride=1, padding=2))
            in_planes = PLANES[0]
        stride = 1 if index == 0 else 2
        for planes, blocks in zip(planes_list, blocks_list):
            for i in range(blocks):
                layers.append(Bottleneck(in_planes, planes, stride if i == 0 else 1))
                in_planes = planes * EXPANSION
            stride = 2
        self.body = nn.Sequential(*layers)
        self.index = index
        self.out_channels = in_planes
        self.loss = VisionInfoNCE(in_planes) if with_loss else None

    def forward(self, x):
        """x: [B,1,64,64] for module 0, else [B*49, C, h, w]. Returns (pooled grid, map)."""
        if self.index == 0:
            b = x.size(0)
            # [B, C, 7, 7, 16, 16] -> [B, 7, 7, C, 16, 16] -> [B*49, C, 16, 16] (image, row, col)
            x = x.unfold(2, PATCH, PATCH_STRIDE).unfold(3, PATCH, PATCH_STRIDE)
            x = x.permute(0, 2, 3, 1, 4, 5).reshape(b * GRID * GRID, x.size(1), PATCH, PATCH)
        z = self.body(x)
        pooled = F.adaptive_avg_pool2d(z, 1).reshape(-1, GRID, GRID, z.size(1)).permute(0, 3, 1, 2)
        return pooled, z


class MaskedConv2d(nn.Conv2d):
    """Conv whose kernel rows below the centre are zero ("only_vert" mask of the reference)."""

    def __init__(self, cin, cout, kernel):
        super().__init__(cin, cout, kernel, padding=(kernel[0] // 2, kernel[1] // 2))
        mask = torch.ones_like(self.weight)
        mask[:, :, kernel[0] // 2 + 1:, :] = 0.0
        self.register_buffer("mask", mask)

    def forward(self, x):
        # The reference overwrites weight.data with weight*mask each call; multiplying in the
        # graph gives the same forward and keeps masked weights at zero gradient.
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class GatedLayer(nn.Module):
    """PixelCNN gated layer (§3.5), C -> C with gates on 2C channels."""

    def __init__(self, channels, primary):
        super().__init__()
        c2 = 2 * channels
        self.channels = channels
        self.primary = primary
        self.vertical = MaskedConv2d(channels, c2, (3, 3))
        self.v_to_h = nn.Conv2d(c2, c2, 1)
        self.horizontal = MaskedConv2d(channels, c2, (1, 3))  # a 1-row kernel: nothing masked
        self.res_vertical = None if primary else nn.Conv2d(channels, c2, 1)
        self.h_out = nn.Conv2d(channels, channels, 1)

    def gate(self, x):
        return torch.tanh(x[:, :self.channels]) * torch.sigmoid(x[:, self.channels:])

    def forward(self, v, h):
        hp = self.horizontal(h)
        vp = self.vertical(v)
        v2h = self.v_to_h(vp)
        if self.res_vertical is not None:
            vp = vp + self.res_vertical(v)
        hp = hp + v2h
        h_new = self.h_out(self.gate(hp))
        return self.gate(vp), (h_new if self.primary else h + h_new)


class PixelCNN(nn.Module):
    """4 gated layers (1 primary, 3 secondary) + 1x1 output conv; own InfoNCE(z=h, c=out)."""

    def __init__(self, channels, layers=4):
        super().__init__()
        self.layers = nn.ModuleList(GatedLayer(channels, i == 0) for i in range(layers))
        self.out = nn.Conv2d(channels, channels, 1)
        self.loss = VisionInfoNCE(channels)

    def forward(self, grid):
        v, h = grid, grid
        for layer in self.layers:
            v, h = layer(v, h)
        c = self.out(h)
        return self.loss(grid, c), c


class VisionModel(nn.Module):
    """splits 3: GIM with three modules; splits 1: CPC = one module + PixelCNN."""

    def __init__(self, splits=3, in_channels=1):
        super().__init__()
        if splits == 3:
            ins = [PLANES[0], PLANES[0] * EXPANSION, PLANES[1] * EXPANSION]
            self.encoder = nn.ModuleList(
                VisionModule(i, ins[i], [PLANES[i]], [BLOCKS[i]], in_channels) for i in range(3))
            self.pixelcnn = None
        elif splits == 1:
            # The encoder's own loss exists in the reference but is never computed.
            self.encoder = nn.ModuleList([VisionModule(0, PLANES[0], PLANES, BLOCKS, in_channels,
                                                       with_loss=False)])
            self.pixelcnn = PixelCNN(self.encoder[0].out_channels)
        else:
            raise ValueError(f"vision model_splits must be 1 or 3, got {splits}")

    def forward(self, x):
        losses = []
        inp = x
        pooled = None
        for module in self.encoder:
            pooled, z = module(inp)
            if module.loss is not None:
                losses.append(module.loss(pooled, pooled))
            inp = z.detach()  # gradient isolation between modules
        if self.pixelcnn is not None:
            loss, _ = self.pixelcnn(pooled)  # not detached: CPC trains end to end
            losses.append(loss)
        return losses
