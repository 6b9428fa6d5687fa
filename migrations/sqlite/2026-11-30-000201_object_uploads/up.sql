-- The upload journal: object uploads in progress, written before the first byte goes out and
-- removed when the attachment row is committed or the upload aborted. What remains of an
-- instance that is gone was cut short by a crash and is cleaned up (multipart upload aborted,
-- half-written files and orphan objects removed).
CREATE TABLE object_uploads (
    object_key TEXT PRIMARY KEY NOT NULL,
    upload_id TEXT,
    instance_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL
);
