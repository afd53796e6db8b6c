"""European-literature topics: the research-topic zone (public-domain classics and their
readers), in English, German and French."""

from __future__ import annotations

from experience_server.demo.topics import Figure, Topic

_EN_CRITICS = ("a nineteenth-century reviewer", "a recent critic", "one modern editor")


def topics() -> list[Topic]:
    return [
        _goethe(),
        _austen(),
        _flaubert(),
        _dante(),
        _cervantes(),
        _tolstoy(),
        _survey(),
    ]


def _goethe() -> Topic:
    return Topic(
        key="goethe",
        voice="en-lit",
        slots={
            "author": ("Goethe",),
            "work": (
                "Faust",
                "Faust, Part One",
                "Faust, Part Two",
                "Werther",
                "Wilhelm Meister's Apprenticeship",
                "Elective Affinities",
                "the Italian Journey",
            ),
            "character": (
                "Faust",
                "Mephistopheles",
                "Gretchen",
                "Wagner",
                "Werther",
                "Wilhelm",
                "Ottilie",
                "Charlotte",
            ),
            "scene": (
                "signs the pact in his own blood",
                "walks among the townspeople on Easter morning",
                "sits alone in the narrow Gothic study",
                "sings at the spinning wheel",
                "reads Homer in the garden",
                "leaves the theatre company for good",
            ),
            "theme": (
                "knowledge",
                "striving",
                "desire",
                "guilt",
                "nature",
                "the limits of science",
                "restlessness",
                "renunciation",
                "education",
                "the classical past",
                "the wager",
                "redemption",
            ),
            "place": (
                "Weimar",
                "the Harz mountains",
                "Leipzig",
                "Rome",
                "a small German court",
                "the Brocken",
            ),
            "critic": ("Schiller", "Madame de Staël", "Eckermann", "Thomas Carlyle", *_EN_CRITICS),
            "adj": ("restless", "ironic", "lyrical", "unhurried", "exact", "exuberant"),
            "period": ("Eighteenth-century", "Romantic", "Victorian", "Modern"),
            "device": (
                "the shifts between verse forms",
                "the framing prologues",
                "the letters that carry the whole story",
                "the sudden changes of scene",
                "the mixture of comedy and tragedy",
            ),
        },
        chapters=(
            "The Study and the Street",
            "A Wager in Heaven",
            "Gretchen's Tragedy",
            "The Walpurgis Night",
            "Helena and the Classical Past",
            "Land Reclaimed from the Sea",
            "Goethe the Scientist",
            "Faust after Goethe",
        ),
        figures=(
            Figure(
                "timeline",
                "Milestones in Goethe's life and work",
                ("born, Frankfurt", "Werther", "Italy", "Faust I", "Faust II; dies"),
                (1749, 1774, 1786, 1808, 1832),
            ),
            Figure(
                "network",
                "Who speaks to whom in Faust, Part One",
                ("Faust", "Mephisto", "Gretchen", "Wagner", "Marthe", "Valentin"),
            ),
            Figure(
                "bar",
                "How often the key words of the study scenes recur",
                ("Geist", "Natur", "Tat", "Wort", "Kraft"),
            ),
        ),
        openings=(
            "Habe nun, ach! Philosophie, / Juristerei und Medizin, / Und leider auch "
            "Theologie / Durchaus studiert, mit heißem Bemühn. (Goethe, Faust I, 1808)",
        ),
    )


