"""The command line (``kiosque …``) and the console chat: a shell over ``bot.app.service``.

May import: ``bot.app.service`` (the door), ``bot.app.render`` (to print), ``bot.app.replies``
and ``bot.app.language``, the shared
``bot.errors``, ``bot.settings``, ``bot.values``, and ``bot.adapter`` to start the Discord bot.
"""
