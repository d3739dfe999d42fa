"""One HTTP exchange, hostile by default: no redirects, a size cap, an optional hard deadline.

Every request the client sends carries a credential (a session id in the SOAP envelope, a
bearer token, a client secret or password in a token form), so a redirect is never followed:
requests would re-send a POST's body to wherever a 307 points, and a GET's headers to the
same origin. A redirect is an error naming where it pointed. Answers are read up to
``max_bytes`` actually received (decompressed), whatever ``Content-Length`` says. With a
``deadline`` the whole exchange (connect, headers, body) must end by then: a server trickling
one byte at a time resets a socket's read timeout with every byte, so the exchange runs in a
worker thread that the caller stops waiting for at the deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from apionly_deploy.errors import (
    ConfigError,
    DeployTimeout,
    NetworkError,
    RedirectRefused,
    ResponseTooLarge,
)
from apionly_deploy.model.text import one_line

#: The most the tool reads from any answer: a retrieve's zip is at most 39 MB (52 MB in base64).
MAX_RESPONSE_BYTES = 96 * 1024 * 1024
_CHUNK = 64 * 1024
Clock = Callable[[], float]


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float],
    verify: bool | str,
    deadline: float | None = None,
    clock: Clock = time.monotonic,
    max_bytes: int | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request and return its answer, read in full; transport failures are errors."""
    host = urlsplit(url).netloc
    cap = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes

    def exchange(read_timeout: tuple[float, float]) -> requests.Response:
        return _exchange(
            session,
            method,
            url,
            host=host,
            max_bytes=cap,
            timeout=read_timeout,
            verify=verify,
            **kwargs,
        )

    if deadline is None:
        return exchange(timeout)
    remaining = deadline - clock()
    if remaining <= 0:
        raise DeployTimeout(f"the --wait deadline passed before asking {host}")
    bounded = (min(timeout[0], remaining), min(timeout[1], remaining))
    return _within(remaining, lambda: exchange(bounded), host)


def _exchange(
    session: requests.Session, method: str, url: str, *, host: str, max_bytes: int, **kwargs: Any
) -> requests.Response:
    try:
        response = session.request(method, url, allow_redirects=False, stream=True, **kwargs)
        try:
            _refuse_redirect(response, url, host)
            response._content = _read_capped(response, max_bytes, host)
        finally:
            response.close()
    except requests.exceptions.SSLError as exc:
        raise ConfigError(
            f"TLS verification of {host} failed ({reason(exc)}); trust its CA with "
            "ca_cert in the org's table or REQUESTS_CA_BUNDLE"
        ) from None
    except requests.exceptions.Timeout:
        raise NetworkError(f"{host} did not answer within {kwargs['timeout'][1]:.0f} s") from None
    except requests.exceptions.RequestException as exc:
        raise NetworkError(f"cannot reach {host}: {reason(exc)}") from None
    except OSError as exc:  # requests raises it for a CA bundle path that does not exist
        raise ConfigError(f"cannot verify {host}: {exc}") from None
    return response


def _refuse_redirect(response: requests.Response, url: str, host: str) -> None:
    location = response.headers.get("Location")
    if not 300 <= response.status_code < 400 or location is None:
        return
    target = urlsplit(urljoin(url, location))
    where = one_line(f"{target.scheme}://{target.netloc}" if target.netloc else location)[:200]
    raise RedirectRefused(
        f"{host} answered HTTP {response.status_code} redirecting to {where}; redirects are "
        "never followed (requests carry credentials): point the org's login_url or "
        "instance URL at the final host"
    )


def _read_capped(response: requests.Response, max_bytes: int, host: str) -> bytes:
    if response.raw is None:  # an in-memory transport (tests) already holds the body
        return response.content
    too_large = ResponseTooLarge(
        f"{host} sent an answer larger than {max_bytes:,} bytes; the tool reads no more "
        "from a server"
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _within(seconds: float, call: Callable[[], requests.Response], host: str) -> requests.Response:
    """Return ``call()``, or raise DeployTimeout when it has not returned after ``seconds``.

    The worker is a daemon thread: at the deadline it is left to its socket (which the
    bounded read timeout closes soon after), and it never holds the process open.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["answer"] = call()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"http {host}", daemon=True).start()
    if not done.wait(seconds):
        raise DeployTimeout(f"{host} had not answered in full when the --wait deadline passed")
    if "error" in box:
        raise box["error"]
    answer: requests.Response = box["answer"]
    return answer


def reason(exc: Exception) -> str:
    """Return the innermost reason of a requests/urllib3 error, short and on one line."""
    inner: BaseException = exc
    while inner.__context__ is not None and not isinstance(inner.__context__, KeyError):
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return one_line(text.split(": ", 1)[-1] if len(text) > 160 else text)
