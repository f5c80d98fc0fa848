-- Trigram matching for typo tolerance and type-ahead suggestions. Trusted since PG 13, so the
-- database owner may create it; it ships with PostgreSQL 15 and the embedded PostgreSQL 18.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
