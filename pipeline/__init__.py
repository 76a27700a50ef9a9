"""moneytrail: document intelligence for financial-crime analysts."""

__version__ = "0.9.0"
