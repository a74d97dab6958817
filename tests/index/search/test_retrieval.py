"""BM25 over sentences on a tiny corpus: frequent terms still count, rare terms count more."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.values import StoredArticle
from index import parse_article
from index.language.analysis import question_terms, terms
from index.language.question import Earlier, read_question
from index.model import Article
from index.search.article_index import ArticleIndex, LuceneBM25, query_of
from index.search.retrieval import Candidate, Fusion, retrieve
from index.vectors.embedding import Embedder, embed_article
from tests.conftest import DATA, parse

TINY = (
    "Nouvelles du front\n\n"
    "L’Ukraine reçoit des missiles.\n\nLa Russie bombarde l’Ukraine.\n\n"
    "Le port de Marseille est calme.\n\nLes marchés financiers progressent.\n"
)


@pytest.fixture(scope="module")
def tiny() -> ArticleIndex:
    article = parse(TINY)
    assert [s.text for s in article.sentences] == [
        "L’Ukraine reçoit des missiles.",
        "La Russie bombarde l’Ukraine.",
        "Le port de Marseille est calme.",
        "Les marchés financiers progressent.",
    ]
    return ArticleIndex(article)


def query(text: str) -> dict[str, float]:
    return query_of(question_terms(text, "fr"))


def test_okapi_trap_exists_and_lucene_idf_avoids_it() -> None:
    corpus = [["ukrain", "missil"], ["ukrain", "russ"], ["port"], ["march"]]
    # Okapi's IDF for a term in half the documents is log(1) = 0: it scores nothing.
    assert max(BM25Okapi(corpus).get_scores(["ukrain"])) <= 0
    lucene = LuceneBM25(corpus)
    assert lucene.idf["ukrain"] > 0
    scores = lucene.get_scores(["ukrain"])
    assert scores[0] > 0 and scores[1] > 0
    assert scores[2] == scores[3] == 0


@pytest.mark.parametrize("present", [2, 3, 4])
def test_term_in_half_or_more_of_the_sentences_keeps_a_positive_idf(present: int) -> None:
    corpus = [["commun", f"autre{i}"] if i < present else [f"autre{i}"] for i in range(4)]
    lucene = LuceneBM25(corpus)
    assert lucene.idf["commun"] > 0
    assert all(score > 0 for score in lucene.get_scores(["commun"])[:present])


def test_rarer_terms_weigh_more() -> None:
    lucene = LuceneBM25([["a", "b"], ["a", "c"], ["a"], ["d"]])
    assert lucene.idf["b"] > lucene.idf["a"] > 0
    assert lucene.idf_of("jamais-vu") >= lucene.idf["b"]


def test_frequent_term_retrieves_its_sentences(tiny: ArticleIndex) -> None:
    found = tiny.search(query("Que se passe-t-il en Ukraine ?"))
    assert sorted(hit.sentence for hit in found[:2]) == [0, 1]
    assert all(hit.score > 0 for hit in found[:2])


def test_rare_term_decides_between_sentences_sharing_a_frequent_one(tiny: ArticleIndex) -> None:
    assert tiny.search(query("L'Ukraine reçoit-elle des missiles ?"))[0].sentence == 0
    assert tiny.search(query("La Russie bombarde-t-elle l'Ukraine ?"))[0].sentence == 1


def test_no_result_for_terms_the_article_lacks(tiny: ArticleIndex) -> None:
    assert tiny.search(query("Quelle est la capitale de l'Australie ?")) == []
    assert tiny.search({}) == []
    assert not tiny.knows(terms("Australie", "fr")[0])


def test_ties_come_in_article_order() -> None:
    index = ArticleIndex(parse("Titre\n\nLe chat dort. Le chat dort.\n"))
    assert [hit.sentence for hit in index.search(query("chat"))] == [0, 1]


def test_heading_lends_its_terms_to_its_sentences() -> None:
    article = parse(
        "Bulletin\n\nUn chapeau sur les nouvelles du jour.\n\n"
        "Les missiles balistiques\n\nLe test a eu lieu à l’aube près de la côte.\n\n"
        "La météo\n\nIl a plu toute la journée sur la côte.\n"
    )
    index = ArticleIndex(article)
    found = index.search(query("Quand a eu lieu le test des missiles ?"))
    assert article.sentences[found[0].sentence].text.startswith("Le test a eu lieu")
    assert found[0].coverage == pytest.approx(1.0)


def test_coverage_is_the_share_of_the_query_found(tiny: ArticleIndex) -> None:
    both = query("missiles Marseille")
    covered = tiny.coverage(both, 0)
    assert 0 < covered < 1
    assert tiny.coverage(query("missiles"), 0) == pytest.approx(1.0)
    assert tiny.coverage(query("missiles"), 3) == 0


def test_question_about_ukrainians_retrieves_ukraine(tiny: ArticleIndex) -> None:
    found = tiny.search(query("Que subissent les ukrainiens ?"))
    assert found
    assert {hit.sentence for hit in found} == {0, 1}


def test_bundled_ukraine_question_finds_ukraine_sentences(
    bundled_index: ArticleIndex, bundled_article: Article
) -> None:
    found = bundled_index.search(query("l'ukraine"))
    assert found
    assert all("Ukraine" in bundled_article.sentences[h.sentence].text for h in found[:3])


def test_one_entry_point_fuses_meaning_with_bm25(
    bundled_article: Article, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    question = read_question("Which missile did North Korea test?", default_language="fr")
    lexical = retrieve(ArticleIndex(bundled_article), question)
    with_vectors = ArticleIndex(bundled_article, vectors=semantic_stored.vectors)
    fused = retrieve(with_vectors, question, embedder)
    assert not lexical.semantic and fused.semantic and fused.crosslingual
    best = bundled_article.sentences[fused.best.sentence].text
    assert "missile balistique intercontinental" in best
    assert fused.best.semantic is not None and fused.best.semantic > 0.8
    # Ranked best first, every figure the decision needs on each candidate.
    assert [c.score for c in fused.candidates] == sorted(
        (c.score for c in fused.candidates), reverse=True
    )
    assert all(0 <= c.coverage <= 1 and 0 <= c.context_coverage <= 1 for c in fused.candidates)


def test_without_vectors_or_model_retrieval_is_bm25_alone(
    bundled_article: Article, embedder: Embedder
) -> None:
    question = read_question("Quel missile a été testé ?")
    found = retrieve(ArticleIndex(bundled_article), question, embedder)
    assert not found.semantic and found.best.semantic is None
    assert "missile" in bundled_article.sentences[found.best.sentence].text


def test_key_points_are_quoted_after_the_text_they_sum_up(bundled_article: Article) -> None:
    index = ArticleIndex(bundled_article)
    found = retrieve(index, read_question("Qu'est-ce qui inquiète les Américains ?"))
    assert not any(index.key_points[i] for i in found.best.sentences)
    quoted = " ".join(bundled_article.sentences[i].text for i in found.best.sentences)
    assert "ont exprimé leur inquiétude" in quoted


def test_a_question_asking_for_a_date_prefers_a_sentence_with_one() -> None:
    article = parse(
        "Essai\n\nLe test du missile a été remarqué par les voisins.\n\n"
        "Le test du missile a eu lieu en 2023 selon Séoul.\n"
    )
    found = retrieve(ArticleIndex(article), read_question("Quand a eu lieu le test du missile ?"))
    assert found.best.sentence == 1 and found.best.holds is True


def test_a_follow_up_never_leads_with_what_the_previous_answer_led_with(
    bundled_article: Article,
) -> None:
    index = ArticleIndex(bundled_article)
    first = retrieve(index, read_question("Quel missile a été testé ?"))
    earlier = Earlier("Quel missile a été testé ?", (first.best.sentence,), (first.best.sentences,))
    follow = retrieve(index, read_question("Et pourquoi est-ce important ?", [earlier]))
    assert follow.question.followup and follow.repeated
    assert all(c.sentence != first.best.sentence for c in follow.candidates)
    assert follow.best.sentences != first.best.sentences


def test_a_follow_up_that_names_nothing_goes_on_beside_the_previous_answer() -> None:
    article = parse(
        "L'Ohio\n\nObama fait campagne dans le Wisconsin.\n\n"
        "Romney doit presque impérativement gagner l'Ohio. "
        "À défaut, il devrait enlever tous les autres États clés.\n\n"
        "Obama reviendra chaque jour dans le Wisconsin jusqu'à lundi.\n"
    )
    index = ArticleIndex(article)
    asked = "Romney doit-il absolument gagner l'Ohio ?"
    first = retrieve(index, read_question(asked))
    assert first.best.sentence == 1
    earlier = Earlier(asked, (1,), ((1,),))
    follow = retrieve(index, read_question("Et sinon ?", [earlier]))
    assert follow.best.sentence == 2


def test_a_follow_up_pointing_back_moves_on_from_the_quoted_sentence(
    bundled_article: Article,
) -> None:
    index = ArticleIndex(bundled_article)
    asked = "Quel missile a été testé ?"
    first = retrieve(index, read_question(asked))
    assert "continue de montrer" in bundled_article.sentences[first.best.sentence].text
    earlier = Earlier(asked, (first.best.sentence,), (first.best.sentences,))
    follow = retrieve(index, read_question("Qu'est-ce que cela montre ?", [earlier]))
    assert follow.repeated
    assert all(c.sentence != first.best.sentence for c in follow.candidates)


UBUNTU = (
    "Ubuntu 12.10\n\n"
    "Baptisé « Quantal Quetzal », le système Ubuntu 12.10 sort le 18 octobre 2012.\n\n"
    "Qu'est-ce qu'Ubuntu ?\n\n"
    "Ubuntu est un système d'exploitation libre dérivé de Debian.\n\n"
    "Il inclut l'interface graphique Unity 3D pour les ordinateurs performants.\n\n"
    "Le système est conçu pour les ordinateurs portables, mais il existe aussi une version pour "
    "les serveurs.\n\n"
    "La prochaine version d'Ubuntu, la 13.04 « Raring Ringtail », sortira en avril 2013.\n\n"
    "« Pourquoi payer un système ? », demande son fondateur.\n"
)


def test_a_paragraph_that_only_asks_a_question_is_never_quoted() -> None:
    index = ArticleIndex(parse(UBUNTU))
    assert index.asks.tolist() == [False, True, False, False, False, False, False]
    found = retrieve(index, read_question("Qu'est-ce qu'Ubuntu ?"))
    assert found.best.sentence == 2
    assert all(1 not in c.sentences for c in found.candidates)
    # A question someone asked, in quotes, is what they said.
    said = retrieve(index, read_question("Que demande son fondateur ?"))
    assert said.best.sentence == 6


def test_a_thread_is_read_with_the_answer_that_opened_it(embedder: Embedder) -> None:
    article = parse(UBUNTU)
    index = ArticleIndex(article, vectors=embed_article(embedder, article))
    earlier = [
        Earlier("Quand sort Ubuntu 12.10 ?", (0,), ((0,),)),
        Earlier("Elle s'appelle comment ?", (3,), ((3,),)),  # answered amiss
    ]
    follow = retrieve(index, read_question("Et la version d'après ?", earlier), embedder)
    assert follow.best.sentence == 5


def test_an_acronym_names_what_its_words_name() -> None:
    index = ArticleIndex(parse("Le parti\n\nLe Front national a gagné des voix.\n"))
    assert index.mentions("FN")
    assert not index.mentions("PS")
    assert not index.mentions("fn")  # a lower-case word is a word, not an acronym


COUNTS = (
    "Nouveaux billets en euros\n\n"
    "La nouvelle série de billets sera diffusée aux 332 millions d’Européens résidant dans la "
    "zone euro.\n\n"
    "La Banque centrale européenne imprime les billets à Francfort, à 400 kilomètres de Paris."
    "\n\nLa maternité de Figeac a fermé en 2009 ; la plus proche est à 100 kilomètres.\n"
)


@pytest.fixture(scope="module", params=["stored", "older version"])
def counts(request: pytest.FixtureRequest, embedder: Embedder) -> ArticleIndex:
    """The article with its phrases' vectors stored, or with its sentences' only (a version
    indexed before phrases were read: they are read when a count question needs them)."""
    article = parse(COUNTS)
    vectors = embed_article(embedder, article)
    # "332 millions d’…", "millions d’…", "400 kilomètres de Paris", "100 kilomètres"
    assert len(vectors) == len(article.sentences) + 4
    if request.param == "older version":
        vectors = vectors[: len(article.sentences)]
    return ArticleIndex(article, vectors=vectors)


@pytest.mark.parametrize(
    "question",
    [
        "Combien de maternités ont fermé en France ?",  # "à 100 kilomètres" counts no ward
        "Combien de banques impriment les billets ?",
        "Combien de billets ont été imprimés ?",
        "Combien de faux billets en euros ont été saisis ?",  # an amount's shape, still a count
    ],
)
def test_a_passage_whose_numbers_count_something_else_holds_no_count(
    counts: ArticleIndex, embedder: Embedder, question: str
) -> None:
    asked = read_question(question)
    found = retrieve(counts, asked, embedder)
    assert found.best.holds is False
    # The regular expression alone saw a number there: the check is what refuses it.
    unchecked = retrieve(counts, asked, embedder, Fusion(count_floor=-1))
    assert unchecked.best.sentence == found.best.sentence and unchecked.best.holds is True


@pytest.mark.parametrize(
    "question",
    [
        "Combien d'habitants de la zone euro recevront ces billets ?",  # "Européens": meaning
        "How many residents of the euro area will receive the notes?",
        "How many people will get the new notes?",  # anyone counts
    ],
)
def test_a_number_counting_what_is_asked_in_other_words_holds(
    counts: ArticleIndex, embedder: Embedder, question: str
) -> None:
    found = retrieve(counts, read_question(question), embedder)
    assert "332 millions" in counts.article.sentences[found.best.sentence].text
    assert found.best.holds is True


COMMENTATORS = (
    "Thierry Roland\n\n"
    "Thierry Roland commentait les matchs de l'équipe de France avec Jean-Michel Larqué.\n\n"
    "Thierry Roland présenta Stade 2 à la télévision dans les années 1970.\n\n"
    "Jean-Michel Larqué fut footballeur à Saint-Étienne avant de devenir journaliste.\n\n"
    "Thierry Roland, passionné de football, joua dans une équipe amateur de Boulogne.\n\n"
    "Le match Bulgarie – France de 1976 reste le plus célèbre de sa carrière.\n"
)


def test_a_follow_up_reads_what_the_previous_answer_said(embedder: Embedder) -> None:
    article = parse(COMMENTATORS)
    index = ArticleIndex(article, vectors=embed_article(embedder, article))
    asked = "Avec qui commentait-il les matchs ?"
    first = retrieve(index, read_question(asked), embedder)
    assert first.best.sentence == 0
    earlier = Earlier(asked, (0,), ((0,),))
    follow = read_question("Et c'était qui ce gars, un ancien joueur ?", [earlier])
    assert retrieve(index, follow, embedder).best.sentence == 2
    # Read with the previous question alone, "ce gars" is the commentator it asked about:
    # reading the previous answer ("... avec Jean-Michel Larqué") finds the man it named.
    alone = retrieve(index, follow, embedder, Fusion(previous_answer=0))
    assert alone.best.sentence == 3


def test_how_much_the_article_is_about_the_question(embedder: Embedder) -> None:
    article = parse(COMMENTATORS)
    index = ArticleIndex(article, vectors=embed_article(embedder, article))
    about = retrieve(index, read_question("Qui commentait les matchs de football ?"), embedder)
    elsewhere = retrieve(index, read_question("Quel est le prix du pétrole brut ?"), embedder)
    asked = embedder.query("Qui commentait les matchs de football ?")
    assert about.semantic_mean == pytest.approx(float((index.vectors @ asked).mean()), abs=1e-5)
    assert about.semantic_mean > elsewhere.semantic_mean
    assert retrieve(ArticleIndex(article), read_question("Qui commentait ?")).semantic_mean is None


def test_only_a_number_that_counts_what_is_asked_is_lifted_as_a_count(
    embedder: Embedder,
) -> None:
    path = DATA / "wikinews_45614.html"  # hurricane Sandy, Wikinews (CC BY)
    article = parse_article(path.read_bytes(), path.name)
    index = ArticleIndex(article, vectors=embed_article(embedder, article))
    asked = read_question("Combien de victimes a fait l'ouragan ?")
    def quoted(candidate: Candidate) -> str:
        return " ".join(article.sentences[i].text for i in candidate.sentences)

    e5 = _WithoutTower(embedder)  # e5 ranks: the tower alone already puts "39 morts" first
    found = retrieve(index, asked, e5)
    assert "39 morts" in quoted(found.best) and found.best.holds is True
    # Lifting every sentence with a number, "catégorie 1" comes first, and counts no victim.
    shaped = retrieve(index, asked, e5, Fusion(counts_cued=0))
    assert "catégorie 1" in quoted(shaped.best) and shaped.best.holds is False


class _WithoutTower:
    """The model as it reads without its question tower (e5's vector ranks)."""

    def __init__(self, embedder: Embedder) -> None:
        self.query = embedder.query



def test_the_tower_s_ranking_is_weighed_by_its_own_share(
    bundled_article: Article, embedder: Embedder, semantic_stored: StoredArticle
) -> None:
    question = read_question("Quel missile a été testé ?")
    index = ArticleIndex(bundled_article, vectors=semantic_stored.vectors)
    bm25 = retrieve(ArticleIndex(bundled_article), question).scores
    plain = {"semantic_context": 0.0, "cue": 0.0, "key_points": 1.0}
    e5_vector, tower_vector = embedder.question(question.text)
    assert tower_vector is not None
    # The tower ranks: ``tower_semantic`` is its share, whatever ``semantic`` is.
    towered = retrieve(index, question, embedder, Fusion(tower_semantic=0.0, semantic=1.0))
    assert towered.ranked_best is not None
    assert np.allclose(towered.scores, bm25, atol=1e-5)  # no share: BM25's scores
    alone = retrieve(index, question, embedder, Fusion(tower_semantic=1.0, semantic=0.0, **plain))
    assert alone.best.sentence == int(np.argmax(index.vectors @ tower_vector))
    # e5 ranks (no tower): ``semantic`` is its share.
    e5 = _WithoutTower(embedder)
    untowered = retrieve(index, question, e5, Fusion(semantic=0.0, tower_semantic=1.0))
    assert untowered.ranked_best is None and np.allclose(untowered.scores, bm25, atol=1e-5)
    alone = retrieve(index, question, e5, Fusion(semantic=1.0, tower_semantic=0.0, **plain))
    assert alone.best.sentence == int(np.argmax(index.vectors @ e5_vector))
