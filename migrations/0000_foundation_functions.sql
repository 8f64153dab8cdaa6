-- The tenant of the current unit of work, set by withTx with set_config('app.tenant_id', …).
-- NULLIF: once set in a session, an unset custom setting reads back as '' rather than NULL.
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
--> statement-breakpoint
-- Partitions live in their own schema, where the application role has no privileges: reading or
-- writing them directly would skip the parent table's row-level policy.
CREATE SCHEMA IF NOT EXISTS partitions;
