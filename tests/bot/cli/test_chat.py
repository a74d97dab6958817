"""``kiosque chat``: the console chat over the responder and the history of channel console."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Run

# The words that answer "Qui … ?" in bold, the quote otherwise verbatim.
QUOTE = "La chambre haute du **Parlement** russe a récemment ratifié un traité de défense mutuelle"


def chat(cli: Callable, lines: str) -> Run:
    run = cli("chat", stdin=lines, timeout=60)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err + run.out
    return run


def test_question_summary_quit(cli: Callable) -> None:
    run = chat(cli, "Qui a ratifié le traité ?\n/summary\n/quit\nQuel missile a été testé ?\n")
    assert run.out.startswith("Kiosque — La Russie et la Corée du Nord")
    assert f"> {QUOTE}" in run.out
    assert "**Résumé — La Russie et la Corée du Nord" in run.out
    assert run.out.index(QUOTE) < run.out.index("Résumé")
    # Nothing after /quit is answered.
    assert "« Quel missile a été testé ? »" not in run.out
    assert run.err == ""


def test_errors_do_not_end_the_chat_and_history_is_kept(cli: Callable) -> None:
    run = chat(cli, "/use 999\nQui a ratifié le traité ?\n/history\n/forget\n/history\n")
    assert "article inconnu : 999" in run.out
    assert QUOTE in run.out
    assert "« Qui a ratifié le traité ? »" in run.out.split(QUOTE, 1)[1]
    assert "(1 question(s))" in run.out
    assert run.out.rstrip().endswith("Aucune question dans ce salon pour l’instant.")


def test_unknown_section_does_not_end_the_chat(cli: Callable) -> None:
    run = chat(cli, "/summary Sport et loisirs\nQui a ratifié le traité ?\n/quit\n")
    assert "Sport et loisirs" in run.out
    assert QUOTE in run.out


def test_more_gives_the_answer_s_other_passages_then_new_ones(cli: Callable) -> None:
    run = chat(cli, "Qui a ratifié le traité ?\n/more\n/more\n")
    answer, more, further = run.out.split("« Qui a ratifié le traité ? »")[1:4]
    lead = [line for line in answer.split("\n") if line.startswith("> ")]
    held = [line for line in more.split("\n") if line.startswith("> ")]
    after = [line for line in further.split("\n") if line.startswith("> ")]
    assert len(lead) == 1 and QUOTE in lead[0]  # the answer shows its first passage alone
    assert "Autres passages" in run.out
    assert held and after and not set(lead) & set(held) and not set(after) & {*lead, *held}
