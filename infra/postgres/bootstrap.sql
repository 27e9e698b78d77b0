-- PostgreSQL bootstrap for the IdP: the databases, one LOGIN role per service that keeps data,
-- and one schema per service owned by that role. Tables come later, from each service's
-- migrations, running as the owning role.
--
-- Idempotent: infra/ensure-infra.sh runs it on every `make infra` / `make up` / `make test`, and
-- the postgres container runs it once at first start (/docker-entrypoint-initdb.d). Run it with
-- psql as a superuser, connected to any database: it uses psql's \gexec and \connect.

\set ON_ERROR_STOP on

-- Roles are cluster-wide. They get no password: development and CI use trust auth on loopback.
-- Production roles and their credentials are created by whoever operates the database.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['idp_accounts', 'idp_activation', 'idp_ra'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      EXCEPTION WHEN duplicate_object THEN
        NULL; -- another run created it between our check and our CREATE
      END;
    END IF;
    -- A role that exists without LOGIN (created by hand, say) would make its service fail to connect.
    EXECUTE format('ALTER ROLE %I LOGIN', r);
  END LOOP;
END
$$;

-- CREATE DATABASE cannot run inside a DO block (it refuses to run in a transaction), hence \gexec:
-- the SELECT yields the statement only when the database is missing.
SELECT 'CREATE DATABASE idp' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'idp') \gexec
SELECT 'CREATE DATABASE idp_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'idp_test') \gexec

-- The same layout in both databases: `idp` for `make up`, `idp_test` for integration and
-- end-to-end tests, so a test run never touches a developer's data. psql has no loop over
-- databases, so the block is written twice; keep the two copies identical.

\connect idp
CREATE SCHEMA IF NOT EXISTS accounts AUTHORIZATION idp_accounts;
CREATE SCHEMA IF NOT EXISTS activation AUTHORIZATION idp_activation;
CREATE SCHEMA IF NOT EXISTS ra AUTHORIZATION idp_ra;
-- A schema created earlier by hand may have another owner; the service's role must own it to migrate.
ALTER SCHEMA accounts OWNER TO idp_accounts;
ALTER SCHEMA activation OWNER TO idp_activation;
ALTER SCHEMA ra OWNER TO idp_ra;
-- Each service writes only in its own schema; nobody creates objects in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

\connect idp_test
CREATE SCHEMA IF NOT EXISTS accounts AUTHORIZATION idp_accounts;
CREATE SCHEMA IF NOT EXISTS activation AUTHORIZATION idp_activation;
CREATE SCHEMA IF NOT EXISTS ra AUTHORIZATION idp_ra;
ALTER SCHEMA accounts OWNER TO idp_accounts;
ALTER SCHEMA activation OWNER TO idp_activation;
ALTER SCHEMA ra OWNER TO idp_ra;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
