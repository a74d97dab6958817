"""Kiosque: a Discord bot that answers questions about news articles with verbatim quotes.

The folders, from the shells down (each may import only the ones below it; the rules are in
each folder's docstring and checked by ``tests/test_architecture.py``):

- ``adapter/`` (Discord) and ``cli/`` (the command line and console chat): thin shells;
- ``app/``: the service (the one door), the responder, the indexer, rendering;
- ``storage/``: the database engines and repositories; ``net/``: fetching URLs safely;
- shared by all: ``errors``, ``settings``, ``values``; the retrieval itself is ``index``.
"""
