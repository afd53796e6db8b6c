"""Deterministic prose: readable paragraphs built from a topic's words and a voice's
sentence templates by a seeded generator, so every build writes the same books.

A voice is a language and a genre ("en-lit", "zh-sci", ...). Templates name slots in braces;
a trailing digit asks for a second, different word from the same slot ("{theme2}").
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from experience_server.demo.topics import Topic
from experience_server.demo.worked import worked_example

_SLOT = re.compile(r"\{([a-z_]+?)(\d?)\}")


@dataclass(frozen=True)
class Voice:
    lang: str  # BCP 47 language of the prose, for the HTML `lang` attribute
    joiner: str  # between sentences: a space, or nothing for Chinese and Japanese
    templates: tuple[str, ...]
    heading: str  # template of a section heading


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class ChapterText:
    number: int
    title: str
    epigraph: str | None
    sections: list[Section]


def voice(key: str) -> Voice:
    return _VOICES[key]


def chapter_text(
    rng: random.Random,
    topic: Topic,
    number: int,
    title: str,
    paragraphs: int,
    *,
    epigraph: str | None = None,
) -> ChapterText:
    """A chapter of `paragraphs` paragraphs in two to four titled sections."""
    spoken = voice(topic.voice)
    section_count = max(1, min(4, paragraphs // 4))
    sizes = [
        paragraphs // section_count + (1 if i < paragraphs % section_count else 0)
        for i in range(section_count)
    ]
    headings: list[str] = []
    sections: list[Section] = []
    for size in sizes:
        heading = _heading(rng, spoken, topic)
        for _ in range(5):
            if heading not in headings:
                break
            heading = _heading(rng, spoken, topic)
        headings.append(heading)
        sections.append(Section(heading, [paragraph(rng, topic) for _ in range(size)]))
    return ChapterText(number, title, epigraph, sections)


def paragraph(rng: random.Random, topic: Topic) -> str:
    """Four to seven sentences, no template twice in a row, a worked example now and then."""
    spoken = voice(topic.voice)
    sentences: list[str] = []
    last = -1
    for _ in range(rng.randint(4, 7)):
        if topic.worked and rng.random() < 0.12:
            sentences.append(worked_example(topic.worked, rng))
            continue
        index = rng.randrange(len(spoken.templates))
        if index == last:
            index = (index + 1) % len(spoken.templates)
        last = index
        sentences.append(_fill(rng, spoken.templates[index], topic))
    return spoken.joiner.join(sentences)


def _heading(rng: random.Random, spoken: Voice, topic: Topic) -> str:
    text = _fill(rng, spoken.heading, topic)
    if spoken.lang == "en":
        text = re.sub(r"^(A|An|The) ", "", text)
    return text[:1].upper() + text[1:]


def _fill(rng: random.Random, template: str, topic: Topic) -> str:
    chosen: dict[str, list[str]] = {}

    def pick(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = topic.slots.get(name) or _fallback(topic, name)
        used = chosen.setdefault(name, [])
        fresh = [w for w in pool if w not in used] or list(pool)
        word = rng.choice(fresh)
        used.append(word)
        return word

    text = _SLOT.sub(pick, template)
    return text[:1].upper() + text[1:]


def _fallback(topic: Topic, name: str) -> tuple[str, ...]:
    """A slot a topic leaves out borrows a sibling's words (heading -> theme or concept)."""
    for other in ("theme", "concept"):
        if name == "heading" and other in topic.slots:
            return topic.slots[other]
    raise KeyError(f"demo topic {topic.key!r} has no words for {{{name}}}")


