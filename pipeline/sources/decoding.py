"""Bytes → text, with encoding detection and binary sniffing.

UTF-8 is tried first (strict); otherwise ``charset_normalizer`` picks the most
likely legacy encoding (cp1252, GB18030, …). Binary files are recognised by
magic numbers and NUL bytes, so a zip named ``.html`` becomes a reject, not
mojibake.
"""

from __future__ import annotations

import charset_normalizer

#: Magic numbers of common binary formats (file(1)'s magic database).
_BINARY_MAGIC = (
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\x1f\x8b",  # gzip
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x7fELF",
    b"BZh",
    b"7z\xbc\xaf",
)


class DecodeError(ValueError):
    """The bytes are binary or in no encoding we can identify."""


def looks_binary(data: bytes) -> bool:
    """Return True when ``data`` starts with a binary magic number or has NUL
    bytes in its first 8 KiB (the heuristic of git and file(1))."""
    head = data[:8192]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` to text.

    Args:
        data: raw file or field bytes.

    Returns:
        ``(text, encoding)``; a UTF-8 BOM is stripped.

    Raises:
        DecodeError: the data is binary, or no encoding fits.
    """
    if looks_binary(data):
        raise DecodeError("binary content (magic number or NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise DecodeError("no text encoding fits these bytes")
    return str(best), best.encoding
