"""mmwatch: supervisor and auditor for the hyper_make market_maker bot."""

__version__ = "0.1.0"