def _austen() -> Topic:
    return Topic(
        key="austen",
        voice="en-lit",
        slots={
            "author": ("Austen",),
            "work": (
                "Pride and Prejudice",
                "Emma",
                "Persuasion",
                "Mansfield Park",
                "Sense and Sensibility",
                "Northanger Abbey",
            ),
            "character": (
                "Elizabeth Bennet",
                "Mr Darcy",
                "Emma Woodhouse",
                "Mr Knightley",
                "Anne Elliot",
                "Captain Wentworth",
                "Fanny Price",
                "Miss Bates",
            ),
            "scene": (
                "refuses the first proposal",
                "insults Miss Bates at Box Hill",
                "reads the letter in the grove",
                "plays the piano at Rosings",
                "walks three miles through the mud to Netherfield",
                "hears the conversation about constancy at the White Hart",
            ),
            "theme": (
                "conversation",
                "manners",
                "money",
                "marriage",
                "pride",
                "judgement",
                "persuasion",
                "social rank",
                "self-knowledge",
                "gossip",
                "propriety",
            ),
            "place": ("Longbourn", "Highbury", "Bath", "Pemberley", "the assembly rooms", "Lyme"),
            "critic": (
                "Walter Scott",
                "Charlotte Brontë",
                "G. H. Lewes",
                "Virginia Woolf",
                *_EN_CRITICS,
            ),
            "adj": ("poised", "ironic", "precise", "playful", "economical", "understated"),
            "period": ("Regency", "Victorian", "Edwardian", "Modern"),
            "device": (
                "free indirect speech",
                "the mistaken first impression",
                "dialogue that does the work of description",
                "the letter as turning point",
                "the narrator's dry asides",
            ),
        },
        chapters=(
            "Talk as Action",
            "The Ballroom and the Drawing Room",
            "Letters and Second Thoughts",
            "Irony and the Narrator",
            "Money, Rank and Marriage",
            "Walking and Thinking",
            "Persuasion and Constancy",
            "Austen in the Classroom",
        ),
        figures=(
            Figure(
                "network",
                "Conversations between the principal characters",
                ("Elizabeth", "Darcy", "Jane", "Bingley", "Mrs Bennet", "Wickham"),
            ),
            Figure(
                "timeline",
                "Austen's novels in order of publication",
                (
                    "Sense and Sensibility",
                    "Pride and Prejudice",
                    "Mansfield Park",
                    "Emma",
                    "Persuasion",
                ),
                (1811, 1813, 1814, 1815, 1817),
            ),
            Figure(
                "bar",
                "Share of each chapter given to dialogue",
                ("I", "II", "III", "IV", "V", "VI"),
            ),
        ),
        openings=(
            "It is a truth universally acknowledged, that a single man in possession of "
            "a good fortune, must be in want of a wife. (Jane Austen, Pride and "
            "Prejudice, 1813)",
        ),
    )


def _flaubert() -> Topic:
    return Topic(
        key="flaubert",
        voice="en-lit",
        slots={
            "author": ("Flaubert",),
            "work": (
                "Madame Bovary",
                "Sentimental Education",
                "Three Tales",
                "Salammbô",
                "A Simple Heart",
            ),
            "character": (
                "Emma Bovary",
                "Charles Bovary",
                "Homais",
                "Rodolphe",
                "Léon",
                "Frédéric Moreau",
                "Félicité",
            ),
            "scene": (
                "dances at the ball at La Vaubyessard",
                "listens to the speeches at the agricultural show",
                "rides in the closed cab through Rouen",
                "buys fabrics on credit",
                "watches the parrot on the mantelpiece",
            ),
            "theme": (
                "boredom",
                "provincial life",
                "romantic illusion",
                "money",
                "desire",
                "the bourgeoisie",
                "style",
                "reading",
                "disappointment",
                "habit",
            ),
            "place": ("Yonville", "Tostes", "Rouen", "Paris", "Normandy", "the pharmacy"),
            "critic": ("Baudelaire", "Henry James", "Sainte-Beuve", "Proust", *_EN_CRITICS),
            "adj": ("impersonal", "exact", "ironic", "patient", "sensuous", "cold"),
            "period": ("Second Empire", "Victorian", "Modernist", "Contemporary"),
            "device": (
                "the free indirect style",
                "the juxtaposed speeches",
                "the imperfect tense",
                "the precise detail",
                "the shifting point of view",
            ),
        },
        chapters=(
            "A Cap and a Classroom",
            "Yonville",
            "The Agricultural Show",
            "Rouen",
            "Credit and Ruin",
            "The Trial of 1857",
            "After Bovary",
        ),
        figures=(
            Figure(
                "timeline",
                "Flaubert's career in five dates",
                ("born, Rouen", "Madame Bovary", "trial", "Sentimental Education", "dies"),
                (1821, 1856, 1857, 1869, 1880),
            ),
            Figure(
                "network",
                "Emma's world in Yonville",
                ("Emma", "Charles", "Homais", "Léon", "Rodolphe", "Lheureux"),
            ),
            Figure("bar", "Debts to Lheureux, by part of the novel", ("I", "II", "III")),
        ),
        openings=(
            "Nous étions à l'Étude, quand le Proviseur entra, suivi d'un nouveau "
            "habillé en bourgeois. (Gustave Flaubert, Madame Bovary, 1857)",
        ),
    )


