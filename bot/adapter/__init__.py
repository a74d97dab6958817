"""The Discord adapter: a thin discord.py shell over ``bot.app.service.Kiosque``.

Only ``kiosque run`` and ``kiosque sync`` import this package (discord.py is slow to import).
May import: ``bot.app.service`` (the door), ``bot.app.render``, the values it hands over
(``bot.app.replies``), the language decision (``bot.app.language``) and the shared ``bot.errors``,
``bot.settings``, ``bot.values``; never ``bot.storage``, and never the service's parts
(``service.library``, ``.guilds``…): what it needs is a method of ``Kiosque``.
"""
