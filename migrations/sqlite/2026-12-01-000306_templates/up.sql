-- Board templates and typed dossier fields (API.md section 13). A template is never changed in
-- place: each change is a new version, and a dossier keeps the version it was written against.
CREATE TABLE board_templates (
    board_id TEXT NOT NULL REFERENCES boards(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (board_id, version)
);

-- The dossier's field values (a JSON object) and the template version they follow.
ALTER TABLE dossiers ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE dossiers ADD COLUMN template_version INTEGER;

-- Days after a decision when its referrer is asked whether the advice was applied (0: never).
ALTER TABLE boards ADD COLUMN follow_up_days INTEGER NOT NULL DEFAULT 90;
