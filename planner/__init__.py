"""planner: optimization and simulation for after-sales service networks.

The library logs through ``logging.getLogger("planner.<module>")`` and adds
only a ``NullHandler`` here; applications (the CLI) attach their own.
"""

import logging as _logging

_logging.getLogger("planner").addHandler(_logging.NullHandler())
