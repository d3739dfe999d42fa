"""Integration users: plan and apply (``plan``, ``apply``), provision, and ``doctor``."""
