-- The dossier each durable room event is about: for a focus or a vote, the dossier it names;
-- for a chat line, the dossier in focus when it was written. A referrer in the room sees only
-- what is about their own dossiers (src/domain/room_visibility.rs); NULL is about no dossier
-- and hidden from referrers.
ALTER TABLE room_events ADD COLUMN dossier_id TEXT;

-- Older events: what their payload names, and for chat the focus before it.
UPDATE room_events SET dossier_id = CASE kind
        WHEN 'focus' THEN json_extract(payload, '$.dossier_id')
        WHEN 'vote_opened' THEN json_extract(payload, '$.vote.dossier_id')
        WHEN 'vote_closed' THEN json_extract(payload, '$.decision.dossier_id')
    END
WHERE kind IN ('focus', 'vote_opened', 'vote_closed') AND json_valid(payload);
UPDATE room_events SET dossier_id = (
        SELECT f.dossier_id FROM room_events f
        WHERE f.session_id = room_events.session_id AND f.kind = 'focus'
          AND f.seq < room_events.seq
        ORDER BY f.seq DESC LIMIT 1)
WHERE kind = 'chat';

-- The dossier in focus: the latest focus event of a session.
CREATE INDEX room_events_by_kind ON room_events(session_id, kind, seq);
