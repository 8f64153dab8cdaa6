-- An API key names its tenant, so it must be found before any tenant is set. This definer function
-- is the one narrow way past row-level security for that: by key id only, returning what checking
-- the key needs (the secret's hash, never the secret).
CREATE OR REPLACE FUNCTION carsi_api_key_for_auth(key_id uuid)
  RETURNS TABLE (
    tenant_id uuid,
    secret_hash text,
    scopes text[],
    allowed_ips text[],
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
  )
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT k.tenant_id, k.secret_hash, k.scopes, k.allowed_ips, k.expires_at, k.revoked_at, k.last_used_at
      FROM api_keys k
     WHERE k.id = key_id
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION carsi_api_key_for_auth(uuid) FROM PUBLIC;
