"""moneytrail: document intelligence for financial-crime analysts."""

__version__ = "0.12.0"
