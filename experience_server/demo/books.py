"""What is on the demo library's shelves: one spec per catalog record.

Authors and publishers are invented (the classics they write about are real); places,
classes and subject headings follow Library of Congress practice so the catalog looks like
one a university library would load.
"""

from __future__ import annotations

from dataclasses import dataclass

TRADE = (432.0, 648.0)  # 6 x 9 in
ROYAL = (442.0, 663.0)  # 156 x 234 mm
A5 = (420.0, 595.0)
K16 = (524.0, 737.0)  # 16K, 185 x 260 mm, common for Chinese textbooks
B5 = (516.0, 729.0)  # JIS B5


@dataclass(frozen=True)
class Publisher:
    name: str
    place: str
    country: str  # MARC country code, 008/15-17
    isbn_prefix: str  # "978" + group + registrant


@dataclass(frozen=True)
class BookSpec:
    key: str
    title: str
    subtitle: str | None
    authors: tuple[str, ...]
    language: str  # MARC language code
    topics: tuple[str, ...]  # chapter i is written from topics[i % len(topics)]
    zone: str
    cluster: str  # finer than zone: books borrowed together
    subjects: tuple[str, ...]  # LCSH, subdivisions separated by " -- "
    lc_class: str
    cutter: str
    publisher: Publisher
    year: int
    pages: int  # target length; the real count is measured after layout
    chapters: int
    page_size: tuple[float, float] = TRADE
    edition: str | None = None
    ebook: bool = True

    @property
    def call_number(self) -> str:
        return f"{self.lc_class} {self.cutter} {self.year}"


NORTHBRIDGE = Publisher("Northbridge University Press", "Cambridge", "enk", "9781916")
HARBOUR = Publisher("Harbour & Lane", "London", "enk", "9781847")
RIVERSIDE = Publisher("Riverside Academic", "New York", "nyu", "9781633")
STACKS = Publisher("Stacks Press", "Chicago", "ilu", "9780838")
FLUSS = Publisher("Verlag am Fluss", "Heidelberg", "gw ", "9783825")
QUAI = Publisher("Éditions du Quai", "Rouen", "fr ", "9782754")
DONGFANG = Publisher("东方大学出版社", "北京", "cc ", "9787301")
JIANGNAN = Publisher("江南文艺出版社", "南京", "cc ", "9787539")
HUAXIA = Publisher("华夏科学出版社", "上海", "cc ", "9787313")
HOKUTO = Publisher("北斗書房", "東京", "ja ", "9784805")
CLASSICS = Publisher("Heritage Classics", "London", "enk", "9780141")

_LIT = "european-literature"


def book_specs() -> list[BookSpec]:
    """Every record in catalog order; the position is the record's number."""
    return [*_literature(), *_science(), *_east_asia(), *_print_only()]


