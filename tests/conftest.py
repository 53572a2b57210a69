"""Test configuration shared by every module.

Under CI (the ``CI`` environment variable is set) hypothesis runs derandomized: the examples are
a fixed function of each test, so a red CI run can be reproduced exactly and a green one does not
turn red by the luck of the draw. Locally it explores fresh examples on every run.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
