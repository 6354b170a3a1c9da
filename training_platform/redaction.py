"""URLs without their credentials, wherever the platform shows, logs or raises them: a source's user,
password and query token, and the passwords in MLFLOW_TRACKING_URI and TP_OPTUNA_STORAGE. Ground floor:
imports nothing of the platform."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager


def redacted(url: str) -> str:
    """`url` with its password, user and query values replaced by ***: safe for logs and metadata."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc and not parts.query:
        return url  # nothing to hide (and sqlite:////abs/path would lose a slash on the way back)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = urlencode([(key, "***") for key, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def without_credentials(url: str) -> tuple[str, dict[str, str]]:
    """`url` without its user and password, and the Basic Authorization header carrying them: urllib
    neither sends a URL's credentials nor parses a host written `user:password@host`."""
    import base64
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, {}
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), {
        "Authorization": f"Basic {token}"
    }


_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def scrubbed(text: str) -> str:
    """`text` with every URL in it `redacted`: for error messages, logs and anything a run stores."""
    return _URL.sub(lambda found: redacted(found.group(0)), str(text))


_DAMAGED = ("not a database", "malformed", "no space", "read-only", "readonly", "permission denied")


@contextmanager
def credentials_scrubbed(store: str | None = None) -> Iterator[None]:
    """Re-raise an error whose message names a URL with credentials (MLflow's "API request to
    http://user:password@..." failed) with them replaced by ***, and without the original attached.
    With `store` (MLflow's tracking URI), an error of a damaged, full or read-only store names it."""
    try:
        yield
    except Exception as exc:
        clean = scrubbed(str(exc))
        if store and any(word in clean.lower() for word in _DAMAGED):
            from training_platform.storage.files import why

            cause = why(RuntimeError(clean), "an MLflow database", "MLFLOW_TRACKING_URI / TP_MLFLOW_DB")
            raise RuntimeError(
                f"MLflow's store {scrubbed(store)}: {cause}. The warehouse holds the champion record: with "
                "the store moved aside, the next production run or `tp status` registers each champion again"
            ) from None
        if clean == str(exc):
            raise
        raise RuntimeError(f"{type(exc).__name__}: {clean}") from None
