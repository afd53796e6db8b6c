"""A deterministic sample of European-literature placements (with Chinese translations)
for tests and benchmarks: what a catalog query would hand the scene builder."""

from __future__ import annotations

import random

from experience_server.placements import InMemoryPlacementSource, select_room_books
from scenes.placement import BookPlacement, RoomBooks
from scenes.template import RoomTemplate

_WORKS = {
    "PA": [
        ("Ilias", "Homer"),
        ("Odysseia", "Homer"),
        ("Aeneis", "Vergil"),
        ("Metamorphoses", "Ovid"),
        ("荷马史诗·伊利亚特", "荷马"),
        ("Oedipus Tyrannus", "Sophocles"),
        ("De rerum natura", "Lucretius"),
        ("Satyricon", "Petronius"),
    ],
    "PN": [
        ("Theory of Literature", "Wellek, René"),
        ("Mimesis", "Auerbach, Erich"),
        ("Anatomy of Criticism", "Frye, Northrop"),
        ("比较文学概论", "乐黛云"),
        ("The Art of the Novel", "Kundera, Milan"),
        ("Poetics of Space", "Bachelard, Gaston"),
    ],
    "PQ": [
        ("Madame Bovary", "Flaubert, Gustave"),
        ("Les Misérables", "Hugo, Victor"),
        ("悲惨世界", "雨果"),
        ("À la recherche du temps perdu", "Proust, Marcel"),
        ("Don Quijote de la Mancha", "Cervantes Saavedra, Miguel de"),
        ("La Divina Commedia", "Dante Alighieri"),
        ("神曲", "但丁"),
        ("Il nome della rosa", "Eco, Umberto"),
        ("Os Lusíadas", "Camões, Luís de"),
    ],
    "PR": [
        ("Hamlet", "Shakespeare, William"),
        ("Pride and Prejudice", "Austen, Jane"),
        ("傲慢与偏见", "奥斯丁"),
        ("Middlemarch", "Eliot, George"),
        ("Ulysses", "Joyce, James"),
        ("Great Expectations", "Dickens, Charles"),
        ("Mrs Dalloway", "Woolf, Virginia"),
    ],
    "PT": [
        ("Faust", "Goethe, Johann Wolfgang von"),
        ("浮士德", "歌德"),
        ("Der Zauberberg", "Mann, Thomas"),
        ("Der Process", "Kafka, Franz"),
        ("Peer Gynt", "Ibsen, Henrik"),
        ("Max Havelaar", "Multatuli"),
        ("Die Blechtrommel", "Grass, Günter"),
    ],
}
_WEIGHTS = {"PA": 0.1, "PN": 0.25, "PQ": 0.25, "PR": 0.25, "PT": 0.15}
_EDITIONS = [
    "",
    " (critical edition)",
    ": a new translation",
    ", vol. 1",
    ", vol. 2",
    ": essays",
    " and other writings",
]
_SIZES = [
    (110.0, 178.0),
    (129.0, 198.0),
    (135.0, 216.0),
    (152.0, 229.0),
    (156.0, 234.0),
    (170.0, 240.0),
    (189.0, 246.0),
    (210.0, 297.0),
]


def sample_books(count: int, seed: int = 7) -> list[BookPlacement]:
    """`count` books in call-number order across PA, PN, PQ, PR and PT."""
    rng = random.Random(seed)
    classes = list(_WEIGHTS)
    out = []
    for i in range(count):
        cls = rng.choices(classes, weights=[_WEIGHTS[c] for c in classes])[0]
        title, author = rng.choice(_WORKS[cls])
        if rng.random() < 0.5:
            title += rng.choice(_EDITIONS)
        number = rng.randint(1, 9899)
        cutter = f".{chr(65 + rng.randint(0, 25))}{rng.randint(1, 99)}"
        call = f"{cls}{number} {cutter} {rng.randint(1890, 2024)}"
        width, height = rng.choice(_SIZES)
        out.append(
            BookPlacement(
                record_id=f"rec-{seed}-{i:06d}",
                book_id=f"book-{i:06d}" if rng.random() < 0.3 else None,
                title=title,
                authors=(author,),
                call_number=call,
                subjects=(f"{cls} literature",),
                page_count=rng.randint(80, 900),
                page_width_mm=width,
                page_height_mm=height,
            )
        )
    out.sort(key=lambda p: (p.call_number[:2], int(p.call_number[2:].split(" ")[0])))
    return out


def sample_room_books(template: RoomTemplate, count: int, cap: int = 5000) -> RoomBooks:
    """The books each shelf range of `template` selects from a sample of `count`."""
    source = InMemoryPlacementSource(sample_books(count))
    return select_room_books(template, source, cap)
