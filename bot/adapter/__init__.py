"""The Discord adapter: a thin discord.py shell over ``bot.service.Kiosque``.

Only ``kiosque run`` and ``kiosque sync`` import this package (discord.py is slow to import).
"""
