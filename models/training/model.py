"""USE-Net: a U-Net whose encoder is an SE-ResNet, with a nucleus-mask head and a
shape-marker head.

Architecture after Rahmon et al., "USE-Net: ... nuclei segmentation", AIPR 2021
(DOI 10.1109/AIPR52630.2021.9762086): SE-ResNet encoder (He et al. 2016,
DOI 10.1109/CVPR.2016.90; squeeze-and-excitation after every residual block, Hu et
al. 2018, DOI 10.1109/CVPR.2018.00745), U-Net decoder (Ronneberger et al. 2015,
DOI 10.1007/978-3-319-24574-4_28) with bilinear x2 upsampling, the skip of every
encoder stage concatenated (stem included) and two 3x3 conv+BN+ReLU per stage.

The network takes float RGB in [0, 1] (NCHW) and normalizes it itself with the fixed
INPUT_MEAN / INPUT_STD below, so the exported ONNX graph is fed plain [0, 1] RGB.
`forward` returns probabilities [N, 2, H, W] (channel 0 = nucleus mask, channel 1 =
shape marker); `logits` returns the same before the sigmoid, for a stable BCE loss.
Input sides must be multiples of 32 (five stride-2 stages).
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple, Type, Union

import torch
import torch.nn.functional as F
from torch import nn

# ImageNet statistics: a conventional fixed choice; inputs are stain-normalized
# H&E, so any fixed per-channel affine map works as long as training and inference
# share it, and keeping it inside the graph guarantees that they do.
INPUT_MEAN: Tuple[float, float, float] = (0.485, 0.456, 0.406)
INPUT_STD: Tuple[float, float, float] = (0.229, 0.224, 0.225)
SIDE_MULTIPLE = 32
SE_REDUCTION = 16


class SqueezeExcitation(nn.Module):
    """Channel attention: global average pool, bottleneck MLP (as 1x1 convs), sigmoid gate."""

    def __init__(self, channels: int, reduction: int = SE_REDUCTION) -> None:
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.fc2(F.relu(self.fc1(self.pool(x)), inplace=True)))
        return x * w


def _conv_bn(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class SEResidualBlock(nn.Module):
    """A residual block whose branch is gated by SE before the addition (Hu et al.)."""

    expansion = 1

    def __init__(self, branch: nn.Sequential, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.branch = branch
        self.se = SqueezeExcitation(cout)
        self.shortcut = _conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.se(self.branch(x)) + self.shortcut(x), inplace=True)


class SEBasicBlock(SEResidualBlock):
    """ResNet-18/34 basic block with SE."""

    expansion = 1

    def __init__(self, cin: int, width: int, stride: int) -> None:
        branch = nn.Sequential(_conv_bn(cin, width, 3, stride), nn.ReLU(inplace=True), _conv_bn(width, width, 3))
        super().__init__(branch, cin, width, stride)


class SEBottleneck(SEResidualBlock):
    """ResNet-50 bottleneck with SE; stride on the 3x3 conv ("v1.5")."""

    expansion = 4

    def __init__(self, cin: int, width: int, stride: int) -> None:
        branch = nn.Sequential(
            _conv_bn(cin, width, 1), nn.ReLU(inplace=True),
            _conv_bn(width, width, 3, stride), nn.ReLU(inplace=True),
            _conv_bn(width, width * self.expansion, 1),
        )
        super().__init__(branch, cin, width * self.expansion, stride)


Block = Union[Type[SEBasicBlock], Type[SEBottleneck]]


class SEResNetEncoder(nn.Module):
    """Returns the five feature maps at strides 2 (stem), 4, 8, 16 and 32."""

    def __init__(self, block: Block, layers: Sequence[int]) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, 2, 1)
        stages: List[nn.Module] = []
        cin = 64
        for i, (width, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks: List[nn.Module] = []
            for j in range(n):
                blocks.append(block(cin, width, 2 if (j == 0 and i > 0) else 1))
                cin = width * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.channels: Tuple[int, ...] = (64,) + tuple(w * block.expansion for w in (64, 128, 256, 512))

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        feats = [self.stem(x)]
        x = self.pool(feats[0])
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


class DecoderStage(nn.Module):
    """Bilinear x2 upsampling, concatenation with the skip (if any), two 3x3 conv+BN+ReLU."""

    def __init__(self, cin: int, cskip: int, cout: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            _conv_bn(cin + cskip, cout, 3), nn.ReLU(inplace=True),
            _conv_bn(cout, cout, 3), nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor, skip: Union[torch.Tensor, None]) -> torch.Tensor:
        # scale_factor (not size=skip.shape) keeps the exported Resize shape-agnostic,
        # which is what lets ONNX take any side that is a multiple of 32.
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.convs(x)


class USENet(nn.Module):
    """SE-ResNet U-Net with mask and shape-marker heads; see the module docstring."""

    def __init__(self, block: Block, layers: Sequence[int], decoder: Sequence[int]) -> None:
        super().__init__()
        if len(decoder) != 5:
            raise ValueError(f"decoder needs 5 widths (strides 16, 8, 4, 2, 1), got {len(decoder)}")
        self.register_buffer("mean", torch.tensor(INPUT_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(INPUT_STD).view(1, 3, 1, 1))
        self.encoder = SEResNetEncoder(block, layers)
        enc = self.encoder.channels  # strides 2, 4, 8, 16, 32
        skips = (enc[3], enc[2], enc[1], enc[0], 0)
        stages: List[nn.Module] = []
        cin = enc[4]
        for cskip, cout in zip(skips, decoder):
            stages.append(DecoderStage(cin, cskip, cout))
            cin = cout
        self.decoder = nn.ModuleList(stages)
        self.mask_head = nn.Conv2d(cin, 1, 3, padding=1)
        self.marker_head = nn.Conv2d(cin, 1, 3, padding=1)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # Zero the last BN of every residual branch so each block starts as identity:
        # stabilizes from-scratch training at lr 1e-3 (Goyal et al. 2017, arXiv:1706.02677).
        for m in self.encoder.modules():
            if isinstance(m, SEResidualBlock):
                nn.init.zeros_(m.branch[-1][1].weight)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """[N,3,H,W] RGB in [0,1] -> [N,2,H,W] logits (mask, marker)."""
        feats = self.encoder((x - self.mean) / self.std)
        y = feats[4]
        skips = (feats[3], feats[2], feats[1], feats[0], None)
        for stage, skip in zip(self.decoder, skips):
            y = stage(y, skip)
        return torch.cat([self.mask_head(y), self.marker_head(y)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N,3,H,W] RGB in [0,1] -> [N,2,H,W] probabilities (mask, marker)."""
        return torch.sigmoid(self.logits(x))


ARCHS: Dict[str, Dict[str, object]] = {
    # The paper's network; decoder widths as segmentation_models' U-Net default.
    "se_resnet50": {"block": SEBottleneck, "layers": (3, 4, 6, 3), "decoder": (256, 128, 64, 32, 16)},
    "se_resnet34": {"block": SEBasicBlock, "layers": (3, 4, 6, 3), "decoder": (256, 128, 64, 32, 16)},
    # Light variant for CPU training: half-width decoder at low resolution, where
    # the decoder's parameters are; the full-resolution stages keep 16 channels.
    "se_resnet18": {"block": SEBasicBlock, "layers": (2, 2, 2, 2), "decoder": (128, 64, 32, 16, 16)},
}


def build_model(arch: str) -> USENet:
    """Builds an untrained USE-Net; `arch` is one of ARCHS ('se_resnet50', 'se_resnet34', 'se_resnet18')."""
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; expected one of {sorted(ARCHS)}")
    spec = ARCHS[arch]
    return USENet(spec["block"], spec["layers"], spec["decoder"])  # type: ignore[arg-type]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
