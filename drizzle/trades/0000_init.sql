CREATE SCHEMA "trades";
