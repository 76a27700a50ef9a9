"""The Elasticsearch backend, whole: documents, entities, search, passage vectors and
on-chain queries, on the official client. Imported only when a store URL names a cluster."""
