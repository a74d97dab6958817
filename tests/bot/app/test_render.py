"""Rendering: Discord messages of at most 2000 characters, quotes kept whole, user text inert."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.app.render import BREAK, LIMIT, Renderer, escape, excerpt, split_messages
from bot.app.replies import Answer, Found, Summary
from bot.settings import ROOT
from bot.storage.library import ArticleInfo, Listing
from bot.values import News, Passage, Turn

SENTENCE = "Le traité engage les deux nations à s’assister militairement en cas d’attaque. "


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ROOT / "prompts")


def long_answer(question: str = "Que dit le traité ?", quote_length: int = 899) -> Answer:
    passages = tuple(
        Passage(
            text=(f"{i} " + SENTENCE * 20)[:quote_length].rstrip(),
            section=f"Section numéro {i}",
            article_id=1,
            score=3.0 - i,
            sentences=(i,),
        )
        for i in range(3)
    )
    bullets = tuple((f"Puce {i} : " + SENTENCE * 6)[:319] for i in range(4))
    return Answer(
        question=question,
        language="fr",
        article_id=1,
        article_title="Un titre d’article assez long pour compter",
        version=1,
        passages=passages,
        bullets=bullets,
    )


def render(renderer: Renderer, answer: Answer, language: str = "fr") -> list[str]:
    return renderer.messages("answer", language, answer=answer, question=answer.question)


def test_long_answer_is_split_into_messages_of_at_most_2000(renderer: Renderer) -> None:
    answer = long_answer()
    messages = render(renderer, answer)
    assert len(messages) >= 2
    assert all(0 < len(m) <= LIMIT for m in messages)
    text = "\n\n".join(messages)
    for bullet in answer.bullets:
        assert f"• {escape(bullet)}" in text


def test_each_quote_stays_whole_in_one_message_with_its_section(renderer: Renderer) -> None:
    answer = long_answer()
    lead = render(renderer, answer)
    more = renderer.messages("more", "fr", answer=replace(answer, passages=answer.passages[1:]),
                             question=answer.question)
    for p, messages in zip(answer.passages, (lead, more, more), strict=True):
        block = f"> {escape(p.text)}\n— section *{escape(p.section)}*"
        assert sum(block in m for m in messages) == 1, p.section


def test_an_answer_leads_with_its_first_passage_alone(renderer: Renderer) -> None:
    # The other passages wait behind « Plus de passages »: a chat message, not a page.
    answer = long_answer(quote_length=200)
    text = "\n\n".join(render(renderer, answer))
    assert escape(answer.passages[0].text) in text
    assert all(escape(p.text) not in text for p in answer.passages[1:])


def test_a_quote_longer_than_a_message_is_cut_into_quote_lines(renderer: Renderer) -> None:
    huge = Passage(text=SENTENCE * 40, section="Énorme", article_id=1, score=1.0)
    answer = Answer(
        question="q", language="fr", article_id=1, article_title="T", version=1, passages=(huge,)
    )
    messages = render(renderer, answer)
    assert all(len(m) <= LIMIT for m in messages)
    quoted = [line for m in messages for line in m.split("\n") if "s’assister" in line]
    assert len(quoted) >= 2
    assert all(line.startswith("> ") for line in quoted)
    words_out = " ".join(line.removeprefix("> ") for line in quoted).split()
    assert words_out == SENTENCE.split() * 40


def test_split_messages_packs_blocks_without_losing_any() -> None:
    blocks = [f"Bloc {i} " + "x" * 700 for i in range(6)]
    messages = split_messages(BREAK.join(blocks))
    assert all(len(m) <= LIMIT for m in messages)
    assert len(messages) == 3
    assert "\n\n".join(messages) == "\n\n".join(blocks)


def test_split_messages_of_nothing_is_nothing() -> None:
    assert split_messages(BREAK.join(["", "  ", "\n"])) == []


@pytest.mark.parametrize(
    ("typed", "raw"),
    [
        ("@everyone regardez", "@everyone"),
        ("@here vite", "@here"),
        ("@EveryOne", "@EveryOne"),
        ("salut <@&123456> !", "<@&123456>"),
        ("salut <@123456> !", "<@123456>"),
        ("salut <@!123456> !", "<@!123456>"),
    ],
)
def test_mentions_in_a_question_are_neutralised(renderer: Renderer, typed: str, raw: str) -> None:
    answer = long_answer(question=typed)
    for language in ("fr", "en"):
        for message in render(renderer, answer, language):
            assert raw not in message
            assert not re.search(r"(?<!\\)<@[!&]?\d+>", message)


def test_mention_neutralised_in_an_abstention_too(renderer: Renderer) -> None:
    answer = Answer(
        question="@everyone <@&42> qui ?",
        language="fr",
        article_id=1,
        article_title="Titre",
        version=1,
        closest_sections=("A",),
    )
    message = "\n".join(render(renderer, answer))
    assert "@everyone" not in message
    assert "<@&42>" not in message


@pytest.mark.parametrize(
    "markdown",
    ["**gras**", "__souligné__", "*italique*", "~~barré~~", "||spoiler||", "`code`", "[lien](x)"],
)
def test_markdown_in_a_question_is_escaped(renderer: Renderer, markdown: str) -> None:
    answer = long_answer(question=f"Que veut dire {markdown} ?")
    message = render(renderer, answer)[0]
    assert markdown not in message
    # What Discord shows is still what the user typed.
    assert re.sub(r"\\(.)", r"\1", escape(markdown)) == markdown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("# Titre", "\\# Titre"),
        ("> citation", "\\> citation"),
        ("- puce", "\\- puce"),
        ("a\x00b\x1ec\x07d", "abcd"),
    ],
)
def test_escape_line_starts_and_control_characters(typed: str, shown: str) -> None:
    assert escape(typed) == shown


def test_escape_numbered_line_keeps_the_digits_readable() -> None:
    assert escape("1. liste") == "1\\. liste"


def test_block_separator_typed_by_a_user_cannot_split_a_message(renderer: Renderer) -> None:
    answer = Answer(
        question=f"un{BREAK}deux",
        language="fr",
        article_id=1,
        article_title="Titre",
        version=1,
        passages=(Passage(text="Une citation.", section=None, article_id=1, score=1.0),),
        bullets=("Une puce.", "Une autre puce."),
    )
    assert len(render(renderer, answer)) == 1


def test_answer_chrome_follows_the_language(renderer: Renderer) -> None:
    answer = Answer(
        question="q",
        language="fr",
        article_id=1,
        article_title="Titre",
        version=1,
        closest_sections=("Une section", "Une autre"),
    )
    french = "\n".join(render(renderer, answer, "fr"))
    english = "\n".join(render(renderer, answer, "en"))
    assert "L’article ne répond pas à cette question." in french
    assert "*Une section* ; *Une autre*" in french
    assert "The article does not answer this question." in english
    assert render(renderer, answer, "de") == render(renderer, answer, "fr")


def test_quote_without_section_is_attributed_to_the_introduction(renderer: Renderer) -> None:
    answer = Answer(
        question="q",
        language="fr",
        article_id=1,
        article_title="Titre",
        version=1,
        passages=(Passage(text="Le chapeau.", section=None, article_id=1, score=1.0),),
        bullets=("a", "b"),
    )
    assert "> Le chapeau.\n— section *Introduction*" in render(renderer, answer)[0]


def test_summary_message(renderer: Renderer) -> None:
    summary = Summary(
        language="fr",
        article_id=1,
        article_title="Titre",
        version=1,
        bullets=tuple(f"Puce {i} " + "y" * 600 for i in range(7)),
        section="Une section",
    )
    messages = renderer.messages("summary", "fr", summary=summary)
    assert all(len(m) <= LIMIT for m in messages)
    assert messages[0].startswith("**Résumé — Titre** (section *Une section*)")
    assert sum(m.count("• Puce") for m in messages) == 7


def test_error_line_names_the_input(renderer: Renderer) -> None:
    problem = renderer.line("problem_missing", "fr")
    line = renderer.line("source_error", "fr", source="notes.txt", problem=problem)
    assert line == "notes.txt : fichier introuvable"
    assert "\n" not in renderer.line("no_token", "en")


def test_direction_and_invisible_characters_are_never_echoed() -> None:
    assert escape("abc\u202edef\u200bghi\u2066") == "abcdefghi"


def test_a_split_never_falls_between_a_backslash_and_what_it_escapes() -> None:
    text = "x" * (LIMIT - 1) + escape("# titre")
    for message in split_messages(text):
        assert not message.startswith("#")
        assert not message.endswith("\\")


def test_a_huge_title_and_many_sections_stay_in_one_message(renderer: Renderer) -> None:
    info = ArticleInfo(
        id=7, title="Titre " * 2000, version=1, language="fr", indexed_at="2026-11-25T12:00:00",
        source="t.txt", sections=tuple(f"Partie {n}" for n in range(10_000)), sentences=10_000,
    )
    messages = renderer.messages("indexed", "fr", stored=info)
    assert len(messages) == 1
    assert "(+9990)" in messages[0] and "…" in messages[0]


def test_a_quote_cut_to_fit_is_marked_as_cut(renderer: Renderer) -> None:
    answer = long_answer()
    cut = Passage(text="Le début d’une très longue phrase", section=None, article_id=1,
                  score=1.0, sentences=(0,), cut=True)
    shown = render(renderer, Answer(**{**answer.__dict__, "passages": (cut,)}))
    assert "Le début d’une très longue phrase […]" in shown[0]


def test_history_in_discord_names_members_without_pinging_and_dates_for_each_reader(
    renderer: Renderer,
) -> None:
    asked = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    turns = [Turn("c", "1234567890", "Qui a voté ?", 1, 1, False, (), asked)]
    discord = renderer.text("history", "fr", turns=turns, discord=True)
    assert "<@1234567890>" in discord and f"<t:{int(asked.timestamp())}:f>" in discord
    terminal = renderer.text("history", "fr", turns=turns)
    assert "<@" not in terminal and "2026-11-25 12:00" in terminal


def test_a_template_cache_that_cannot_be_read_or_written_is_passed_by(
    renderer: Renderer, tmp_path
) -> None:
    # Compiled templates are kept between processes; a cache folder gone or a cache file
    # spoiled must not keep the bot from answering.
    expected = renderer.line("no_token", "en")

    def fresh(folder) -> Renderer:
        made = Renderer(ROOT / "prompts")
        assert made._env.bytecode_cache is not None
        made._env.bytecode_cache.directory = str(folder)
        return made

    assert fresh(tmp_path / "gone").line("no_token", "en") == expected
    assert fresh(tmp_path).line("no_token", "en") == expected  # writes the cache file
    written = list(tmp_path.iterdir())
    assert written
    for path in written:
        path.write_bytes(path.read_bytes()[:40])
    assert fresh(tmp_path).line("no_token", "en") == expected


# The worst a page item can be: long ids, every character escaped ("*" becomes "\*").
WORST = "*_" * 3000
BIG_ID = 2**63 - 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_history_page_of_the_longest_questions_is_one_message(
    renderer: Renderer, language: str
) -> None:
    asked = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    turns = [Turn("c", str(BIG_ID), WORST, BIG_ID, 10**9, n % 2 == 0, (), asked)
             for n in range(10)]
    shown = renderer.message("history", language, turns=turns, discord=True, page=99999,
                             pages=99999)
    assert len(shown) <= LIMIT and shown.count("<@") == 10 and shown.count("…") == 10
    # A question of ~200 characters (ten of them made a 2 421-character page) is cut, marked.
    typed = ["Pourquoi le lanceur a-t-il été choisi " + "et quand " * 18 + f"? {n}"
             for n in range(10)]
    plain = [Turn("c", "1234567890123456789", q, 12, 3, False, (), asked) for q in typed]
    page = renderer.message("history", language, turns=plain, discord=True, page=1, pages=2)
    assert len(page) <= LIMIT and page.count("…") == 10


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_articles_page_of_the_longest_titles_is_one_message(
    renderer: Renderer, language: str
) -> None:
    articles = tuple(ArticleInfo(BIG_ID - n, WORST, 10**9, "fr", "2026-11-25T12:00:00", "x")
                     for n in range(10))
    listing = Listing(articles, 99999, 99999, 10**9)
    shown = renderer.message("articles", language, listing=listing, active=BIG_ID,
                             discord=True)
    assert len(shown) <= LIMIT and shown.count("`") == 20


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_search_of_huge_sentences_is_one_bounded_message(
    renderer: Renderer, language: str
) -> None:
    found = [Found(BIG_ID, WORST, "Le port " + "très " * 80_000 + "grand.", 1.0)
             for _ in range(5)]
    messages = renderer.messages("search", language, found=found, query=WORST)
    assert len(messages) == 1 and len(messages[0]) <= LIMIT
    assert messages[0].count("> Le port très") == 5


@pytest.mark.parametrize("language", ["fr", "en"])
def test_see_in_the_article_of_a_huge_paragraph_is_one_message(
    renderer: Renderer, language: str
) -> None:
    messages = renderer.messages("surrounding", language, paragraph="Le *port* " * 40_000,
                                 section=WORST)
    assert len(messages) == 1 and len(messages[0]) <= LIMIT and messages[0].endswith("…")


@pytest.mark.parametrize("typed", [WORST, "a\\" * 900, "mot " * 600, "x" * 5000, "court"])
def test_an_excerpt_is_bounded_as_sent_and_never_ends_inside_an_escape(typed: str) -> None:
    cut = excerpt(typed, 300)
    assert len(cut) <= 300
    body = cut.removesuffix("…")
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0
    assert cut == escape(typed) or cut.endswith("…")


def unescaped(shown: str) -> str:
    """What Discord shows of escaped text: each backslash-escaped character as itself."""
    return re.sub(r"\\(.)", r"\1", shown)


def bold_answer(text: str, span: tuple[int, int], language: str = "fr") -> Answer:
    passage = Passage(text=text, section="Le vote", article_id=1, score=1.0, bold=(span,))
    return Answer(
        question="Quand ?",
        language=language,
        article_id=1,
        article_title="Titre",
        version=1,
        passages=(passage,),
        bullets=("Une puce courte.",),
    )


def quote_line(messages: list[str]) -> str:
    [line] = [line for m in messages for line in m.split("\n") if line.startswith("> ")]
    return line.removeprefix("> ")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_words_that_answer_are_in_bold_inside_the_verbatim_quote(
    renderer: Renderer, language: str
) -> None:
    text = "Le conseil a voté le budget mardi 5 juillet 2012, à l’unanimité."
    start = text.index("mardi")
    answer = bold_answer(text, (start, start + len("mardi 5 juillet 2012")), language)
    line = quote_line(render(renderer, answer, language))
    assert line == "Le conseil a voté le budget **mardi 5 juillet 2012**, à l’unanimité."
    assert line.replace("**", "") == text  # the quote itself is unchanged


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # markdown inside, around and right beside the span stays inert, the bold live
        ("Le *groupe* a voté: 3*4 = 12 **ou** `13` __pour__ le texte.", "3*4 = 12"),
        ("Vote de @everyone à <@123> — 5_000 voix \\ contre.", "5_000 voix \\"),
        ("# 12 élus", "12"),
        ("- 45 voix contre", "45 voix"),
        ("*42*", "42"),
    ],
)
def test_bold_survives_escaping_and_the_quote_stays_verbatim(
    renderer: Renderer, text: str, words: str
) -> None:
    start = text.index(words)
    answer = bold_answer(text, (start, start + len(words)))
    line = quote_line(render(renderer, answer))
    marked = f"**{escape(words)}**"  # the bold holds the words, escaped like the rest
    assert line.count(marked) == 1
    head, tail = line.split(marked)
    shown = unescaped(head) + words + unescaped(tail)
    assert shown.replace("\u200b", "") == text  # verbatim (a mass mention only broken up)
    assert "@everyone" not in line and not re.search(r"(?<!\\)<@\d+>", line)


@pytest.mark.parametrize(
    "span",
    [(0, 0), (5, 3), (-1, 4), (10, 999), (2, 9)],  # empty, reversed, outside, spaces at the ends
)
def test_a_span_that_cannot_be_shown_in_bold_leaves_the_quote_plain(
    renderer: Renderer, span: tuple[int, int]
) -> None:
    text = "Le  conseil  a voté le budget."
    line = quote_line(render(renderer, bold_answer(text, span)))
    assert line == escape(text)


def test_a_span_across_lines_never_breaks_the_quote(renderer: Renderer) -> None:
    text = "Le conseil a voté\nle budget mardi."
    messages = render(renderer, bold_answer(text, (11, 28)))
    assert "> Le conseil a voté\nle budget mardi." in "\n".join(messages)  # plain, whole


def test_a_huge_quote_goes_plain_rather_than_be_cut_inside_its_bold(renderer: Renderer) -> None:
    text = "*" * 890 + " 12 élus"
    answer = bold_answer(text, (891, 893))
    messages = render(renderer, answer)
    assert all(len(m) <= LIMIT for m in messages)
    assert all(m.count("**") % 2 == 0 for m in messages)


def test_more_passages_show_their_words_in_bold_too(renderer: Renderer) -> None:
    answer = bold_answer("Le budget a été voté mardi.", (21, 26))
    for language in ("fr", "en"):
        messages = renderer.messages("more", language, answer=answer, question="Quand ?")
        assert "> Le budget a été voté **mardi**." in "\n".join(messages)


def test_an_answer_with_its_bullets_is_bounded(renderer: Renderer) -> None:
    # What the responder gives (one passage shown, two bullets of at most 160 characters)
    # stays one message whatever the passage's size.
    answer = replace(long_answer(), bullets=tuple("x" * 160 for _ in range(2)))
    assert len(render(renderer, answer)) == 1


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("forum", [False, True])
def test_a_feed_article_announcement_is_one_message_whatever_its_text(
    renderer: Renderer, language: str, forum: bool
) -> None:
    news = News(feed_id=1, space="guild:1", channel=5, feed_url="http://a.test/rss",
                source="*@everyone* " * 40, item_id=1, article_id=9, version=2,
                title="**Titre** " * 300, first_sentence="_Une_ phrase <@1> " * 500,
                link="http://a.test/1", language="fr")
    text = renderer.message("feed_article", language, news=news, forum=forum,
                            link="http://a.test/1")
    assert len(text) <= LIMIT
    assert "@everyone" not in text and "<@1>" not in text  # inert, as every echoed text
    assert ("**Titre**" in text) is False and ("Titre" in text) is not forum
    assert text.rstrip().endswith("http://a.test/1") and "version 2" in text

