"""Ingest: turning a text, Markdown or HTML file into an ``Article`` of sections, paragraphs
and sentences.

May import: ``index.language``, ``index.model`` and ``index.errors``.
"""
