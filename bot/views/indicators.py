"""Defang URLs people type, as incident responders do with indicators of compromise: a
malicious link in a description must never become clickable in a channel or a report.
(`bot.views.sanitise` applies this with the rest of what typed text needs.)"""

from __future__ import annotations

import re

_URL = re.compile(r"\b(h)(ttps?|xxps?)(://)([^\s/]+)|\b(f)(tps?)(://)([^\s/]+)", re.IGNORECASE)
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
_DOT = re.compile(r"(?<!\[)\.(?!\])")  # a dot not already defanged: defanging twice is a no-op


def _defang_url(match: re.Match[str]) -> str:
    if match.group(1):
        host = _DOT.sub("[.]", match.group(4))
        scheme = "xx" + match.group(2)[2:] if match.group(2)[:2].lower() == "tt" else match.group(2)
        return f"{match.group(1)}{scheme}{match.group(3)}{host}"
    host = _DOT.sub("[.]", match.group(8))
    return f"{match.group(5)}x{match.group(6)[1:]}{match.group(7)}{host}"


def defang(text: str) -> str:
    """https://evil.example/x → hxxps://evil[.]example/x; www.evil.example → www[.]evil.example;
    ftp://evil.example → fxp://evil[.]example"""
    return _WWW.sub(r"\1[.]", _URL.sub(_defang_url, text))
