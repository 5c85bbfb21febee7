"""Text from users made safe to print on a terminal.

A study can name a candidate anything, including ``\\x1b]8;;http://evil\\x07`` (an OSC hyperlink)
or ``\\x1b[2J`` (clear the screen). Printed raw, such a name rewrites what the reader sees.
``terminal_safe`` shows every control character (C0, DEL, C1, and so ANSI CSI and OSC escapes)
and every bidirectional override as a visible escape instead (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import re

__all__ = ["terminal_safe"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object) -> str:
    """``text`` with control characters and bidi overrides replaced by visible escapes (tabs and newlines kept)."""
    return _UNSAFE.sub(_visible, str(text))
