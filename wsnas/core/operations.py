"""The four candidate operations of the authors' code (DARTS style, operation BNs ``affine=False``)."""

import torch
from torch import nn


class _DenseGradFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.channels_last = x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous(memory_format=torch.channels_last if ctx.channels_last else torch.contiguous_format)


class DenseGrad(nn.Module):
    """Identity whose backward hands on a dense gradient in the forward output's memory format.

    The gradients that reach an operation's output are channel slices of a wider tensor (the backward of
    the cell's ``torch.cat``, and the broadcast of the head's average pooling); BN and convolution
    backward kernels on CPU are 3-8x slower on such strided inputs than on dense ones (bench/)."""

    def forward(self, x):
        return _DenseGradFn.apply(x) if torch.is_grad_enabled() and x.requires_grad else x


class Chain(nn.Sequential):
    """``nn.Sequential`` with its forward in this package: ``torch.compile`` does not trace from frames
    inside ``torch.nn`` itself, so compiling a plain ``nn.Sequential`` in place compiles nothing."""

    def forward(self, x):
        for layer in self:
            x = layer(x)
        return x


class DilatedDepthwise(nn.Conv2d):
    """A depthwise convolution with dilation d, computed on the CPU as an undilated one over the d x d
    interleaved sub-images (space to depth): a dilated kernel only ever combines pixels of one sub-image.
    oneDNN's dilated depthwise backward is 2-3x slower than that on the demo's 8x8 maps (bench/); the
    output is bitwise the dilated convolution's, the gradients equal up to the order of their sums (the
    input gradient bitwise in channels_last) (tests/test_model_and_sharing.py). Same parameters as ``nn.Conv2d``."""

    def forward(self, x):
        d, (h, w) = self.dilation[0], x.shape[-2:]
        if x.device.type != "cpu" or d == 1 or h % d or w % d:
            return super().forward(x)
        n, c = x.shape[:2]
        channels_last = x.is_contiguous(memory_format=torch.channels_last)
        sub = x.reshape(n, c, h // d, d, w // d, d).permute(3, 5, 0, 1, 2, 4).reshape(d * d * n, c, h // d, w // d)
        if channels_last:
            sub = sub.contiguous(memory_format=torch.channels_last)
        k = self.kernel_size[0]
        out = nn.functional.conv2d(sub, self.weight, None, 1, (k - 1) // 2, 1, self.groups)
        out = out.reshape(d, d, n, c, h // d, w // d).permute(2, 3, 4, 0, 5, 1).reshape(n, c, h, w)
        return out.contiguous(memory_format=torch.channels_last) if channels_last else out


class BatchNorm2d(nn.BatchNorm2d):
    """``nn.BatchNorm2d`` without the step counter's increment when ``momentum`` is set.

    PyTorch adds 1 to ``num_batches_tracked`` in every training forward, one more kernel launch per BN
    per step (26 of a paper-size child's step), but reads the counter only when ``momentum`` is None (a
    cumulative average, as BN recalibration uses): then this is ``nn.BatchNorm2d``. Outputs and running
    statistics are bitwise PyTorch's; the counter stays 0 in checkpoints."""

    def forward(self, x):
        if not (self.training and self.track_running_stats and self.momentum is not None):
            return super().forward(x)
        self._check_input_dim(x)
        return nn.functional.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, True,
                                        self.momentum, self.eps)


def _bn(channels, momentum):
    return BatchNorm2d(channels, affine=False, momentum=momentum)


def max_pool_3x3(channels, bn_momentum):
    """Operation 1: 3x3 max pooling followed by a BN."""
    return Chain(nn.MaxPool2d(3, stride=1, padding=1), _bn(channels, bn_momentum), DenseGrad())


def _relu_dw_pw_bn(channels, kernel, dilation, bn_momentum):
    pad = dilation * (kernel - 1) // 2
    depthwise = DilatedDepthwise if dilation > 1 else nn.Conv2d
    return [
        nn.ReLU(inplace=False),
        depthwise(channels, channels, kernel, padding=pad, dilation=dilation, groups=channels, bias=False),
        nn.Conv2d(channels, channels, 1, bias=False),
        _bn(channels, bn_momentum),
    ]


def sep_conv(kernel):
    """Operations 2 and 3: DARTS separable conv, (ReLU, depthwise, pointwise, BN) twice."""

    def build(channels, bn_momentum):
        return Chain(
            *_relu_dw_pw_bn(channels, kernel, 1, bn_momentum), *_relu_dw_pw_bn(channels, kernel, 1, bn_momentum),
            DenseGrad(),
        )

    build.__name__ = f"sep_conv_{kernel}x{kernel}"
    return build


def dil_conv_5x5(channels, bn_momentum):
    """Operation 4: 5x5 depthwise conv with dilation 2, pointwise conv, BN."""
    return Chain(*_relu_dw_pw_bn(channels, 5, 2, bn_momentum), DenseGrad())


#: Builders in digit order (digit k -> BUILDERS[k - 1]); matches ``wsnas.core.space.OPERATIONS``.
BUILDERS = (max_pool_3x3, sep_conv(3), sep_conv(5), dil_conv_5x5)