def _dante() -> Topic:
    return Topic(
        key="dante",
        voice="en-lit",
        slots={
            "author": ("Dante",),
            "work": (
                "the Inferno",
                "the Purgatorio",
                "the Paradiso",
                "the Commedia",
                "the Vita Nuova",
                "the Convivio",
            ),
            "character": (
                "Virgil",
                "Beatrice",
                "Francesca",
                "Ulysses",
                "Ugolino",
                "Farinata",
                "Statius",
                "Cacciaguida",
                "Piccarda",
                "Brunetto Latini",
            ),
            "scene": (
                "loses his way in the dark wood",
                "hears Francesca tell her story",
                "meets Ulysses in the flame",
                "climbs the mountain at dawn",
                "sees Beatrice in the procession",
                "looks into the eternal light",
            ),
            "theme": (
                "exile",
                "justice",
                "love",
                "memory",
                "the body",
                "grace",
                "political faction",
                "poetry",
                "repentance",
                "vision",
                "hope",
                "free will",
            ),
            "place": (
                "Florence",
                "the dark wood",
                "the circle of the lustful",
                "the mountain of Purgatory",
                "the earthly paradise",
                "the heaven of the Sun",
                "Ravenna",
            ),
            "critic": (
                "Boccaccio",
                "Erich Auerbach",
                "T. S. Eliot",
                "Longfellow",
                "an early commentator",
                *_EN_CRITICS,
            ),
            "adj": ("architectural", "compressed", "visionary", "severe", "luminous", "tender"),
            "period": ("Medieval", "Renaissance", "Romantic", "Modern"),
            "device": (
                "terza rima",
                "the guide figure",
                "the contrapasso",
                "the address to the reader",
                "the simile drawn from daily life",
                "the numerical structure",
            ),
        },
        chapters=(
            "The Dark Wood",
            "Virgil as Guide",
            "The Circles of Hell",
            "Francesca and the Reading of Love",
            "Ulysses and the Limits of Knowledge",
            "The Mountain of Purgatory",
            "Art and Pride on the Terraces",
            "Beatrice",
            "The Spheres of Paradise",
            "The Final Vision",
        ),
        figures=(
            Figure(
                "tree",
                "The moral order of the Inferno",
                (
                    "Hell",
                    "Incontinence",
                    "Violence",
                    "Fraud",
                    "Lust",
                    "Gluttony",
                    "Against others",
                    "Against self",
                    "Simple fraud",
                    "Treachery",
                ),
            ),
            Figure("bar", "Cantos in each canticle", ("Inferno", "Purgatorio", "Paradiso")),
            Figure(
                "timeline",
                "Dante's life and the writing of the Commedia",
                ("born, Florence", "Beatrice dies", "exile", "Inferno", "dies, Ravenna"),
                (1265, 1290, 1302, 1314, 1321),
            ),
            Figure(
                "network",
                "Meetings on the journey",
                ("Dante", "Virgil", "Beatrice", "Francesca", "Ulysses", "Statius"),
            ),
        ),
        openings=(
            "Midway upon the journey of our life / I found myself within a forest "
            "dark, / For the straightforward pathway had been lost. (Dante, Inferno I, "
            "tr. Longfellow, 1867)",
        ),
    )