def _literature() -> list[BookSpec]:
    return [
        BookSpec("reading-goethe", "Reading Goethe", "Faust and the limits of knowledge",
                 ("Hartmann, Clara",), "eng", ("goethe",), _LIT, "german",
                 ("German literature -- 18th century -- History and criticism",
                  "Devil in literature",
                  "Knowledge, Theory of, in literature", "Romanticism -- Germany"),
                 "PT1925", ".H37", NORTHBRIDGE, 2018, 40, 7),
        BookSpec("austen-conversation", "Jane Austen and the Art of Conversation", None,
                 ("Whitcombe, Eleanor",), "eng", ("austen",), _LIT, "english",
                 ("English fiction -- 19th century -- History and criticism",
                  "Conversation in literature", "Manners and customs in literature",
                  "Women in literature"),
                 "PR4038", ".C64 W45", HARBOUR, 2016, 34, 7),
        BookSpec("flauberts-provinces", "Flaubert's Provinces",
                 "realism and its discontents", ("Marchetti, Paul",), "eng", ("flaubert",),
                 _LIT, "french",
                 ("French fiction -- 19th century -- History and criticism",
                  "Realism in literature", "Provincialism in literature",
                  "Middle class in literature"),
                 "PQ2249", ".M37", RIVERSIDE, 2020, 30, 6),
        BookSpec("dante-companion", "Dante's Commedia", "a reader's companion",
                 ("Bellini, Lucia", "Ross, Thomas"), "eng", ("dante",), _LIT, "italian",
                 ("Italian poetry -- To 1400 -- History and criticism",
                  "Hell in literature", "Purgatory in literature", "Paradise in literature",
                  "Allegory"),
                 "PQ4390", ".B45", NORTHBRIDGE, 2015, 160, 10, ROYAL, "Second edition."),
        BookSpec("cervantes-novel", "Cervantes and the Invention of the Novel", None,
                 ("Navarro, Elena",), "eng", ("cervantes",), _LIT, "spanish",
                 ("Spanish fiction -- Classical period, 1500-1700 -- History and criticism",
                  "Knights and knighthood in literature", "Parody",
                  "Fiction -- Technique"),
                 "PQ6352", ".N38", RIVERSIDE, 2019, 28, 6),
        BookSpec("tolstoy-moral", "Tolstoy's Moral Imagination", None, ("Petrova, Anna",),
                 "eng", ("tolstoy",), _LIT, "russian",
                 ("Russian fiction -- 19th century -- History and criticism",
                  "Ethics in literature", "Families in literature", "Death in literature"),
                 "PG3415", ".E8 P48", HARBOUR, 2017, 34, 7),
        BookSpec("european-novel", "The European Novel, 1600-1900", "a survey for students",
                 ("Lindqvist, Erik",), "eng", ("european-novel",), _LIT, "survey",
                 ("Fiction -- History and criticism", "European fiction -- History and "
                  "criticism", "Realism in literature", "Bildungsromans -- History and "
                  "criticism", "European fiction -- Study and teaching (Higher)"),
                 "PN3499", ".L56", NORTHBRIDGE, 2021, 56, 9, ROYAL),
        BookSpec("goethe-italien", "Goethes Italienische Reise", "eine Einführung",
                 ("Brandt, Ulrike",), "ger", ("goethe-de",), _LIT, "german",
                 ("Travel in literature", "German literature -- 18th century -- History "
                  "and criticism", "Italy -- Description and travel"),
                 "PT1940", ".B73", FLUSS, 2014, 22, 5, A5),
        BookSpec("lire-bovary", "Lire Madame Bovary", "une introduction",
                 ("Lefèvre, Claire",), "fre", ("bovary-fr",), _LIT, "french",
                 ("French fiction -- 19th century -- History and criticism",
                  "Adultery in literature", "Realism in literature"),
                 "PQ2246", ".M3 L44", QUAI, 2013, 14, 4, A5),
        BookSpec("nihon-kindai", "日本近代文学とヨーロッパ", None, ("佐藤美咲",), "jpn",
                 ("ja-modern",), _LIT, "comparative",
                 ("Japanese fiction -- 1868- -- History and criticism",
                  "Japanese literature -- European influences",
                  "Comparative literature -- Japanese and European"),
                 "PL717", ".S38", HOKUTO, 2019, 22, 6, B5),
    ]


