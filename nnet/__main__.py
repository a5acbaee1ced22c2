"""``python -m nnet`` is the ``nnet`` command."""

import os
import sys

from nnet.cli import main

status = main()
if status == 130:
    # After a Ctrl-C that passed through a string ``eval`` (``collections.namedtuple`` runs one
    # while scikit-learn is imported), CPython's ``python -m`` ends the process by SIGINT even
    # though main caught it, so the caller would not see 130. Leave now, as at start-up.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
sys.exit(status)
