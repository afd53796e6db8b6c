"""Finds bytes that are not valid MARC-8 before pymarc decodes them.

pymarc's MARC-8 decoder replaces an unknown character with a space and writes a note to
stderr, so a damaged record would import with holes in it and nobody would know. This
walks the same escape-sequence state machine over pymarc's own code tables and names the
first byte that does not map.
"""

from __future__ import annotations

from pymarc import marc8_mapping

_BASIC_LATIN = 0x42
_ANSEL = 0x45
_EACC = 0x31
_G0_INTRO = (0x28, 0x2C, 0x24)  # ( , $
_G1_INTRO = (0x29, 0x2D)  # ) -


def _maps(charset: int, code: int) -> bool:
    table = marc8_mapping.CODESETS.get(charset)
    return (table is not None and code in table) or code in marc8_mapping.ODD_MAP


def marc8_problem(data: bytes) -> str | None:
    """None when `data` decodes cleanly as MARC-8, else why not (with the byte offset)."""
    g0, g1 = _BASIC_LATIN, _ANSEL
    pos = 0
    size = len(data)
    while pos < size:
        byte = data[pos]
        if byte == 0x1B:
            if pos + 1 >= size:
                return f"escape sequence cut short at byte {pos}"
            intro = data[pos + 1]
            if intro in _G0_INTRO or intro in _G1_INTRO:
                step = (
                    1 if intro == 0x24 and pos + 2 < size and data[pos + 2] in (0x2C, 0x2D) else 0
                )
                if pos + 2 + step >= size:
                    return f"escape sequence cut short at byte {pos}"
                final = data[pos + 2 + step]
                if final not in marc8_mapping.CODESETS:
                    return f"unknown MARC-8 character set 0x{final:02x} at byte {pos}"
                if intro in _G1_INTRO or (intro == 0x24 and step and data[pos + 2] == 0x2D):
                    g1 = final
                else:
                    g0 = final
                pos += 3 + step
                continue
            if intro in marc8_mapping.CODESETS:
                g0 = intro
            elif intro == 0x73:
                g0 = _BASIC_LATIN
            else:
                return f"unknown escape sequence at byte {pos}"
            pos += 2
            continue
        if g0 == _EACC:
            if pos + 3 > size:
                return f"East Asian (EACC) character cut short at byte {pos}"
            code = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
            if code >= 0x20 and not _maps(_EACC, code):
                return f"byte sequence 0x{code:06x} at byte {pos} is not an EACC character"
            pos += 3
            continue
        pos += 1
        if byte < 0x20 or 0x80 < byte < 0xA0:
            continue
        charset = g1 if byte > 0x80 else g0
        if not _maps(charset, byte):
            return f"byte 0x{byte:02x} at byte {pos - 1} is not a MARC-8 character"
    return None
