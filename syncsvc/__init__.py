"""syncsvc: core and hip strength sessions on the right days of a runner's week."""

__version__ = "0.1.0"
