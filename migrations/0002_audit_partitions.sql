-- Creates the monthly partitions of audit_logs from the current month to `months_ahead` months later.
-- SECURITY DEFINER so the scheduled job, which runs as the application role, can create them.
CREATE OR REPLACE FUNCTION carsi_ensure_audit_partitions(months_ahead integer DEFAULT 3) RETURNS integer
  -- TimeZone pinned: month bounds are UTC whatever the server's or session's time zone.
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET TimeZone = 'UTC'
  AS $$
DECLARE
  month_start date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  from_day date;
  partition_name text;
  created integer := 0;
BEGIN
  IF months_ahead < 0 OR months_ahead > 24 THEN
    RAISE EXCEPTION 'months_ahead must be between 0 and 24';
  END IF;
  FOR i IN 0..months_ahead LOOP
    from_day := (month_start + make_interval(months => i))::date;
    partition_name := 'audit_logs_' || to_char(from_day, 'YYYY_MM');
    IF to_regclass('partitions.' || partition_name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE partitions.%I PARTITION OF public.audit_logs FOR VALUES FROM (%L) TO (%L)',
        partition_name, from_day::timestamptz, (from_day + interval '1 month')::timestamptz
      );
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION carsi_ensure_audit_partitions(integer) FROM PUBLIC;
--> statement-breakpoint
-- Catches rows outside the prepared months so an audit entry is never lost; kept empty in normal running.
CREATE TABLE IF NOT EXISTS partitions.audit_logs_default PARTITION OF public.audit_logs DEFAULT;
--> statement-breakpoint
SELECT carsi_ensure_audit_partitions(3);
