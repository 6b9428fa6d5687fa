DROP TABLE notifications;
DROP INDEX users_by_calendar_key;
ALTER TABLE users DROP COLUMN calendar_key;
ALTER TABLE users DROP COLUMN mail_preference;
ALTER TABLE sessions DROP COLUMN sequence;
ALTER TABLE sessions DROP COLUMN published_at;
ALTER TABLE sessions DROP COLUMN duration_minutes;
DROP TABLE board_schedules;
