"""The four candidate operations of the authors' code (DARTS style, operation BNs ``affine=False``)."""

from torch import nn


def _bn(channels, momentum):
    return nn.BatchNorm2d(channels, affine=False, momentum=momentum)


def max_pool_3x3(channels, bn_momentum):
    """Operation 1: 3x3 max pooling followed by a BN."""
    return nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _bn(channels, bn_momentum))


def _relu_dw_pw_bn(channels, kernel, dilation, bn_momentum):
    pad = dilation * (kernel - 1) // 2
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(channels, channels, kernel, padding=pad, dilation=dilation, groups=channels, bias=False),
        nn.Conv2d(channels, channels, 1, bias=False),
        _bn(channels, bn_momentum),
    ]


def sep_conv(kernel):
    """Operations 2 and 3: DARTS separable conv, (ReLU, depthwise, pointwise, BN) twice."""

    def build(channels, bn_momentum):
        return nn.Sequential(
            *_relu_dw_pw_bn(channels, kernel, 1, bn_momentum), *_relu_dw_pw_bn(channels, kernel, 1, bn_momentum)
        )

    build.__name__ = f"sep_conv_{kernel}x{kernel}"
    return build


def dil_conv_5x5(channels, bn_momentum):
    """Operation 4: 5x5 depthwise conv with dilation 2, pointwise conv, BN."""
    return nn.Sequential(*_relu_dw_pw_bn(channels, 5, 2, bn_momentum))


#: Builders in digit order (digit k -> BUILDERS[k - 1]); matches ``wsnas.space.OPERATIONS``.
BUILDERS = (max_pool_3x3, sep_conv(3), sep_conv(5), dil_conv_5x5)
