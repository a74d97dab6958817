"""The network: fetching an article by URL without reaching internal addresses (the checking
resolver, the address rules, DNS).

May import: the shared ``bot.errors`` and ``bot.settings``. Nothing else of the bot, no
``index``.
"""
