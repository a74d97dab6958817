"""Timings for ``make bench``, through ``bot.app.service.Kiosque``, the ``kiosque`` command line
and a real ``kiosque run`` on the Discord fake (``support``); never ``tests``. The generated
libraries of ``bench.search`` and ``bench.library`` are written as rows on a connection of their
own (100 000 uploads would take hours).
"""
