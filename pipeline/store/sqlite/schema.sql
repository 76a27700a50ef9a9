-- moneytrail embedded store, schema version 1
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, title TEXT, date TEXT,
    byline TEXT, size INTEGER NOT NULL, page_count INTEGER NOT NULL, warnings TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS document_sources (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, source TEXT NOT NULL,
    PRIMARY KEY (document_id, source)
);
CREATE TABLE IF NOT EXISTS pages (
    rowid INTEGER PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    number INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    has_text INTEGER NOT NULL, ocr INTEGER NOT NULL, text TEXT NOT NULL,
    UNIQUE (document_id, number)
);
-- Page furniture (running headers, page numbers, footnote markers): document offsets of text
-- that stays in pages.text but is left out of snippets.
CREATE TABLE IF NOT EXISTS page_furniture (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, page INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS page_furniture_page ON page_furniture(document_id, page);
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(
    text, content='pages', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS pages_ai AFTER INSERT ON pages BEGIN
    INSERT INTO pages_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS pages_ad AFTER DELETE ON pages BEGIN
    INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, kind TEXT,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_type ON entities(type);
CREATE TABLE IF NOT EXISTS entity_aliases (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE, alias TEXT NOT NULL,
    norm TEXT NOT NULL, PRIMARY KEY (entity_id, alias)
);
CREATE INDEX IF NOT EXISTS entity_aliases_norm ON entity_aliases(norm);
CREATE TABLE IF NOT EXISTS mentions (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    entity_id TEXT, page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    type TEXT NOT NULL, text TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    sentence TEXT NOT NULL, extractor TEXT NOT NULL, score REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions(entity_id);
-- An entity's pages in page order without reading all its mentions (search's alias hits).
CREATE INDEX IF NOT EXISTS mentions_entity_page ON mentions(entity_id, document_id, page);
-- A page's mentions by type, entity and key: facets count them from this index alone.
DROP INDEX IF EXISTS mentions_doc_page;
CREATE INDEX IF NOT EXISTS mentions_page_facets ON mentions(document_id, page, type, entity_id, key);
CREATE INDEX IF NOT EXISTS mentions_type_key ON mentions(type, key);
CREATE TABLE IF NOT EXISTS failures (
    source TEXT PRIMARY KEY, stage TEXT NOT NULL, error TEXT NOT NULL, message TEXT NOT NULL,
    time TEXT NOT NULL, document_id TEXT
);
CREATE TABLE IF NOT EXISTS relations (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, page INTEGER NOT NULL,
    sentence TEXT NOT NULL, evidence TEXT NOT NULL, count INTEGER NOT NULL,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS relations_subject ON relations(subject);
CREATE INDEX IF NOT EXISTS relations_object ON relations(object);
CREATE INDEX IF NOT EXISTS relations_document ON relations(document_id);
-- Cross-document resolution (derived, rebuilt by relink) and analyst judgements (kept).
CREATE TABLE IF NOT EXISTS entity_canon (entity_id TEXT PRIMARY KEY, canonical_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entity_canon_canonical ON entity_canon(canonical_id);
CREATE TABLE IF NOT EXISTS mention_canon (mention_id TEXT PRIMARY KEY, canonical_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mention_canon_canonical ON mention_canon(canonical_id);
CREATE TABLE IF NOT EXISTS entity_names (canonical_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entity_names_lower ON entity_names(lower(name));
-- Each actor's and casino's resolution block keys (pipeline/link/blocks.py), written with it.
CREATE TABLE IF NOT EXISTS entity_blocks (
    key TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (key, entity_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS judgments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, subject TEXT NOT NULL,
    args TEXT NOT NULL, time TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS resolved_mentions AS
    SELECT m.*, COALESCE(mc.canonical_id, ec.canonical_id, m.entity_id) AS canonical_id
    FROM mentions m
    LEFT JOIN mention_canon mc ON mc.mention_id = m.id
    LEFT JOIN entity_canon ec ON ec.entity_id = m.entity_id;
