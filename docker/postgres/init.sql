-- First start of the compose Postgres: the application role and database.
-- (The native path does the same in scripts/deps-up.sh.)
CREATE ROLE chargebus LOGIN CREATEDB PASSWORD 'chargebus';
CREATE DATABASE chargebus OWNER chargebus;
-- BI tools (services/api README): select on the `bi` views only; the migration grants per database.
CREATE ROLE bi_reader LOGIN PASSWORD 'bi_reader';
