"""The Postgres engine of the storage protocol: ``database`` (the asyncpg pool, its
migrations in ``migrations/*.sql``) and ``search`` (its full-text matching for the library-wide
search).

May import: ``bot.storage.protocol``, the search index it implements (``bot.storage.search``),
``index`` and the shared ``bot.errors``, ``bot.settings``, ``bot.values``. Never the other
engine, a repository, or anything above storage.
"""
