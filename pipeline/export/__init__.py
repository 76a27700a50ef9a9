"""Exports: the public JSON vocabulary first; file formats come later."""