def _cervantes() -> Topic:
    return Topic(
        key="cervantes",
        voice="en-lit",
        slots={
            "author": ("Cervantes",),
            "work": (
                "Don Quixote",
                "the second part of Don Quixote",
                "the Exemplary Novels",
                "Galatea",
                "The Dialogue of the Dogs",
            ),
            "character": (
                "Don Quixote",
                "Sancho Panza",
                "Dulcinea",
                "the Knight of the Mirrors",
                "the duke and duchess",
                "Ginés de Pasamonte",
            ),
            "scene": (
                "charges the windmills",
                "is knighted at the inn",
                "frees the galley slaves",
                "governs the island of Barataria",
                "reads the false sequel",
                "returns home to die",
            ),
            "theme": (
                "fiction",
                "madness",
                "chivalry",
                "reading",
                "reality",
                "friendship",
                "authorship",
                "imitation",
                "honour",
                "disenchantment",
            ),
            "place": (
                "La Mancha",
                "the inn",
                "the Sierra Morena",
                "Barcelona",
                "the duke's castle",
                "Toledo",
            ),
            "critic": (
                "Unamuno",
                "Ortega y Gasset",
                "Laurence Sterne",
                "Vladimir Nabokov",
                *_EN_CRITICS,
            ),
            "adj": ("playful", "self-aware", "digressive", "generous", "comic", "melancholy"),
            "period": ("Golden Age", "Enlightenment", "Romantic", "Modern"),
            "device": (
                "the found manuscript",
                "the interpolated tale",
                "the story within the story",
                "the dialogue between knight and squire",
                "the parody of romance",
            ),
        },
        chapters=(
            "A Gentleman of La Mancha",
            "Books that Drive One Mad",
            "Knight and Squire",
            "Stories within the Story",
            "The Second Part and the False Sequel",
            "Barataria",
            "Disenchantment",
            "The First Modern Novel?",
        ),
        figures=(
            Figure(
                "network",
                "Knight, squire and the people they meet",
                ("Quixote", "Sancho", "Dulcinea", "the priest", "the barber", "Sansón"),
            ),
            Figure(
                "timeline",
                "Cervantes and the two parts of Don Quixote",
                ("born", "Lepanto", "Part One", "false sequel", "Part Two; dies"),
                (1547, 1571, 1605, 1614, 1616),
            ),
            Figure("bar", "Adventures per part of the novel", ("Part One", "Part Two")),
        ),
        openings=(
            "In a village of La Mancha, the name of which I have no desire to call to "
            "mind, there lived not long since one of those gentlemen that keep a lance in "
            "the lance-rack. (Cervantes, Don Quixote, tr. Ormsby, 1885)",
        ),
    )


def _tolstoy() -> Topic:
    return Topic(
        key="tolstoy",
        voice="en-lit",
        slots={
            "author": ("Tolstoy",),
            "work": (
                "Anna Karenina",
                "War and Peace",
                "The Death of Ivan Ilyich",
                "Resurrection",
                "Childhood",
                "What Is Art?",
            ),
            "character": (
                "Anna",
                "Levin",
                "Kitty",
                "Vronsky",
                "Karenin",
                "Pierre",
                "Natasha",
                "Prince Andrei",
                "Ivan Ilyich",
            ),
            "scene": (
                "mows the meadow with the peasants",
                "watches the steeplechase",
                "lies wounded at Austerlitz",
                "goes to her first ball",
                "faces his own death",
                "arrives at the railway station",
            ),
            "theme": (
                "conscience",
                "family",
                "faith",
                "death",
                "history",
                "work",
                "love",
                "society",
                "truth",
                "simplicity",
                "the meaning of life",
            ),
            "place": (
                "Moscow",
                "Petersburg",
                "the country estate",
                "Borodino",
                "Yasnaya Polyana",
                "the railway station",
            ),
            "critic": (
                "Dostoevsky",
                "Matthew Arnold",
                "Isaiah Berlin",
                "Virginia Woolf",
                *_EN_CRITICS,
            ),
            "adj": ("panoramic", "plain", "searching", "moral", "patient", "vivid"),
            "period": ("Nineteenth-century", "Edwardian", "Soviet", "Contemporary"),
            "device": (
                "the parallel plots",
                "the interior monologue",
                "the authorial essay",
                "the telling detail",
                "the estrangement of the familiar",
            ),
        },
        chapters=(
            "Happy and Unhappy Families",
            "Levin in the Fields",
            "Society and Scandal",
            "History from Below",
            "Pierre's Search",
            "Facing Death",
            "Art and Sincerity",
            "Tolstoy's Readers",
        ),
        figures=(
            Figure(
                "network",
                "The two households of Anna Karenina",
                ("Anna", "Karenin", "Vronsky", "Levin", "Kitty", "Oblonsky"),
            ),
            Figure(
                "timeline",
                "Tolstoy's major works",
                ("Childhood", "War and Peace", "Anna Karenina", "Ivan Ilyich", "Resurrection"),
                (1852, 1869, 1878, 1886, 1899),
            ),
            Figure("bar", "Chapters given to each plot line", ("Anna", "Levin", "both")),
        ),
        openings=(
            "Happy families are all alike; every unhappy family is unhappy in its own "
            "way. (Leo Tolstoy, Anna Karenina, tr. Garnett, 1901)",
        ),
    )


