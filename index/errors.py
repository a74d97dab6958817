"""Errors the indexer raises for a source it cannot turn into an article."""


class SourceError(ValueError):
    """A source that is not a usable article; ``code`` names the problem for the templates.

    Codes: ``binary``, ``unsupported_type`` (``detail``: the type), ``empty``, ``clutter_only``.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
