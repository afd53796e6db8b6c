"""Worked examples for the classroom books, computed from seeded numbers so every figure in
the prose is arithmetically right (a teacher may well check)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from types import MappingProxyType

from experience_server.demo.isbn import isbn13_check_digit

Worked = Callable[[random.Random], str]


def worked_example(key: str, rng: random.Random) -> str:
    """One worked example sentence (or two) for the topic's `worked` key."""
    return _EXAMPLES[key](rng)


def _linear_algebra(rng: random.Random) -> str:
    a, b, c, d = (rng.randint(1, 9) for _ in range(4))
    det = a * d - b * c
    if det == 0:
        return (
            f"The matrix with rows ({a}, {b}) and ({c}, {d}) has determinant {a}·{d} − "
            f"{b}·{c} = 0, so its columns are linearly dependent and it has no inverse."
        )
    return (
        f"For the matrix with rows ({a}, {b}) and ({c}, {d}), the determinant is "
        f"{a}·{d} − {b}·{c} = {det}; since it is not zero, the matrix is invertible."
    )


def _calculus(rng: random.Random) -> str:
    a, b, x = rng.randint(2, 6), rng.randint(1, 9), rng.randint(1, 4)
    slope = 2 * a * x + b
    upper = rng.randint(1, 3)
    area = a * upper**3 / 3 + b * upper**2 / 2
    return (
        f"For f(x) = {a}x² + {b}x, the derivative is f′(x) = {2 * a}x + {b}, so the slope "
        f"of the tangent at x = {x} is {slope}. The area under the curve from 0 to {upper} "
        f"is {a}·{upper}³/3 + {b}·{upper}²/2 = {area:.2f}."
    )


def _statistics(rng: random.Random) -> str:
    sample = sorted(rng.randint(2, 30) for _ in range(7))
    mean = sum(sample) / len(sample)
    return (
        f"For the sample {', '.join(map(str, sample))} the mean is {mean:.2f} and the "
        f"median, the middle value of the sorted list, is {sample[3]}."
    )


def _mechanics(rng: random.Random) -> str:
    m, v = rng.randint(2, 80), rng.randint(2, 30)
    if rng.random() < 0.5:
        return (
            f"A body of mass {m} kg moving at {v} m/s has kinetic energy "
            f"½·{m}·{v}² = {0.5 * m * v * v:.0f} J."
        )
    return (
        f"A ball thrown at {v} m/s and 45 degrees lands v²/g = {v}²/9.81 = "
        f"{v * v / 9.81:.1f} m away, if we neglect air resistance."
    )


def _optics(rng: random.Random) -> str:
    if rng.random() < 0.5:
        f = rng.choice((256, 320, 440, 512, 660))
        return (
            f"A note of {f} Hz in air, where sound travels at 343 m/s, has wavelength "
            f"343/{f} = {343 / f:.3f} m."
        )
    angle = rng.randint(15, 60)
    refracted = math.degrees(math.asin(math.sin(math.radians(angle)) / 1.5))
    return (
        f"Light meeting glass (n = 1.5) at {angle} degrees to the normal bends to "
        f"{refracted:.1f} degrees, since sin θ₂ = sin {angle}° / 1.5."
    )


def _isbn_digits(rng: random.Random) -> str:
    return "978" + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _library(rng: random.Random) -> str:
    if rng.random() < 0.5:
        body = _isbn_digits(rng)
        return (
            f"The ISBN {body}? gets its check digit by weighting the twelve digits "
            f"alternately by 1 and 3: the check digit is {isbn13_check_digit(body)}."
        )
    loans, titles = rng.randint(800, 3000), rng.randint(150, 600)
    top = round(loans * rng.uniform(0.55, 0.75))
    return (
        f"In a term with {loans} loans across {titles} titles, the most borrowed fifth of "
        f"the titles accounted for {top} loans, or {100 * top / loans:.0f} per cent."
    )


def _retrieval(rng: random.Random) -> str:
    retrieved = rng.randint(8, 20)
    relevant_found = rng.randint(3, retrieved - 2)
    relevant_total = relevant_found + rng.randint(1, 10)
    return (
        f"If a search returns {retrieved} books of which {relevant_found} are relevant, "
        f"and the collection holds {relevant_total} relevant books, precision is "
        f"{relevant_found}/{retrieved} = {relevant_found / retrieved:.2f} and recall is "
        f"{relevant_found}/{relevant_total} = {relevant_found / relevant_total:.2f}."
    )


def _calculus_zh(rng: random.Random) -> str:
    a, b, x = rng.randint(2, 6), rng.randint(1, 9), rng.randint(1, 4)
    return (
        f"例如，函数 f(x) = {a}x² + {b}x 的导数为 f′(x) = {2 * a}x + {b}，"
        f"因此它在 x = {x} 处的切线斜率为 {2 * a * x + b}。"
    )


def _library_zh(rng: random.Random) -> str:
    if rng.random() < 0.5:
        body = _isbn_digits(rng)
        return (
            f"以书号 {body}? 为例，前十二位按 1 和 3 交替加权求和，"
            f"可得校验位为 {isbn13_check_digit(body)}。"
        )
    loans, titles = rng.randint(800, 3000), rng.randint(150, 600)
    top = round(loans * rng.uniform(0.55, 0.75))
    return (
        f"某学期共借出图书 {loans} 册次，涉及 {titles} 种图书，其中借阅最多的五分之一"
        f"图书占 {top} 册次，约为 {100 * top / loans:.0f}%。"
    )


def _library_ja(rng: random.Random) -> str:
    loans, titles = rng.randint(800, 3000), rng.randint(150, 600)
    top = round(loans * rng.uniform(0.55, 0.75))
    return (
        f"たとえば、ある学期に {titles} タイトルで {loans} 回の貸出があり、上位五分の一の"
        f"タイトルが {top} 回、すなわち約 {100 * top / loans:.0f}% を占めた。"
    )


_EXAMPLES: Mapping[str, Worked] = MappingProxyType(
    {
        "linear-algebra": _linear_algebra,
        "calculus": _calculus,
        "statistics": _statistics,
        "mechanics": _mechanics,
        "optics": _optics,
        "library": _library,
        "retrieval": _retrieval,
        "calculus-zh": _calculus_zh,
        "library-zh": _library_zh,
        "library-ja": _library_ja,
    }
)
