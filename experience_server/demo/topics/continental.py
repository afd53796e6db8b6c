"""European-literature topics in their own languages: a German introduction to Goethe's
Italian journey and a French one to Madame Bovary."""

from __future__ import annotations

from experience_server.demo.topics import Figure, Topic


def topics() -> list[Topic]:
    return [_goethe_de(), _bovary_fr()]


def _goethe_de() -> Topic:
    return Topic(
        key="goethe-de",
        voice="de-lit",
        slots={
            "author": ("Goethe",),
            "work_dat": (
                "der Italienischen Reise",
                "den Römischen Elegien",
                "dem Tasso",
                "der Iphigenie auf Tauris",
                "dem Faust",
            ),
            "work_acc": (
                "die Italienische Reise",
                "die Römischen Elegien",
                "den Tasso",
                "die Iphigenie",
                "den Faust",
            ),
            "character": ("der Reisende", "Goethe", "der Erzähler", "der junge Maler"),
            "scene": (
                "in Rom ankommt",
                "den Vesuv besteigt",
                "in Neapel zum ersten Mal das Meer sieht",
                "in Palermo den öffentlichen Garten besucht",
                "über den Brenner reist",
                "in Verona das Amphitheater betritt",
            ),
            "theme": (
                "der Kunst",
                "der Antike",
                "dem Licht des Südens",
                "der Natur",
                "der Erinnerung",
                "der Bildung",
                "der Landschaft",
                "der Gesteinskunde",
                "dem Zeichnen",
                "der Urpflanze",
            ),
            "theme_gen": (
                "des Sehens",
                "der Geduld",
                "der Kunst",
                "der Natur",
                "der Aufmerksamkeit",
            ),
            "place": ("Rom", "Neapel", "Sizilien", "Venedig", "Weimar", "Verona"),
            "critic": (
                "Schiller",
                "Herder",
                "Eckermann",
                "die neuere Forschung",
                "ein Rezensent des 19. Jahrhunderts",
            ),
            "adj": ("ruhig", "genau", "anschaulich", "heiter", "nüchtern", "lebendig"),
            "period_gen": (
                "des achtzehnten Jahrhunderts",
                "der Romantik",
                "des neunzehnten Jahrhunderts",
                "von heute",
            ),
            "device_acc": (
                "die Form des Tagebuchs",
                "die genauen Ortsangaben",
                "den Wechsel von Brief und Bericht",
                "die eingestreuten Zeichnungen",
                "den ruhigen Ton",
            ),
            "heading": (
                "Ankunft in Rom",
                "Kunst und Natur",
                "Das Licht des Südens",
                "Neapel und der Vesuv",
                "Sizilien",
                "Die Urpflanze",
                "Zeichnen lernen",
                "Rückkehr nach Weimar",
                "Tagebuch und Brief",
                "Antike Vorbilder",
            ),
        },
        chapters=(
            "Aufbruch aus Weimar",
            "Über den Brenner",
            "Rom",
            "Neapel",
            "Sizilien",
            "Zweiter römischer Aufenthalt",
        ),
        figures=(
            Figure(
                "timeline",
                "Stationen der Reise 1786–1788",
                ("Karlsbad", "Venedig", "Rom", "Neapel", "Weimar"),
                (1786, 1786, 1786, 1787, 1788),
            ),
            Figure("bar", "Tage an den einzelnen Orten", ("Venedig", "Rom", "Neapel", "Sizilien")),
        ),
        openings=(
            "Habe nun, ach! Philosophie, / Juristerei und Medizin, / Und leider auch "
            "Theologie / Durchaus studiert, mit heißem Bemühn. (Goethe, Faust I, 1808)",
        ),
    )


def _bovary_fr() -> Topic:
    return Topic(
        key="bovary-fr",
        voice="fr-lit",
        slots={
            "work": (
                "Madame Bovary",
                "L'Éducation sentimentale",
                "Un cœur simple",
                "Salammbô",
                "Bouvard et Pécuchet",
            ),
            "character": ("Emma", "Charles", "Homais", "Rodolphe", "Léon", "Justin"),
            "scene": (
                "danse au bal de la Vaubyessard",
                "écoute les discours des comices agricoles",
                "traverse Rouen en fiacre",
                "achète des étoffes à crédit",
                "lit des romans au couvent",
            ),
            "theme": (
                "l'ennui",
                "la province",
                "l'illusion romantique",
                "la bourgeoisie",
                "l'argent",
                "la lecture",
                "la médiocrité",
                "la bêtise",
                "la mort",
                "la religion",
            ),
            "place_loc": ("à Yonville", "à Tostes", "à Rouen", "en Normandie", "à Paris"),
            "critic": (
                "Baudelaire",
                "Sainte-Beuve",
                "Proust",
                "Henry James",
                "Nathalie Sarraute",
                "la critique récente",
            ),
            "adj": ("impersonnel", "précis", "ironique", "patient"),
            "device": (
                "le style indirect libre",
                "l'imparfait",
                "le détail exact",
                "le point de vue mobile",
                "la juxtaposition des discours",
            ),
            "heading": (
                "Le bal",
                "Les comices",
                "Yonville",
                "Rouen",
                "L'argent",
                "La lecture",
                "Le procès",
                "Le style",
                "Homais",
                "La fin d'Emma",
            ),
        },
        chapters=(
            "Une casquette et une salle de classe",
            "Tostes et Yonville",
            "Les comices agricoles",
            "Rouen",
            "Le procès de 1857",
        ),
        figures=(
            Figure(
                "timeline",
                "Chronologie de Madame Bovary",
                ("rédaction", "Revue de Paris", "procès", "volume"),
                (1851, 1856, 1857, 1857),
            ),
            Figure(
                "network",
                "Les personnages autour d'Emma",
                ("Emma", "Charles", "Homais", "Léon", "Rodolphe", "Lheureux"),
            ),
        ),
        openings=(
            "Nous étions à l'Étude, quand le Proviseur entra, suivi d'un nouveau "
            "habillé en bourgeois. (Gustave Flaubert, Madame Bovary, 1857)",
        ),
    )
