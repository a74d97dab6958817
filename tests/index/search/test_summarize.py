"""Extractive summaries: sentences in article order, one per section first, no repeats."""

from __future__ import annotations

import pytest

from index.model import KEY_POINTS, Article
from index.search.article_index import ArticleIndex
from index.search.summarize import context_sentences, summary_sentences


@pytest.mark.parametrize("count", [3, 5, 7])
def test_summary_has_count_sentences_in_article_order(
    bundled_index: ArticleIndex, count: int
) -> None:
    chosen = summary_sentences(bundled_index, count=count)
    assert len(chosen) == count
    assert chosen == sorted(set(chosen))


def test_summary_starts_with_the_lead(bundled_index: ArticleIndex) -> None:
    assert summary_sentences(bundled_index, count=5)[0] == 0


def test_five_sentence_summary_covers_every_section(
    bundled_index: ArticleIndex, bundled_article: Article
) -> None:
    chosen = summary_sentences(bundled_index, count=5)
    sections = {bundled_article.sentences[i].section for i in chosen}
    assert sections == set(range(len(bundled_article.sections)))


def test_summary_skips_the_key_points_list(
    bundled_index: ArticleIndex, bundled_article: Article
) -> None:
    for count in (3, 5, 7):
        for i in summary_sentences(bundled_index, count=count):
            paragraph = bundled_article.sentences[i].paragraph
            assert bundled_article.paragraphs[paragraph].kind != KEY_POINTS


def test_section_summary_stays_in_its_section(
    bundled_index: ArticleIndex, bundled_article: Article
) -> None:
    chosen = summary_sentences(bundled_index, count=3, section=3)
    assert len(chosen) == 3
    assert all(bundled_article.sentences[i].section == 3 for i in chosen)


def test_summary_never_repeats_itself(bundled_index: ArticleIndex) -> None:
    chosen = summary_sentences(bundled_index, count=7)
    texts = [bundled_index.article.sentences[i].text for i in chosen]
    assert len(set(texts)) == len(texts)


def test_context_sentences_leave_out_the_quoted_ones(
    bundled_index: ArticleIndex, bundled_article: Article
) -> None:
    quoted = {10}  # Antony Blinken's sentence
    scores = [1.0] * bundled_index.size
    chosen = context_sentences(bundled_index, quoted, scores)
    assert 2 <= len(chosen) <= 3
    assert 10 not in chosen
    assert chosen == sorted(chosen)
    # Its own section comes first.
    assert bundled_article.sentences[chosen[0]].section == bundled_article.sentences[10].section
