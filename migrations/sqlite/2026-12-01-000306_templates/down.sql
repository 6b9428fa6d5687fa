ALTER TABLE boards DROP COLUMN follow_up_days;
ALTER TABLE dossiers DROP COLUMN template_version;
ALTER TABLE dossiers DROP COLUMN fields;
DROP TABLE board_templates;
