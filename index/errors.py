"""Errors the indexer raises for a source it cannot turn into an article."""


class SourceError(ValueError):
    """A source that is not a usable article; ``code`` names the problem for the templates.

    Codes: ``binary``, ``unsupported_type`` (``detail``: the type), ``empty``, ``clutter_only``,
    and the caps on what one source may make (``limit``: the cap): ``too_many_sentences``
    (``detail``: how many), ``too_many_paragraphs``, ``paragraph_too_long`` (``detail``: its
    length in characters).
    """

    def __init__(self, code: str, detail: str = "", limit: int | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.limit = limit
