"""Mask secrets in anything mmwatch writes or publishes (reports, alerts, artifacts).

A bot log can carry what must never leave the machine: a private key (``--private-key`` echoed in
an error, a config dump), an API secret, or a full wallet address. Reports quote log lines (rule
evidence, warning examples), so every text that goes out passes through ``mask_secrets`` first.

What is masked, and why:

* **private keys**: any run of 64 or more hex digits, with or without ``0x`` -> ``0x<redacted:64-hex>``.
  Transaction hashes have the same shape and are masked too: a key cannot be told from a hash.
* **wallet addresses**: ``0x`` + exactly 40 hex digits -> ``0x1234…abcd`` (first and last 4 digits
  kept, so an operator can still tell two wallets apart).
* **API secrets**: the value after a secret-looking name (``api_secret=…``, ``"private_key": "…"``,
  ``token: …``, ``password=…``) and the value of a dict key with such a name -> ``<redacted>``.

What is kept: order ids (``oid``/``tid`` are decimal, never hex) and client order ids (``cloid``,
``0x`` + 32 hex digits): a cloid identifies an order, not a person, and audits need it readable to
match an untracked fill with the order that placed it.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

T = TypeVar("T")

REDACTED = "<redacted>"

#: 64+ hex digits (private keys, hashes), optionally 0x-prefixed; not part of a longer word.
_KEY = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9a-fA-F]{64,}(?![0-9A-Za-z])")
#: exactly 40 hex digits after 0x: an EVM address.
_ADDRESS = re.compile(r"(?<![0-9A-Za-z])0[xX]([0-9a-fA-F]{4})[0-9a-fA-F]{32}([0-9a-fA-F]{4})(?![0-9A-Za-z])")
#: names whose value is a secret, in ``name=value``, ``name: value`` and JSON ``"name":"value"`` form.
_SECRET_NAME = (r"(?:[A-Za-z0-9]*[_-])?(?:api[_-]?secret|secret(?:[_-]?key)?|private[_-]?key|priv[_-]?key|"
                r"api[_-]?key|access[_-]?key|password|passwd|passphrase|token|mnemonic|seed[_-]?phrase)")
_SECRET_PAIR = re.compile(
    rf"""(?P<name>\b{_SECRET_NAME}\b)(?P<sep>"?\s*[=:]\s*)(?P<q>["']?)(?P<value>[^\s"',;}}\]]+)""",
    re.IGNORECASE,
)
_SECRET_KEY_NAME = re.compile(rf"^{_SECRET_NAME}$", re.IGNORECASE)


def _key_placeholder(match: re.Match[str]) -> str:
    digits = match.group(0)
    return f"0x<redacted:{len(digits[2:] if digits[:2] in ('0x', '0X') else digits)}-hex>"


def mask_text(text: str) -> str:
    """``text`` with private keys, API secrets and full wallet addresses masked."""
    if not text:
        return text
    text = _SECRET_PAIR.sub(lambda m: f"{m['name']}{m['sep']}{m['q']}{REDACTED}", text)
    text = _KEY.sub(_key_placeholder, text)
    return _ADDRESS.sub(lambda m: f"0x{m.group(1)}…{m.group(2)}", text)


def mask_secrets(obj: T) -> T:
    """A copy of ``obj`` (dict / list / tuple / str, nested) with every string masked.

    A dict value whose key names a secret (``private_key``, ``api_secret`` ...) is replaced whole,
    whatever its shape. Numbers, booleans and None pass through unchanged.
    """
    if isinstance(obj, str):
        return mask_text(obj)  # type: ignore[return-value]
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            name = mask_text(key) if isinstance(key, str) else key
            if isinstance(key, str) and _SECRET_KEY_NAME.match(key) and value not in (None, "", "None"):
                out[name] = REDACTED
            else:
                out[name] = mask_secrets(value)
        return out  # type: ignore[return-value]
    if isinstance(obj, list):
        return [mask_secrets(v) for v in obj]  # type: ignore[return-value]
    if isinstance(obj, tuple):
        return tuple(mask_secrets(v) for v in obj)  # type: ignore[return-value]
    return obj
