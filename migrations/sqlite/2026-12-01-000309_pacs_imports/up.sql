-- Imports from the hospital's PACS (API.md section 15). No identifier from the PACS is kept
-- here: not the study's or the series' UIDs (the runner holds them in memory while it works,
-- so an import cut by a restart fails cleanly instead of resuming), not the search.
CREATE TABLE pacs_imports (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    requested_by TEXT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    instances_done INTEGER NOT NULL DEFAULT 0,
    instances_total INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    attachment_ids TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    runner TEXT NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX pacs_imports_open ON pacs_imports(status, heartbeat_at);
CREATE INDEX pacs_imports_by_dossier ON pacs_imports(dossier_id, created_at);
