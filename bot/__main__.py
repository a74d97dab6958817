"""``python -m bot`` runs the ``kiosque`` command line."""

import sys

from bot.cli.main import main

sys.exit(main())
