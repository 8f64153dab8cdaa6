CREATE TABLE "access_revocations" (
	"tenant_id" uuid,
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"roles" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "access_revocations_kind_check" CHECK ("access_revocations"."kind" IN ('session', 'user_blocked', 'user_unblocked', 'user_roles'))
);
--> statement-breakpoint
ALTER TABLE "access_revocations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "access_revocations_created_idx" ON "access_revocations" USING btree ("created_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "access_revocations" AS PERMISSIVE FOR ALL TO public USING (tenant_id IS NOT DISTINCT FROM (SELECT app_current_tenant())) WITH CHECK (tenant_id IS NOT DISTINCT FROM (SELECT app_current_tenant()));--> statement-breakpoint
-- What a starting (or reconnecting) process must know of tokens already handed out, across every
-- tenant: the revocations of the last token lifetime. Only the server's own role may call it.
CREATE OR REPLACE FUNCTION carsi_recent_access_revocations(since timestamptz)
  RETURNS TABLE (tenant_id uuid, id uuid, kind text, subject_id uuid, roles text[], created_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT r.tenant_id, r.id, r.kind, r.subject_id, r.roles, r.created_at
      FROM access_revocations r
     WHERE r.created_at > since
     ORDER BY r.created_at, r.id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION carsi_recent_access_revocations(timestamptz) FROM PUBLIC;
--> statement-breakpoint
-- An API key acts for the user who made it: that user must still be active and hold every scope, so
-- the key's lookup now also returns its owner's status and what the owner's roles grant.
DROP FUNCTION carsi_api_key_for_auth(uuid);
--> statement-breakpoint
CREATE FUNCTION carsi_api_key_for_auth(key_id uuid)
  RETURNS TABLE (
    tenant_id uuid,
    secret_hash text,
    scopes text[],
    allowed_ips text[],
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    created_by uuid,
    owner_status text,
    owner_roles text[],
    owner_permissions text[]
  )
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT k.tenant_id, k.secret_hash, k.scopes, k.allowed_ips, k.expires_at, k.revoked_at, k.last_used_at,
           k.created_by, u.status,
           COALESCE((SELECT array_agg(DISTINCT r.key) FROM user_roles ur
                       JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                      WHERE ur.tenant_id = k.tenant_id AND ur.user_id = k.created_by), '{}'),
           COALESCE((SELECT array_agg(DISTINCT p) FROM user_roles ur
                       JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
                       CROSS JOIN LATERAL unnest(r.permissions) AS p
                      WHERE ur.tenant_id = k.tenant_id AND ur.user_id = k.created_by), '{}')
      FROM api_keys k
      LEFT JOIN users u ON u.id = k.created_by
     WHERE k.id = key_id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION carsi_api_key_for_auth(uuid) FROM PUBLIC;
