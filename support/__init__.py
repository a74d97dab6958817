"""Stand-ins for what the bot talks to, shared by ``tests``, ``stress`` and ``bench`` (not shipped
in the wheel): a Discord on loopback (``fake_discord``) and real ``kiosque run`` processes
connected to it (``bot_process``), a throwaway Postgres server (``postgres_server``), a scripted
DNS server (``nameserver``), a pretend internet for in-process fetches (``network``) and a hostile
web server (``web_server``).

Imports: the standard library, discord.py's own dependencies and ``bot.settings`` (to find the
repository); never ``tests``, ``stress``, ``bench`` or ``eval``, which import it.
"""
