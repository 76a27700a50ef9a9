-- moneytrail on-chain and sanctions tables, in the same SQLite file as the document store.
-- Every address column ending in _key holds the normalised key document wallets use.
CREATE TABLE IF NOT EXISTS transfers (
    -- Rows are appended in import order (the implicit rowid); `id` is 63 bits of
    -- sha256(chain, tx_hash, leg), unique, which makes a re-import a no-op.
    id INTEGER NOT NULL,
    chain TEXT NOT NULL, tx_hash TEXT NOT NULL, leg TEXT NOT NULL,
    block_time TEXT, block_number INTEGER,
    from_key TEXT NOT NULL, to_key TEXT NOT NULL,
    -- The address as written, only where it differs from its key (saves space at scale).
    from_address TEXT, to_address TEXT,
    asset TEXT NOT NULL, amount TEXT NOT NULL, amount_value REAL NOT NULL, amount_usd TEXT,
    approx INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS transfers_id ON transfers(id);
-- The hop indexes; a bulk import drops them and builds them again at the end.
CREATE INDEX IF NOT EXISTS transfers_from ON transfers(from_key, to_key);
CREATE INDEX IF NOT EXISTS transfers_to ON transfers(to_key, from_key);
-- Inputs and outputs of UTXO transactions; approximate edges are derived from them.
CREATE TABLE IF NOT EXISTS utxo_legs (
    chain TEXT NOT NULL, tx_hash TEXT NOT NULL, side TEXT NOT NULL, idx INTEGER NOT NULL,
    address TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    block_time TEXT, block_number INTEGER, source TEXT NOT NULL,
    PRIMARY KEY (chain, tx_hash, side, idx)
) WITHOUT ROWID;
-- Which transfers were derived from which UTXO transaction, so a re-derivation replaces them.
CREATE TABLE IF NOT EXISTS utxo_edges (
    chain TEXT NOT NULL, tx_hash TEXT NOT NULL, transfer_id INTEGER NOT NULL,
    PRIMARY KEY (chain, tx_hash, transfer_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    chain TEXT NOT NULL, address TEXT NOT NULL, symbol TEXT, decimals INTEGER,
    PRIMARY KEY (chain, address)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sanctions_issues (
    publication TEXT NOT NULL, issue_date TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (publication, issue_date)
);
CREATE TABLE IF NOT EXISTS sanctions_listings (
    key TEXT NOT NULL, publication TEXT NOT NULL, issue_date TEXT NOT NULL,
    list TEXT NOT NULL, profile_id TEXT NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL,
    address TEXT NOT NULL, chains TEXT NOT NULL, program TEXT, designated TEXT,
    PRIMARY KEY (key, publication, issue_date, profile_id, label)
);
CREATE INDEX IF NOT EXISTS sanctions_listings_issue
    ON sanctions_listings(publication, issue_date);
CREATE TABLE IF NOT EXISTS address_tags (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL, address TEXT NOT NULL, label TEXT NOT NULL, source TEXT NOT NULL,
    actor TEXT, category TEXT, confidence TEXT, currency TEXT, pack TEXT
);
CREATE INDEX IF NOT EXISTS address_tags_key ON address_tags(key);
