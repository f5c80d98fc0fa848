CREATE SCHEMA "listings";
