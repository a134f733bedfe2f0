"""The search space, its operations, the weight-sharing network and its sharing assignments (torch)."""
