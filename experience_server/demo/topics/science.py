"""Classroom topics in English: mathematics, physics and library science, the teaching
material a smart blackboard opens in front of a class."""

from __future__ import annotations

from experience_server.demo.topics import Figure, Topic

_ADJ = ("key", "subtle", "central", "practical", "important")


def topics() -> list[Topic]:
    return [
        _linear_algebra(),
        _calculus(),
        _statistics(),
        _mechanics(),
        _optics(),
        _library_science(),
        _marc(),
        _retrieval(),
    ]


def _linear_algebra() -> Topic:
    return Topic(
        key="linear-algebra",
        voice="en-sci",
        slots={
            "field": ("linear algebra",),
            "concept": (
                "a vector space",
                "a linear map",
                "the determinant",
                "an eigenvector",
                "a basis",
                "the rank of a matrix",
                "matrix multiplication",
                "an inner product",
                "orthogonal projection",
                "the null space",
            ),
            "law": (
                "the rank-nullity theorem",
                "the spectral theorem",
                "Cramer's rule",
                "the Gram-Schmidt procedure",
            ),
            "application": (
                "computer graphics",
                "systems of linear equations",
                "search-engine ranking",
                "least-squares fitting",
                "population models",
            ),
            "skill": (
                "row reduction",
                "computing determinants",
                "finding eigenvalues",
                "checking linear independence",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Vectors and Their Geometry",
            "Systems of Linear Equations",
            "Matrices",
            "Determinants",
            "Vector Spaces and Bases",
            "Linear Maps",
            "Eigenvalues and Eigenvectors",
            "Orthogonality and Least Squares",
        ),
        figures=(
            Figure("vectors", "Two vectors and their sum in the plane", ("u", "v", "u + v")),
            Figure("line", "Least-squares line through measured points", ("fit",)),
            Figure(
                "bar",
                "Pivots found in each step of row reduction",
                ("step 1", "step 2", "step 3", "step 4"),
            ),
        ),
        worked="linear-algebra",
    )


def _calculus() -> Topic:
    return Topic(
        key="calculus",
        voice="en-sci",
        slots={
            "field": ("calculus",),
            "concept": (
                "the derivative",
                "the integral",
                "a limit",
                "the chain rule",
                "a Taylor polynomial",
                "an antiderivative",
                "continuity",
                "the slope of a tangent",
            ),
            "law": (
                "the fundamental theorem of calculus",
                "the mean value theorem",
                "L'Hôpital's rule",
                "the product rule",
            ),
            "application": (
                "motion along a line",
                "areas and volumes",
                "optimisation problems",
                "growth and decay",
                "marginal cost in economics",
            ),
            "skill": (
                "differentiating polynomials",
                "computing definite integrals",
                "evaluating limits",
                "sketching graphs",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Functions and Graphs",
            "Limits and Continuity",
            "The Derivative",
            "Rules of Differentiation",
            "Applications of the Derivative",
            "The Integral",
            "The Fundamental Theorem",
            "Techniques of Integration",
            "Series",
        ),
        figures=(
            Figure("line", "The graph of y = x² and its tangent at x = 1", ("parabola",)),
            Figure("line", "A sine curve over one period", ("sine",)),
            Figure("bar", "Riemann sum with six rectangles", ("1", "2", "3", "4", "5", "6")),
        ),
        worked="calculus",
    )


def _statistics() -> Topic:
    return Topic(
        key="statistics",
        voice="en-sci",
        slots={
            "field": ("probability and statistics",),
            "concept": (
                "the mean",
                "the median",
                "the standard deviation",
                "a random variable",
                "the normal distribution",
                "a confidence interval",
                "a sampling distribution",
                "correlation",
            ),
            "law": (
                "the law of large numbers",
                "the central limit theorem",
                "Bayes' theorem",
                "the addition rule",
            ),
            "application": (
                "quality control",
                "opinion polls",
                "medical testing",
                "library usage surveys",
            ),
            "skill": (
                "summarising data",
                "computing probabilities",
                "reading histograms",
                "testing a hypothesis",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Describing Data",
            "Probability",
            "Random Variables",
            "The Normal Curve",
            "Sampling",
            "Estimation",
            "Testing Hypotheses",
        ),
        figures=(
            Figure("line", "The standard normal density", ("normal",)),
            Figure(
                "bar",
                "Loans per weekday in a sample week",
                ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"),
            ),
        ),
        worked="statistics",
    )


def _mechanics() -> Topic:
    return Topic(
        key="mechanics",
        voice="en-sci",
        slots={
            "field": ("mechanics",),
            "concept": (
                "velocity",
                "acceleration",
                "momentum",
                "kinetic energy",
                "force",
                "friction",
                "work",
                "potential energy",
            ),
            "law": (
                "Newton's second law",
                "the conservation of energy",
                "the conservation of momentum",
                "Hooke's law",
            ),
            "application": (
                "projectile motion",
                "braking distances",
                "collisions",
                "satellites in orbit",
            ),
            "skill": (
                "drawing free-body diagrams",
                "resolving forces",
                "using energy methods",
                "checking units",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Describing Motion",
            "Motion in Two Dimensions",
            "Forces and Newton's Laws",
            "Friction and Circular Motion",
            "Work and Energy",
            "Momentum and Collisions",
            "Rotation",
            "Oscillations",
        ),
        figures=(
            Figure("line", "Trajectory of a projectile launched at 45 degrees", ("projectile",)),
            Figure(
                "vectors", "Forces on a block resting on a slope", ("weight", "normal", "friction")
            ),
            Figure("line", "A damped oscillation", ("damped",)),
        ),
        worked="mechanics",
    )


def _optics() -> Topic:
    return Topic(
        key="optics",
        voice="en-sci",
        slots={
            "field": ("wave physics",),
            "concept": (
                "wavelength",
                "frequency",
                "interference",
                "diffraction",
                "refraction",
                "the speed of light",
                "polarisation",
                "a standing wave",
            ),
            "law": (
                "Snell's law",
                "the wave equation",
                "Huygens' principle",
                "the law of reflection",
            ),
            "application": (
                "optical fibres",
                "musical instruments",
                "spectacles and cameras",
                "rainbows",
            ),
            "skill": (
                "sketching wavefronts",
                "tracing rays",
                "computing wavelengths",
                "estimating orders of magnitude",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "What Is a Wave?",
            "Sound",
            "Superposition and Standing Waves",
            "Light as a Wave",
            "Reflection and Refraction",
            "Interference",
            "Diffraction",
        ),
        figures=(
            Figure("line", "Two waves and their superposition", ("sine",)),
            Figure(
                "vectors", "A ray refracted at a glass surface", ("incident", "refracted", "normal")
            ),
        ),
        worked="optics",
    )


def _library_science() -> Topic:
    return Topic(
        key="library-science",
        voice="en-sci",
        slots={
            "field": ("library and information science",),
            "concept": (
                "authority control",
                "a controlled vocabulary",
                "a call number",
                "collection development",
                "circulation data",
                "metadata",
                "interlibrary loan",
                "a union catalog",
                "classification",
                "information literacy",
            ),
            "law": (
                "Ranganathan's five laws",
                "the principle of least effort",
                "Bradford's law",
                "the 80/20 rule of circulation",
            ),
            "application": (
                "the reference desk",
                "information literacy classes",
                "the online catalog",
                "digital collections",
                "acquisitions",
            ),
            "skill": (
                "building a call number",
                "choosing subject headings",
                "reading circulation statistics",
                "weeding a collection",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "What Libraries Are For",
            "The Five Laws",
            "Collections",
            "Organising Knowledge",
            "Catalogs and Discovery",
            "Services to Readers",
            "Libraries and Technology",
            "Measuring Use",
            "The Library as Place",
        ),
        figures=(
            Figure(
                "tree",
                "The main classes of the Library of Congress Classification",
                ("LCC", "Humanities", "Sciences", "Social sciences", "B", "P", "Q", "T", "H", "J"),
            ),
            Figure(
                "bar",
                "Share of loans taken by the most popular fifth of titles",
                ("top 20%", "next 20%", "middle", "next 20%", "last 20%"),
            ),
            Figure(
                "flow",
                "From acquisition to the shelf",
                ("order", "receive", "catalog", "process", "shelve"),
            ),
        ),
        worked="library",
    )


def _marc() -> Topic:
    return Topic(
        key="marc",
        voice="en-sci",
        slots={
            "field": ("cataloguing",),
            "concept": (
                "the leader",
                "the 008 fixed field",
                "a variable data field",
                "an indicator",
                "a subfield code",
                "the 245 title statement",
                "the 650 subject heading",
                "holdings data",
                "the 852 location field",
            ),
            "law": (
                "RDA",
                "ISBD punctuation",
                "the Library of Congress Subject Headings",
                "the MARC 21 bibliographic format",
            ),
            "application": (
                "copy cataloguing",
                "batch loading records",
                "a discovery layer",
                "an integrated library system",
                "record exchange",
            ),
            "skill": (
                "reading a record field by field",
                "choosing indicators",
                "validating ISBNs",
                "editing holdings",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Why MARC Still Matters",
            "Anatomy of a Record",
            "Fixed Fields",
            "Titles and Responsibility",
            "Subjects and Classification",
            "Holdings",
            "Exchanging Records",
        ),
        figures=(
            Figure(
                "flow",
                "The parts of a MARC record",
                ("leader", "directory", "control fields", "data fields"),
            ),
            Figure(
                "tree",
                "A data field and its parts",
                ("245", "indicators", "subfields", "1", "0", "$a", "$b", "$c"),
            ),
        ),
        worked="library",
    )


def _retrieval() -> Topic:
    return Topic(
        key="retrieval",
        voice="en-sci",
        slots={
            "field": ("information retrieval",),
            "concept": (
                "precision",
                "recall",
                "a relevance judgement",
                "term frequency",
                "an inverted index",
                "collaborative filtering",
                "a co-borrowing graph",
                "popularity bias",
            ),
            "law": ("Zipf's law", "the probability ranking principle", "Heaps' law"),
            "application": (
                "the library catalog",
                "reading-list recommendations",
                "the 'also borrowed' list",
                "search logs",
            ),
            "skill": (
                "computing precision and recall",
                "building an index",
                "evaluating a ranking",
                "reading a co-occurrence table",
            ),
            "adj": _ADJ,
        },
        chapters=(
            "Searching and Finding",
            "Indexing",
            "Ranking",
            "Evaluation",
            "Recommendation from Loans",
            "Fairness and Privacy",
        ),
        figures=(
            Figure("line", "Zipf's law: loans against popularity rank", ("zipf",)),
            Figure(
                "network",
                "Books linked by shared borrowers",
                ("Faust", "Werther", "Emma", "Persuasion", "Bovary", "Quixote"),
            ),
            Figure("bar", "Precision at 1, 5 and 10", ("P@1", "P@5", "P@10")),
        ),
        worked="retrieval",
    )
