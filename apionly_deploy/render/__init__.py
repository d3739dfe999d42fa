"""Rendering: components through Jinja templates into XML (``templates``), and the
deterministic deployable zip (``package``)."""
