"""Linking: group mentions into entities (within a document now; across the store later)."""

from pipeline.link.document import link_document

__all__ = ["link_document"]
