"""The application: what the bot does with a question, an upload or a setting.

``service.Kiosque`` is the one door the shells (``bot.adapter``, ``bot.cli``) call; the
responder turns retrieved passages and a channel's history into a reply, the indexer turns an
upload into a stored article, ``render`` fills the templates of ``prompts/``.

May import: ``index``, ``bot.storage``, ``bot.net`` and the shared ``bot.errors``,
``bot.settings``, ``bot.values``. Never a shell (``bot.adapter``, ``bot.cli``).
"""
