"""Storage: the database protocol, its SQLite and Postgres engines, and the repositories
(library, history, guilds, feedback, the library-wide search index) written on top of it.

May import: ``index`` (the article model and search fields) and the shared ``bot.errors``,
``bot.settings``, ``bot.values``. Never ``bot.app``, ``bot.net`` or a shell.
"""