def _survey() -> Topic:
    return Topic(
        key="european-novel",
        voice="en-lit",
        slots={
            "author": (
                "Cervantes",
                "Defoe",
                "Richardson",
                "Goethe",
                "Austen",
                "Stendhal",
                "Balzac",
                "Flaubert",
                "Dickens",
                "Tolstoy",
                "George Eliot",
                "Fontane",
            ),
            "work": (
                "Don Quixote",
                "Robinson Crusoe",
                "Clarissa",
                "Werther",
                "Pride and Prejudice",
                "The Red and the Black",
                "Père Goriot",
                "Madame Bovary",
                "Bleak House",
                "Middlemarch",
                "Effi Briest",
            ),
            "character": (
                "Julien Sorel",
                "Dorothea Brooke",
                "Eugène de Rastignac",
                "Effi",
                "Esther Summerson",
                "Robinson",
                "Clarissa",
            ),
            "scene": (
                "arrives in the capital with nothing",
                "reads a letter that changes everything",
                "refuses an advantageous marriage",
                "is shipwrecked on the island",
                "looks down on Paris from the cemetery",
            ),
            "theme": (
                "the individual",
                "society",
                "money",
                "ambition",
                "marriage",
                "realism",
                "the city",
                "education",
                "the reading public",
                "class",
                "the family",
            ),
            "place": ("Paris", "London", "Weimar", "Madrid", "Moscow", "a provincial town"),
            "critic": (
                "Georg Lukács",
                "Ian Watt",
                "Erich Auerbach",
                "Mikhail Bakhtin",
                *_EN_CRITICS,
            ),
            "adj": ("expansive", "realist", "satirical", "serial", "confident", "anxious"),
            "period": ("Eighteenth-century", "Victorian", "Modernist", "Contemporary"),
            "device": (
                "the epistolary form",
                "the omniscient narrator",
                "serial publication",
                "the Bildungsroman plot",
                "free indirect discourse",
            ),
        },
        chapters=(
            "Beginnings: Cervantes and the Picaresque",
            "The Rise of the Novel in England",
            "Letters and Sentiment",
            "The Bildungsroman",
            "French Realism",
            "The Victorian Multi-Plot Novel",
            "The Russian Novel",
            "Towards Modernism",
            "How to Read a Long Novel",
        ),
        figures=(
            Figure(
                "timeline",
                "Landmarks of the European novel",
                ("Don Quixote", "Robinson Crusoe", "Werther", "Madame Bovary", "Anna Karenina"),
                (1605, 1719, 1774, 1857, 1878),
            ),
            Figure(
                "bar",
                "Novels published per decade in the survey sample",
                ("1820s", "1830s", "1840s", "1850s", "1860s", "1870s"),
            ),
            Figure(
                "network",
                "Influences between novelists",
                ("Cervantes", "Fielding", "Goethe", "Flaubert", "Tolstoy", "Eliot"),
            ),
        ),
    )