_EN_LIT = (
    "In {work}, {author} turns the question of {theme} into a question of {theme2}.",
    "Readers who come to {work} for the first time often notice {device} before they "
    "notice {theme}.",
    "The scene in which {character} {scene} is a good place to begin.",
    "{critic} once argued that {author} was less interested in {theme} than in {theme2}; "
    "the claim is worth testing against the text.",
    "What looks at first like a story about {theme} becomes, on a second reading, a careful "
    "study of {theme2}.",
    "The {adj} quality of the prose rewards slow reading, and a seminar can spend an hour "
    "on a single page.",
    "Set against the background of {place}, the narrative keeps returning to {theme}.",
    "{period} readers would have recognised {device} at once, though they might have "
    "disagreed about its purpose.",
    "It helps to read {work} alongside {work2}, because each makes the other's treatment of "
    "{theme} easier to see.",
    "{character} is no mere mouthpiece for {author}; the text lets {theme} remain unresolved.",
    "Students often ask whether {theme} is the real subject of the book, and the honest "
    "answer is that {author} leaves the question open.",
    "The {adj} handling of {device} shows how much {author} learned from earlier writers.",
    "A close reading of the passage where {character} {scene} shows {device} at work.",
    "Here, as elsewhere, {theme} and {theme2} are held in a {adj} balance.",
    "Translations differ sharply at this point, and comparing two of them is a useful "
    "exercise for a class.",
    "The argument rests on a simple observation: {author} never describes {place} without "
    "also describing {theme}.",
)

_EN_SCI = (
    "{concept} is one of the ideas that every student of {field} meets early and keeps using.",
    "Before we state {law} formally, it helps to look at a concrete case.",
    "The {adj} point here is that {concept} and {concept2} are two views of the same situation.",
    "In the classroom, {concept} is best introduced through {application}.",
    "A common mistake is to confuse {concept} with {concept2}; the examples below keep them apart.",
    "{law} tells us what must stay the same, not how we get there.",
    "Students who can sketch {concept} by hand usually find the formal treatment easier.",
    "We will return to {concept} when we discuss {application}.",
    "The exercises at the end of the chapter practise {skill}.",
    "Historically, {concept} was developed to solve practical problems in {application}.",
    "Once this is clear, {concept} follows with very little extra work.",
    "A good test of understanding is to explain {concept} to someone who has never met {field}.",
    "The figure in this chapter shows the idea at a glance; the text fills in the details.",
    "In practice, {skill} is where most of the time goes, so it pays to be systematic.",
)

_DE_LIT = (
    "In {work_dat} verbindet {author} die Frage nach {theme} mit der Frage nach {theme2}.",
    "Wer {work_acc} zum ersten Mal liest, achtet zunächst auf {device_acc}.",
    "Die Szene, in der {character} {scene}, eignet sich gut als Ausgangspunkt.",
    "{critic} hat darauf hingewiesen, dass es bei {author} immer auch um die Frage nach "
    "{theme} geht.",
    "Vor dem Hintergrund von {place} kehrt der Text immer wieder zu {theme} zurück.",
    "Die Sprache ist {adj} und verlangt ein langsames Lesen.",
    "Es lohnt sich, {work_acc} zusammen mit {work_dat2} zu lesen.",
    "Im Seminar kann man über eine einzige Seite eine Stunde lang sprechen.",
    "Gerade in diesen Passagen zeigt sich, wie genau {author} beobachtet.",
    "Für Leser {period_gen} war das eine neue Art, von {theme} zu erzählen.",
    "Die Reise wird so zu einer Schule {theme_gen}.",
)

_FR_LIT = (
    "Dans {work}, Flaubert relie la question de {theme} à celle de {theme2}.",
    "Le lecteur qui découvre {work} remarque d'abord {device}, puis {theme}.",
    "La scène où {character} {scene} est un bon point de départ.",
    "{critic} a souligné que, chez Flaubert, il s'agit toujours aussi de {theme}.",
    "Ce qui ressemble d'abord à une histoire de {theme} devient, à la relecture, une étude "
    "de {theme2}.",
    "{place_loc}, tout ramène le récit à {theme}.",
    "Le style est {adj}, et il demande une lecture lente.",
    "On peut passer une heure entière de séminaire sur une seule page.",
    "Il est utile de lire {work} à côté de {work2}.",
    "Ce passage montre {device} à l'œuvre.",
)

