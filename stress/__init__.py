"""Stress checks (hostile questions, hostile sources, kills mid-reindex) for ``make stress``.

They drive the bot as members and operators do: through ``bot.app.service.Kiosque``'s methods,
the ``kiosque`` command line or a real ``kiosque run`` on the Discord fake (``support``); never
``tests``. Only ``stress.load`` opens the database itself, to check every stored turn.
"""
