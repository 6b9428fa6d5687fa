ALTER TABLE boards DROP COLUMN show_ballots_to_referrer;
