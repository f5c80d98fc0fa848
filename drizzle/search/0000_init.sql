CREATE SCHEMA "search";
