"""The embedded backend, whole: documents, entities, search, passage vectors and on-chain
tables in one SQLite file (and its vectors folder beside it)."""
