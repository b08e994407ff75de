"""Keeping API keys out of what llm prints and stores.

Some OpenAI-compatible servers repeat the bearer token in their error
messages, and an error is shown on the terminal, stored in ``logs.db`` and
returned by ``llm logs --json``. ``scrub_secrets()`` replaces every secret
llm knows of with a masked form (``sk-...WXYZ``) first: the keys this process
has used (``--key``, a stored key, one from the keychain or a command), the
values in keys.json, environment variables whose names say they hold one
(``OPENAI_API_KEY``, ``GITHUB_TOKEN``...), and headers configured for a model
(``extra-openai-models.yaml``), which plugins hand over with
``remember_secret()``.

Only values that look like credentials are masked, and only where they stand
as a whole token, so ordinary text survives (``--key openrouter`` must not
turn ``https://openrouter.ai`` into ``https://***.ai``). ``looks_like_secret()``
holds the rule: at least eight characters, and not a plain word - letters only
count when there are twenty or more of them in mixed case, as in a random
token. A token is a run of letters and digits (with ``-``, ``_``, ``.`` and
other punctuation allowed inside the secret itself): ``sk-abc123...`` is
masked in ``Bearer sk-abc123...`` or ``key=sk-abc123...`` but not when it is
part of a longer run of letters and digits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MIN_SECRET_LENGTH = 8
# Letters-only values this long, in mixed case, are random tokens, not words.
MIN_LETTERS_ONLY_SECRET_LENGTH = 20
# Words in an environment variable name that say its value is a credential
# (OPENAI_API_KEY, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY...).
_SECRET_ENV_WORDS = frozenset(
    {"KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIALS"}
)
# Words in an HTTP header name that say it carries a credential (Authorization,
# x-api-key, X-Auth-Token, X-Secret, Cookie...); "x-ratelimit-remaining-tokens"
# is a count, not a credential.
_SECRET_HEADER_WORDS = frozenset(
    {
        "authorization",
        "auth",
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "cookie",
        "signature",
        "credential",
        "credentials",
        "session",
    }
)
_WORD_SEPARATORS = re.compile(r"[-_.\s]+")

# Every secret this process has used or been told about.
_remembered: set[str] = set()


def remember_secret(value: str | None) -> None:
    """Treat ``value`` (a key, a header value) as secret from now on in this process.

    For a credential header such as ``Bearer sk-...`` the token after the
    scheme is remembered too.
    """
    if not isinstance(value, str):
        return
    value = value.strip()
    for candidate in (value, value.split(" ", 1)[-1].strip()):
        if looks_like_secret(candidate):
            _remembered.add(candidate)


def looks_like_secret(value: str) -> bool:
    """True when ``value`` could be a credential rather than an ordinary word.

    Too short (under eight characters) or a plain word (letters only, unless
    twenty or more of them in mixed case) is not masked: masking it would
    mangle ordinary text, such as a key's name given to ``--key``.
    """
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        return False
    if value.isalpha():
        return (
            len(value) >= MIN_LETTERS_ONLY_SECRET_LENGTH
            and not value.islower()
            and not value.isupper()
        )
    return True


def is_secret_env_name(name: str) -> bool:
    """True for environment variable names that say they hold a credential."""
    return not _SECRET_ENV_WORDS.isdisjoint(_WORD_SEPARATORS.split(name.upper()))


def is_secret_header_name(name: str) -> bool:
    """True for HTTP header names that carry credentials."""
    return not _SECRET_HEADER_WORDS.isdisjoint(_WORD_SEPARATORS.split(name.lower()))


def known_secrets(*, plain_words: bool = False) -> set[str]:
    """Every secret to keep out of output: remembered ones, keys.json, credential variables.

    Masking skips plain words so ordinary text survives; ``plain_words=True``
    includes every value of eight or more characters, for callers that drop a
    whole entry rather than mask inside it (chat history).
    """
    secrets = set(_remembered)
    secrets.update(_stored_keys())
    secrets.update(
        value for name, value in os.environ.items() if is_secret_env_name(name)
    )
    stripped = {s.strip() for s in secrets}
    if plain_words:
        return {s for s in stripped if len(s) >= MIN_SECRET_LENGTH}
    return {s for s in stripped if looks_like_secret(s)}


def _stored_keys() -> list[str]:
    from .jsonfiles import read_json_object
    from .paths import keys_path

    try:
        stored = read_json_object(keys_path())
    except Exception:  # an unreadable keys.json must not hide the real error
        return []
    # "// Note" holds the file's explanation, not a key.
    return [
        v for k, v in stored.items() if isinstance(v, str) and not k.startswith("//")
    ]


def mask_secret(value: str) -> str:
    """``sk-...WXYZ``: enough of a long key to tell which one it was, none of a short one."""
    if len(value) >= 16:
        return f"{value[:3]}...{value[-4:]}"
    return "***"


def _token_pattern(secret: str) -> re.Pattern[str]:
    """``secret`` where no letter or digit runs on from either side."""
    return re.compile(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])")


def contains_secret(text: str, secrets: Iterable[str]) -> bool:
    """True when one of ``secrets`` appears in ``text`` as a whole token."""
    return any(secret and _token_pattern(secret).search(text) for secret in secrets)


def scrub_secrets(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret (``known_secrets()`` unless given) masked where it is a whole token."""
    if not text:
        return text
    found = known_secrets() if secrets is None else set(secrets)
    for secret in sorted(found, key=len, reverse=True):
        if secret and secret in text:
            text = _token_pattern(secret).sub(mask_secret(secret), text)
    return text


def scrub_exception(ex: BaseException) -> BaseException:
    """Mask secrets in the text arguments of ``ex`` in place (its type and attributes stay); returns it."""
    args = ex.args
    if not any(isinstance(arg, str) for arg in args):
        return ex
    secrets = known_secrets()
    if not secrets:
        return ex
    scrubbed = tuple(
        scrub_secrets(arg, secrets) if isinstance(arg, str) else arg for arg in args
    )
    if scrubbed != args:
        ex.args = scrubbed
        if isinstance(getattr(ex, "message", None), str):
            try:
                ex.message = scrub_secrets(ex.message, secrets)  # type: ignore[attr-defined]
            except AttributeError:
                pass
    return ex
