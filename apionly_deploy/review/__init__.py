"""Review: permission diffs between two models (``diff``), their risk, and git refs."""
