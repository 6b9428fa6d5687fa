-- The language of a user's pages, printable records and mails (API.md section 16).
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'fr';
