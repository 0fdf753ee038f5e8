"""Text read from customers' files: a bad byte or a NUL rejects its row, never the whole file.

Files are opened with ``errors="surrogateescape"``: a byte that is not text in the file's
encoding becomes a lone surrogate, so that the one row holding it can be rejected with its
reason and shown as ``\\xff`` in the rejects file, while the rest of the file lands.
"""

from __future__ import annotations


def _undecoded(value: str) -> str | None:
    return next((ch for ch in value if "\udc80" <= ch <= "\udcff"), None)


def unstorable(value: str) -> str | None:
    """Why a value read from a file cannot be stored: a NUL byte or a byte that is not text."""
    if "\x00" in value:
        return "holds a NUL byte"
    bad = _undecoded(value)
    if bad is not None:
        return (
            f"has byte 0x{ord(bad) - 0xDC00:02x}, which is not text in the file's encoding "
            "(give it with --encoding)"
        )
    return None


def readable(value: str) -> str:
    """A value read with ``surrogateescape`` as printable text: bad bytes as ``\\xff``, NUL as ``\\x00``."""
    if not value.isascii() and _undecoded(value) is not None:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value.replace("\x00", "\\x00")
