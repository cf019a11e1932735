-- PostgreSQL's 0007 drops the contacts foreign keys for bulk-import speed;
-- SQLite imports row by row and keeps them. Nothing to change here.
SELECT 1;
