"""The application: what the bot does with a question, an upload or a setting.

``service.Kiosque`` is the one door the shells (``bot.adapter``, ``bot.cli``) call; ``routing``
sends a question to the article that answers it, the responder turns retrieved passages and a
channel's history into a reply (``replies``: an answer, found articles, a summary, small
talk), the indexer turns an upload into a stored article, ``render`` fills the templates of
``prompts/``, and ``language`` decides the language of the bot's words.

May import: ``index``, ``bot.storage``, ``bot.net`` and the shared ``bot.errors``,
``bot.settings``, ``bot.values``. Never a shell (``bot.adapter``, ``bot.cli``).
"""
