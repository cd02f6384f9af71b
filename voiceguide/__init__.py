"""voiceguide: a screen-free guide for couples' connection exercises."""

__version__ = "0.1.0"
