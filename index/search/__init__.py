"""Search: an indexed article (BM25 fields, vectors, answer shapes) and retrieval, the one
entry point a question goes through, as a sequence of named stages; summaries.

May import: ``index.language``, ``index.ingest``, ``index.vectors``, ``index.model`` and
``index.errors``.
"""
