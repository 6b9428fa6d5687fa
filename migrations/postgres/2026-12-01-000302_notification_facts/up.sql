-- What a notification is about, as JSON (board, dossier reference, session time): mails and
-- pages word it in the reader's language from these. Never health data.
ALTER TABLE notifications ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
