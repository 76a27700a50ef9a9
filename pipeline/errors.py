"""Errors: one base class and one subclass per stage."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem with one input or the configuration, reported in one plain sentence."""

    stage = "pipeline"


class ParseError(PipelineError):
    """A document could not be read."""

    stage = "parse"


class ExtractError(PipelineError):
    """Extraction failed on a document."""

    stage = "extract"


class StoreError(PipelineError):
    """The store could not be opened, read or written."""

    stage = "store"


class ConfigError(PipelineError):
    """A setting, flag or path is unusable."""

    stage = "config"


class QueryError(StoreError):
    """A search query's syntax cannot be read (the client's fault, not the store's)."""
