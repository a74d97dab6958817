"""The indexer: pure functions from a source's bytes to an article and a searchable index.

Pure: no Discord, no database, no templates. Folders, from the bottom up (each may import
only the ones below it; checked by ``tests/test_architecture.py``): ``language/`` (words,
tables, what a question asks), ``ingest/`` (files to articles), ``vectors/`` (the e5
embedder), ``search/`` (indexed articles and retrieval). ``model`` and ``errors`` are shared.
"""

from index.errors import SourceError
from index.ingest.sources import Limits, parse_article
from index.model import Article, Paragraph, Section, Sentence

__all__ = ["Article", "Limits", "Paragraph", "Section", "Sentence", "SourceError", "parse_article"]
