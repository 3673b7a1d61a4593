"""closekit's version, as installed (the RunLog and the SAF-T header record it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("closekit")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0.0.0+source"
