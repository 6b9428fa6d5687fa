-- Meetings, calendars and notifications (API.md section 12).

-- A board's weekly slot, in local wall-clock time of CONSILIUM_TIMEZONE.
CREATE TABLE board_schedules (
    board_id TEXT PRIMARY KEY NOT NULL REFERENCES boards(id),
    weekday TEXT NOT NULL,
    local_time TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    title TEXT,
    video_url TEXT,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE sessions ADD COLUMN duration_minutes INTEGER NOT NULL DEFAULT 90;
ALTER TABLE sessions ADD COLUMN published_at TIMESTAMP;
-- The calendar SEQUENCE: bumped by every change that mails an update.
ALTER TABLE sessions ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

ALTER TABLE users ADD COLUMN mail_preference TEXT NOT NULL DEFAULT 'immediate';
-- SHA-256 of the secret of the user's calendar feed URL (the secret itself is not kept).
ALTER TABLE users ADD COLUMN calendar_key TEXT;
CREATE UNIQUE INDEX users_by_calendar_key ON users(calendar_key);

-- The inbox, and the outbox of mails: written by the transaction of the change that causes it.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL,
    dossier_id TEXT,
    session_id TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    -- pending | sent | failed | skipped
    mail TEXT NOT NULL,
    -- Part of the next daily digest rather than a mail of its own.
    digest BOOLEAN NOT NULL DEFAULT FALSE,
    -- When the sender may (next) try; a claim moves it forward so that another instance
    -- does not send the same mail meanwhile.
    mail_due_at TIMESTAMP,
    mail_attempts INTEGER NOT NULL DEFAULT 0,
    mail_error TEXT,
    mailed_at TIMESTAMP,
    -- The calendar part of an invitation, update or cancellation (RFC 5545, with METHOD).
    calendar TEXT
);
CREATE INDEX notifications_by_user ON notifications(user_id, created_at);
CREATE INDEX notifications_by_mail ON notifications(mail, mail_due_at);
