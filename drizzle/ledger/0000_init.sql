CREATE SCHEMA "ledger";
