"""The command line: a thin layer that reads flags, calls the library and picks the exit code.

``main`` holds the group; each command group lives in its own module and registers itself on
``cli`` at import time.
"""

from apionly_deploy.cli.main import cli, main

__all__ = ["cli", "main"]
