"""``python -m nnet`` is the ``nnet`` command."""

import sys

from nnet.cli import main

sys.exit(main())