_ZH_LIT = (
    "在《{work}》中，{author}把{theme}的问题引向了{theme2}。",
    "初读《{work}》的读者，往往先注意到{device}，然后才体会到{theme}。",
    "{character}{scene}的那一段，是理解全书的好起点。",
    "{critic}认为，{author}真正关心的不是{theme}，而是{theme2}。",
    "表面上写的是{theme}，细读之下却是对{theme2}的深入思考。",
    "{era}的读者对{device}并不陌生，但对它的用意未必看法一致。",
    "把《{work}》与《{work2}》对照阅读，可以更清楚地看到两者对{theme}的不同处理。",
    "课堂讨论时，不妨从{device}入手，再回到{theme}。",
    "这一章的论点很简单：{author}笔下的{place}总是与{theme}联系在一起。",
    "这种写法在后世产生了深远的影响。",
    "学生常常问，{theme}是否才是作品真正的主题；答案并不唯一。",
    "不同的译本和注本在这里分歧很大，比较两种读法是很好的课堂练习。",
)

_ZH_SCI = (
    "{concept}是学习{field}时最先接触、也最常用到的概念之一。",
    "在正式介绍{law}之前，先看一个具体的例子。",
    "需要注意的是，{concept}与{concept2}其实是从两个角度描述同一件事。",
    "在教学中，{concept}最好通过{application}来引入。",
    "初学者常把{concept}和{concept2}混为一谈，下面的例子可以把二者区分开来。",
    "本章末尾的练习主要训练{skill}。",
    "我们将在讨论{application}时再次回到{concept}。",
    "从历史上看，{concept}正是为了解决{application}中的实际问题而提出的。",
    "理解了这一点，后面的内容就容易多了。",
    "本章的插图直观地展示了这一思路，正文则补充了细节。",
    "在实际工作中，{skill}往往最花时间，因此需要有条理地进行。",
)

_JA_LIT = (
    "『{work}』において、{author}は{theme}の問題を{theme2}の問題へと結びつけている。",
    "{character}が{scene}場面は、作品を読み解く出発点としてふさわしい。",
    "{critic}は、{author}の関心が{theme}よりもむしろ{theme2}にあったと論じている。",
    "当時の読者にとって、{device}は新鮮な驚きであった。",
    "『{work}』と『{work2}』を並べて読むと、{theme}の扱い方の違いがよく見えてくる。",
    "この章の議論は単純である。{author}は{place}を描くとき、必ず{theme}も描いているのだ。",
    "一見{theme}の物語に見えるものが、読み返すと{theme2}についての考察になっている。",
    "授業では、まず{device}に注目し、それから{theme}へと話を進めるとよい。",
)

_JA_SCI = (
    "{concept}は、{field}を学ぶ人が最初に出会う概念の一つである。",
    "{law}を正式に述べる前に、具体的な例を見ておこう。",
    "注意したいのは、{concept}と{concept2}が同じことを別の側面から述べているという点である。",
    "授業では、{concept}は{application}を通して導入するのがよい。",
    "{concept}については、{application}を扱うときにもう一度取り上げる。",
    "章末の練習問題では、主に{skill}を練習する。",
    "この点が分かれば、後の内容はずっと理解しやすくなる。",
)

_VOICES: Mapping[str, Voice] = MappingProxyType(
    {
        "en-lit": Voice("en", " ", _EN_LIT, "{theme} and {theme2}"),
        "en-sci": Voice("en", " ", _EN_SCI, "{heading}"),
        "de-lit": Voice("de", " ", _DE_LIT, "{heading}"),
        "fr-lit": Voice("fr", " ", _FR_LIT, "{heading}"),
        "zh-lit": Voice("zh", "", _ZH_LIT, "{theme}与{theme2}"),
        "zh-sci": Voice("zh", "", _ZH_SCI, "{heading}"),
        "ja-lit": Voice("ja", "", _JA_LIT, "{theme}と{theme2}"),
        "ja-sci": Voice("ja", "", _JA_SCI, "{heading}"),
    }
)
