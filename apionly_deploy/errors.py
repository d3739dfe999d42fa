"""The error hierarchy and the exit codes a pipeline sees."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the contract with release pipelines."""

    OK = 0
    FAILED = 1  # the content is wrong: validation errors, deploy failed, diff --fail-on hit
    USAGE = 2  # bad flags or arguments
    CONFIG = 3  # config or credentials missing or wrong: fix the environment
    REMOTE = 4  # network, HTTP 5xx, SOAP fault, timeout: a retry may help
    INTERRUPTED = 130


class ApionlyError(Exception):
    """Base of every error the tool reports as a one-line message."""

    exit_code: ExitCode = ExitCode.FAILED


class ConfigError(ApionlyError):
    """The project file, a flag or the environment is wrong."""

    exit_code = ExitCode.CONFIG


class AuthError(ConfigError):
    """Credentials are missing or were refused."""


class ContentError(ApionlyError):
    """The metadata content is wrong (malformed XML, a failed render or validation)."""

    exit_code = ExitCode.FAILED


class XmlError(ContentError):
    """A file is not well-formed or not safe XML."""


class RenderError(ContentError):
    """A template could not be rendered."""


class RemoteError(ApionlyError):
    """The org or the network failed; a retry may help."""

    exit_code = ExitCode.REMOTE
