DROP TABLE object_uploads;
