"""Defang URLs people type, as incident responders do with indicators of compromise: a
malicious link in a description must never become clickable in a channel or a report."""

from __future__ import annotations

import re

_URL = re.compile(r"\b(h)(ttps?)(://)([^\s/]+)", re.IGNORECASE)
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)


def _defang_host(match: re.Match[str]) -> str:
    host = match.group(4).replace(".", "[.]")
    return f"{match.group(1)}xx{match.group(2)[2:]}{match.group(3)}{host}"


def defang(text: str) -> str:
    """https://evil.example/x → hxxps://evil[.]example/x; www.evil.example → www[.]evil.example"""
    return _WWW.sub(r"\1[.]", _URL.sub(_defang_host, text))
