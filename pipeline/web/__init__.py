"""The analyst's workbench: server-rendered pages over the same store calls as the JSON API."""

from __future__ import annotations

from pipeline.web.app import create_workbench

__all__ = ["create_workbench"]
