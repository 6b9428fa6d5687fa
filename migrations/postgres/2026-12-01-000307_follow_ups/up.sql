-- Follow-up of a decision (API.md section 13): was the board's advice applied? Asked of the
-- dossier's referrer `follow_up_days` after a `decided` decision; answered once.
CREATE TABLE follow_ups (
    decision_id TEXT PRIMARY KEY NOT NULL REFERENCES decisions(id),
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    board_id TEXT NOT NULL REFERENCES boards(id),
    referrer_id TEXT NOT NULL REFERENCES users(id),
    due_at TIMESTAMP NOT NULL,
    notified_at TIMESTAMP,
    applied TEXT,
    reason TEXT,
    outcome_note TEXT,
    answered_at TIMESTAMP
);
CREATE INDEX follow_ups_due ON follow_ups(due_at) WHERE notified_at IS NULL;
CREATE INDEX follow_ups_by_referrer ON follow_ups(referrer_id, due_at);
