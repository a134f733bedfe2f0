"""wsnas: reproducible weight-sharing NAS experiments on a 64-child toy search space.

Docstrings cite papers by these keys (sections are the papers' own):
- Zhang et al. 2020: Q. Zhang, Z. Han, F. Yang, Y. Zhang, Z. Liu, M. Yang, L. Zhou, "Deeper Insights into
  Weight Sharing in Neural Architecture Search", arXiv:2001.01431 (the study this pipeline reproduces;
  the authors' code, github.com/ultmaster/deeper-insights-weight-sharing, decides where the two differ).
- Niu et al. 2021: S. Niu, J. Wu, Y. Zhang, Y. Guo, P. Zhao, J. Huang, M. Tan, "Disturbance-immune Weight
  Sharing for Neural Architecture Search" (DI-NAS).
- Pan et al. 2022: J. Pan, C. Sun, Y. Zhou, Y. Zhang, C. Li, "Distribution Consistent Neural Architecture
  Search", CVPR 2022.
- Bi et al. 2019: K. Bi, C. Hu, L. Xie, X. Chen, L. Wei, Q. Tian, "Stabilizing DARTS with Amended Gradient
  Estimation on Architectural Parameters", arXiv:1910.11831.
- Liu et al. 2019: H. Liu, K. Simonyan, Y. Yang, "DARTS: Differentiable Architecture Search", ICLR 2019.
- Lu et al. 2023: S. Lu, Y. Hu, L. Yang, Z. Sun, J. Mei, J. Tan, C. Song, "PA&DA: Jointly Sampling PAtH and
  DAta for Consistent NAS", CVPR 2023 (official code github.com/ShunLu91/PA-DA).
"""

__version__ = "0.1.0"
