"""ISBN-13 and item barcodes with real check digits, so catalog validators accept them."""

from __future__ import annotations


def isbn13_check_digit(first12: str) -> str:
    """Weights 1, 3, 1, 3, ... over the first twelve digits; the check digit tops the sum up
    to a multiple of ten."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"need twelve digits, got {first12!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str(-total % 10)


def make_isbn13(prefix: str, serial: int) -> str:
    """`prefix` (EAN prefix, group and registrant) followed by a title number."""
    width = 12 - len(prefix)
    body = f"{prefix}{serial % 10**width:0{width}d}"
    return body + isbn13_check_digit(body)


def is_valid_isbn13(isbn: str) -> bool:
    digits = isbn.replace("-", "")
    return len(digits) == 13 and digits.isdigit() and isbn13_check_digit(digits[:12]) == digits[12]


def luhn_check_digit(body: str) -> str:
    """The mod-10 (Luhn) digit library barcodes commonly end with."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def make_barcode(serial: int) -> str:
    """A 14-digit item barcode: 3 (item), 9001 (institution), serial, Luhn digit."""
    body = f"39001{serial:08d}"
    return body + luhn_check_digit(body)
