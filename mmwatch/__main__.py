"""``python -m mmwatch``: the same as the ``mmwatch`` command."""

import sys

from mmwatch.cli import main

sys.exit(main())
