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


#: Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))
#: Share of NUL bytes in the first 8 KiB above which data is binary. git and
#: file(1) treat any NUL as binary; a text export with a few stray NULs (a
#: CSV from a buggy tool) would then lose every record, so a few are allowed
#: (the normaliser drops them).
_MAX_NUL_SHARE = 0.01


def looks_binary(data: bytes) -> bool:
    """Return True when ``data`` starts with a binary magic number or more than
    1 % of its first 8 KiB are NUL bytes (UTF-16/32 with a BOM is text)."""
    head = data[:8192]
    if head.startswith(tuple(b for b, _ in _BOMS)):
        return False
    return head.startswith(_BINARY_MAGIC) or head.count(b"\x00") > _MAX_NUL_SHARE * max(len(head), 1)


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
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"{encoding} byte-order mark, but the bytes are not {encoding}: {exc}") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise DecodeError("no text encoding fits these bytes")
    return str(best), best.encoding
