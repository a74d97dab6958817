"""Storage: the database protocol, its two engines, and the repositories written on top of it.

- ``protocol``: what a database is (``Database``, ``Connection``, ``Row``, ``Result``,
  ``Snapshot``, ``DatabaseUnavailable``, ``DatabaseURL``); it imports no engine.
- ``sqlite/`` and ``postgres/``: the engines, each with its schema as ``migrations/*.sql``;
  they import the protocol and the search index they implement, never each other.
- ``factory`` (``open_database``): the one module that names both engines; ``backup``: a copy
  of any engine's database as an SQLite file.
- the repositories, on the protocol only: ``library`` (articles, versions, ``library_lock``),
  ``history`` (turns, active articles), ``guilds`` (server settings), ``feedback`` (votes),
  ``feeds`` (the news feeds a space follows, their items, who polls each),
  ``search`` (the library-wide search index and its ranking); ``cache`` (a bounded LRU).

May import: ``index`` (the article model and search fields) and the shared ``bot.errors``,
``bot.settings``, ``bot.values``. Never ``bot.app``, ``bot.net`` or a shell.
"""
