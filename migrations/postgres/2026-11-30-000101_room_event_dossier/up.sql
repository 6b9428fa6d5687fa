-- The dossier each durable room event is about: for a focus or a vote, the dossier it names;
-- for a chat line, the dossier in focus when it was written. A referrer in the room sees only
-- what is about their own dossiers (src/domain/room_visibility.rs); NULL is about no dossier
-- and hidden from referrers.
ALTER TABLE room_events ADD COLUMN dossier_id TEXT;

-- Older events: what their payload names, and for chat the focus before it.
UPDATE room_events SET dossier_id = CASE kind
        WHEN 'focus' THEN payload::jsonb ->> 'dossier_id'
        WHEN 'vote_opened' THEN payload::jsonb -> 'vote' ->> 'dossier_id'
        WHEN 'vote_closed' THEN payload::jsonb -> 'decision' ->> 'dossier_id'
    END
WHERE kind IN ('focus', 'vote_opened', 'vote_closed');
UPDATE room_events e SET dossier_id = (
        SELECT f.dossier_id FROM room_events f
        WHERE f.session_id = e.session_id AND f.kind = 'focus' AND f.seq < e.seq
        ORDER BY f.seq DESC LIMIT 1)
WHERE e.kind = 'chat';

-- The dossier in focus: the latest focus event of a session.
CREATE INDEX room_events_by_kind ON room_events(session_id, kind, seq);
