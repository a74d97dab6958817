"""One cog per area: questions, the library, the history, the guild's settings.

May import what ``bot.adapter`` may, and the adapter's own modules.
"""
