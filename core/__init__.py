"""The core both programs share: domain rules, database plumbing, i18n loader, web security."""

__version__ = "0.1.0"
