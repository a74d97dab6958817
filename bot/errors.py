"""The error every user-facing failure becomes; the templates say it in the user's language."""

from __future__ import annotations


class KiosqueError(Exception):
    """A failure the user can act on: ``code`` names a macro of ``prompts/<lang>/lines.j2``."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code, values)
        self.code = code
        self.values = values
