DROP TABLE pacs_imports;
