-- Whether a referrer who is not on the board reads the named ballots of decisions on their
-- dossiers (API.md section 16; off by default).
ALTER TABLE boards ADD COLUMN show_ballots_to_referrer BOOLEAN NOT NULL DEFAULT FALSE;