def _science() -> list[BookSpec]:
    return [
        BookSpec("linear-algebra", "Linear Algebra for the Classroom", None,
                 ("Okafor, Daniel",), "eng", ("linear-algebra",), "mathematics", "algebra",
                 ("Algebras, Linear -- Textbooks", "Matrices", "Vector spaces"),
                 "QA184.2", ".O43", RIVERSIDE, 2022, 44, 8),
        BookSpec("calculus-examples", "Calculus Through Examples", None,
                 ("Moreau, Julien", "Chen, Lily"), "eng", ("calculus",), "mathematics",
                 "calculus", ("Calculus -- Textbooks", "Functions", "Mathematical analysis"),
                 "QA303.2", ".M67", NORTHBRIDGE, 2019, 60, 9, ROYAL, "Third edition."),
        BookSpec("probability-statistics", "Probability and Statistics", "a first course",
                 ("Svensson, Ingrid",), "eng", ("statistics",), "mathematics", "statistics",
                 ("Probabilities -- Textbooks", "Mathematical statistics -- Textbooks"),
                 "QA273", ".S94", HARBOUR, 2020, 36, 7),
        BookSpec("introductory-mechanics", "Introductory Mechanics",
                 "motion, force and energy", ("Adeyemi, Samuel",), "eng", ("mechanics",),
                 "physics", "mechanics", ("Mechanics -- Textbooks", "Motion", "Force and "
                                          "energy"),
                 "QC125.2", ".A34", RIVERSIDE, 2018, 42, 8),
        BookSpec("waves-optics", "Waves and Optics", "a classroom introduction",
                 ("Novak, Petra",), "eng", ("optics",), "physics", "waves",
                 ("Waves -- Textbooks", "Optics -- Textbooks", "Light -- Study and "
                                                               "teaching"),
                 "QC157", ".N68", NORTHBRIDGE, 2021, 30, 7),
        BookSpec("foundations-lis", "Foundations of Library and Information Science", None,
                 ("Greene, Margaret",), "eng", ("library-science",), "library-science",
                 "lis", ("Library science", "Information science", "Libraries -- Aims and "
                                                                  "objectives"),
                 "Z665", ".G74", STACKS, 2019, 46, 9),
        BookSpec("cataloguing-marc", "Cataloguing with MARC 21", "a practical guide",
                 ("Fielding, Robert",), "eng", ("marc",), "library-science", "cataloguing",
                 ("MARC formats -- Handbooks, manuals, etc.", "Cataloging -- Handbooks, "
                  "manuals, etc.", "Descriptive cataloging"),
                 "Z694.15", ".M37 F54", STACKS, 2017, 32, 7),
        BookSpec("retrieval-recommendation", "Information Retrieval and Recommendation in "
                 "Libraries", None, ("Haddad, Leila",), "eng", ("retrieval",),
                 "library-science", "retrieval",
                 ("Information retrieval", "Recommender systems (Information filtering)",
                  "Library circulation and loans -- Data processing"),
                 "Z667", ".H33", STACKS, 2023, 28, 6),
    ]


def _east_asia() -> list[BookSpec]:
    return [
        BookSpec("zh-classics", "中国古典文学导读", None, ("王立新",), "chi",
                 ("zh-classics",), "chinese-literature", "classics",
                 ("Chinese literature -- History and criticism", "Chinese literature -- "
                  "Study and teaching (Higher)", "Chinese fiction -- Ming-Qing dynasties, "
                  "1368-1912 -- History and criticism"),
                 "PL2265", ".W36", DONGFANG, 2017, 40, 8, K16),
        BookSpec("zh-tang-song", "唐诗宋词选讲", None, ("陈静",), "chi", ("zh-tang-song",),
                 "chinese-literature", "poetry",
                 ("Chinese poetry -- Tang dynasty, 618-907 -- History and criticism",
                  "Ci (Chinese poetry) -- History and criticism"),
                 "PL2321", ".C44", JIANGNAN, 2016, 30, 7, A5),
        BookSpec("zh-europe", "欧洲文学名著选讲", None, ("周文",), "chi", ("zh-europe",),
                 _LIT, "survey",
                 ("European literature -- History and criticism", "Literature, Comparative "
                  "-- European and Chinese"),
                 "PN761", ".Z46", JIANGNAN, 2020, 32, 7, A5),
        BookSpec("zh-library", "图书馆学概论", None, ("刘建国",), "chi", ("zh-library",),
                 "library-science", "lis",
                 ("Library science -- China", "Libraries -- China"),
                 "Z845", ".C5 L58", DONGFANG, 2018, 36, 8, K16, "第2版"),
        BookSpec("zh-smart-library", "高校智慧图书馆服务建设研究", None, ("赵晓燕", "孙明"),
                 "chi", ("zh-smart-library",), "library-science", "smart-library",
                 ("Academic libraries -- Information technology -- China",
                  "Libraries -- Technological innovations", "Virtual reality in education",
                  "Academic libraries -- Services to users"),
                 "Z675.U5", ".Z43", HUAXIA, 2022, 34, 8, K16),
        BookSpec("zh-calculus", "高等数学简明教程", None, ("黄海",), "chi", ("zh-calculus",),
                 "mathematics", "calculus", ("Calculus -- Textbooks",
                                             "Mathematical analysis"),
                 "QA303.2", ".H83", HUAXIA, 2019, 28, 7, K16),
        BookSpec("reading-promotion", "高校阅读推广实践", "Reading promotion in academic "
                 "libraries", ("林青", "Taylor, Ruth"), "chi", ("zh-promotion", "en-promotion"),
                 "library-science", "smart-library",
                 ("Reading promotion -- China", "Academic libraries -- Services to users",
                  "Books and reading -- China"),
                 "Z1003.5", ".C6 L56", DONGFANG, 2021, 24, 6, K16),
        BookSpec("ja-library", "図書館情報学入門", None, ("田中健一",), "jpn",
                 ("ja-library",), "library-science", "lis",
                 ("Library science -- Japan", "Information science"),
                 "Z845", ".J3 T36", HOKUTO, 2020, 22, 6, B5),
    ]


