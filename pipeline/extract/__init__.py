"""Extraction: spaCy components that find actors, wallets, casinos, amounts and countries.

Kept free of imports so the store and parsers can use the light modules (names, geo) without
loading spaCy; the Extractor lives in pipeline.extract.extractor.
"""
