"""Exceptions raised by libcivic calls.

Every failing C call raises :class:`CivicError` (or a subclass named after
the status family) carrying the numeric status ``code``, its stable
snake_case ``name`` (the same as the ``"error"`` field of the CLI's JSON
errors and of golden vectors) and the detailed ``message`` naming the field,
for example ``obligations[2].amount: must be >= 0``.
"""

from __future__ import annotations

__all__ = [
    "CivicError",
    "InputError",
    "LedgerError",
    "SettlementError",
    "RecalcError",
    "TokenError",
    "SecurityError",
    "error_for",
]


class CivicError(Exception):
    """A libcivic call failed; nothing was changed.

    Attributes:
        code: the ``civic_status`` number (e.g. 7).
        name: its stable snake_case name (e.g. ``"negative_amount"``).
        message: the detailed message naming the offending field or record.
    """

    code: int
    name: str
    message: str

    def __init__(self, code: int, name: str, message: str = "") -> None:
        self.code = int(code)
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}" if message else name)

    def __reduce__(self):  # keep code/name/message across pickling
        return (type(self), (self.code, self.name, self.message))


class InputError(CivicError, ValueError):
    """Bad input or API misuse (status 1-99: a missing field, a negative
    amount, an overflow, malformed JSON, ...)."""


class LedgerError(CivicError):
    """Ledger and journal refusals (status 100-199)."""


class SettlementError(CivicError):
    """Waterfall and settlement refusals (status 200-299)."""


class RecalcError(CivicError):
    """Recalculation refusals (status 300-399)."""


class TokenError(CivicError):
    """Reward token and voting refusals (status 400-499)."""


class SecurityError(CivicError):
    """Signatures, keys and privacy refusals (status 500-599)."""


_FAMILIES = (
    (1, 100, InputError),
    (100, 200, LedgerError),
    (200, 300, SettlementError),
    (300, 400, RecalcError),
    (400, 500, TokenError),
    (500, 600, SecurityError),
)


def error_for(code: int, name: str, message: str = "") -> CivicError:
    """Build the exception for a status (called from the C wrapper)."""
    if code == 1:  # CIVIC_E_NOMEM: also a MemoryError for generic handlers
        return _NoMemory(code, name, message)
    for low, high, cls in _FAMILIES:
        if low <= code < high:
            return cls(code, name, message)
    return CivicError(code, name, message)


class _NoMemory(InputError, MemoryError):
    """libcivic could not allocate memory."""
