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
    """Base of every error the tool reports as a one-line message.

    ``hint`` is advice a caller higher up adds (what to do next, which job may still run); the
    message is built from the fields, ``problem; hint``, never by rewriting ``args``.
    """

    exit_code: ExitCode = ExitCode.FAILED
    hint: str | None = None

    def __str__(self) -> str:
        problem = super().__str__()
        return f"{problem}; {self.hint}" if self.hint else problem


class ConfigError(ApionlyError):
    """The project file, a flag or the environment is wrong."""

    exit_code = ExitCode.CONFIG


class AuthError(ConfigError):
    """Credentials are missing or were refused."""


class ContentError(ApionlyError):
    """The metadata content is wrong (malformed XML, a failed render or validation)."""

    exit_code = ExitCode.FAILED


class XmlError(ContentError):
    """A file is not well-formed or not safe XML.

    ``line`` and ``column`` (1-based, 0 when unknown) and ``problem`` (the message without its
    ``source:line:column:`` prefix) let callers report the position without parsing the text.
    """

    def __init__(
        self, message: str, *, line: int = 0, column: int = 0, problem: str | None = None
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.problem = message if problem is None else problem

    @classmethod
    def at(cls, source: str, problem: str, *, line: int = 0, column: int = 0) -> XmlError:
        """Return the error for ``problem`` in ``source``, its message built from the fields:
        ``source:line:column: problem``, or ``source: problem`` where the line is unknown."""
        where = f"{source}:{line}:{column}" if line else source
        return cls(f"{where}: {problem}", line=line, column=column, problem=problem)


class RenderError(ContentError):
    """A template could not be rendered."""


class RemoteError(ApionlyError):
    """The org or the network failed; a retry may help."""

    exit_code = ExitCode.REMOTE


# --- the deployer (issue 5): Metadata API, auth and polling outcomes -----------------------


class NetworkError(RemoteError):
    """A host could not be reached, or the connection dropped; a retry may help."""


class ServerError(RemoteError):
    """The server answered HTTP 5xx or something that is not a SOAP response."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def retryable(self) -> bool:
        """Tell whether the server's side failed (HTTP 5xx): a retry may help; a 4xx or an
        answer that is no SOAP at all comes back the same."""
        return (self.status or 0) >= 500


class SoapFault(RemoteError):
    """The Metadata API answered with a SOAP fault."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code and code not in message else message)
        self.code = code


class RequestRefused(SoapFault):
    """The org refused the request itself (INVALID_OPERATION...): sending it again won't help."""

    exit_code = ExitCode.FAILED


class RequestLimitExceeded(SoapFault):
    """The org's API request limit was hit (REQUEST_LIMIT_EXCEEDED)."""


class SessionExpired(AuthError):
    """The access token was refused (INVALID_SESSION_ID); log in again."""


class UnknownJobError(ConfigError):
    """No deploy or retrieve job has the given id."""

    exit_code = ExitCode.USAGE


class DeployFailed(ApionlyError):
    """The org rejected the deploy (component or test failures)."""

    exit_code = ExitCode.FAILED


class DeployTimeout(RemoteError):
    """The deploy did not finish before the deadline (``--wait``); it may still be running."""


class RedirectRefused(RemoteError):
    """A server answered with a redirect; requests carry credentials, so none is followed."""


class ResponseTooLarge(RemoteError):
    """A server's answer was larger than the tool reads from any server."""


class Detached(ApionlyError):
    """The user stopped following a deploy that goes on in the org."""

    exit_code = ExitCode.INTERRUPTED


# --- the diff (issue 6) --------------------------------------------------------------------


class DiffInputError(ApionlyError):
    """What to compare is wrong: not a permission file, mismatched types, an unknown git ref."""

    exit_code = ExitCode.USAGE


# --- users and doctor (issue 7): the REST API and user provisioning ------------------------


class RestApiError(ApionlyError):
    """The REST API refused a request (Salesforce's ``[{errorCode, message, fields}]`` shape)."""

    exit_code = ExitCode.FAILED

    def __init__(
        self, code: str, message: str, *, status: int = 400, fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(f"{code}: {message}" if code and code not in message else message)
        self.code = code
        self.detail = message
        self.status = status
        self.fields = fields


class DuplicateUsername(RestApiError):
    """DUPLICATE_USERNAME: usernames are global, and another org (or this one) has it."""


class LicenseLimitExceeded(RestApiError):
    """LICENSE_LIMIT_EXCEEDED: no free seat of the user or permission set license."""


class NotFound(RestApiError):
    """NOT_FOUND: the record or resource does not exist (HTTP 404)."""


class RestRemoteError(RemoteError):
    """The REST API is unavailable for now (REQUEST_LIMIT_EXCEEDED, SERVER_UNAVAILABLE...)."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" if code and code not in message else message)
        self.code = code
        self.status = status


class UserPlanProblems(ApionlyError):
    """The users in the project file cannot be applied to this org; nothing was written."""

    exit_code = ExitCode.FAILED

    def __init__(self, message: str, problems: tuple[str, ...]) -> None:
        super().__init__(message)
        self.problems = problems


class UsersNotApplied(ApionlyError):
    """The deploy succeeded but some user steps did not; `users apply` finishes them."""

    exit_code = ExitCode.FAILED
