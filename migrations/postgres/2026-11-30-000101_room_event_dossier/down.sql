DROP INDEX room_events_by_kind;
ALTER TABLE room_events DROP COLUMN dossier_id;
