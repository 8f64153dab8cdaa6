-- The current tenant's products whose search document matches `words`, or, with `code_pattern`,
-- whose search text is LIKE it (SKU and code fragments). Under the tenant policy the text-search
-- and trigram operators (not LEAKPROOF) are applied only after the policy, so their GIN indexes
-- are never used and every visible product is tested. This definer function is the one narrow way
-- past the policy for that: it reads only the current tenant's rows (none when no tenant is set)
-- and returns only ids, which the caller's statement joins back under its own policy.
-- UNION ALL: callers test membership (`id IN (…)`), so a product found twice does no harm.
CREATE OR REPLACE FUNCTION carsi_products_matching(words tsquery, code_pattern text)
  RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  ROWS 200
  AS $$
    SELECT p.id FROM products p
     WHERE p.tenant_id = app_current_tenant() AND p.search_vector @@ words
    UNION ALL
    SELECT p.id FROM products p
     WHERE code_pattern IS NOT NULL AND p.tenant_id = app_current_tenant()
       AND p.search_text LIKE code_pattern
  $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION carsi_products_matching(tsquery, text) FROM PUBLIC;
