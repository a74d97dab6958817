"""The indexer: pure functions from a source's bytes to an article and a searchable index."""

from index.errors import SourceError
from index.model import Article, Paragraph, Section, Sentence
from index.sources import Limits, parse_article

__all__ = ["Article", "Limits", "Paragraph", "Section", "Sentence", "SourceError", "parse_article"]