def _print_only() -> list[BookSpec]:
    return [
        BookSpec("faust-taylor", "Faust", "a tragedy", ("Goethe, Johann Wolfgang von",),
                 "eng", ("goethe",), _LIT, "german",
                 ("Devil -- Drama", "German drama -- Translations into "
                                                         "English"),
                 "PT2027", ".F2 T3", CLASSICS, 2005, 512, 1, ebook=False),
        BookSpec("don-quixote-ormsby", "Don Quixote", None,
                 ("Cervantes Saavedra, Miguel de",), "eng", ("cervantes",), _LIT, "spanish",
                 ("Knights and knighthood -- Spain -- Fiction", "Spain -- Social life and "
                                                                "customs -- Fiction"),
                 "PQ6329", ".A2", CLASSICS, 1998, 940, 1, ebook=False),
        BookSpec("pride-prejudice", "Pride and Prejudice", None, ("Austen, Jane",), "eng",
                 ("austen",), _LIT, "english",
                 ("Courtship -- England -- Fiction", "Sisters -- Fiction",
                  "England -- Social life and customs -- 19th century -- Fiction"),
                 "PR4034", ".P7", CLASSICS, 2003, 480, 1, ebook=False),
        BookSpec("madame-bovary", "Madame Bovary", "provincial manners",
                 ("Flaubert, Gustave",), "eng", ("flaubert",), _LIT, "french",
                 ("Adultery -- Fiction", "Married women -- France -- Fiction",
                  "France -- Social life and customs -- 19th century -- Fiction"),
                 "PQ2246", ".M2 E5", CLASSICS, 2002, 352, 1, ebook=False),
        BookSpec("anna-karenina", "Anna Karenina", None, ("Tolstoy, Leo",), "eng",
                 ("tolstoy",), _LIT, "russian",
                 ("Married women -- Russia -- Fiction", "Adultery -- Fiction",
                  "Russia -- Social life and customs -- 1533-1917 -- Fiction"),
                 "PG3366", ".A6 G3", CLASSICS, 2001, 864, 1, ebook=False),
        BookSpec("hongloumeng", "红楼梦", None, ("曹雪芹",), "chi", ("zh-classics",),
                 "chinese-literature", "classics",
                 ("Families -- China -- Fiction", "China -- Social life and customs -- 1644-"
                                                  "1912 -- Fiction"),
                 "PL2727", ".S2", DONGFANG, 2008, 1606, 1, ebook=False),
    ]
