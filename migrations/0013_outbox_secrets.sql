ALTER TABLE "outbound_messages" ADD COLUMN "sealed" text;--> statement-breakpoint
-- Messages written before secrets were blanked at write time: their links' tokens leave the stored
-- copy. They were kept, not sent (no mail transport existed), so nothing is lost for delivery.
UPDATE "outbound_messages"
   SET "body" = regexp_replace("body", 'token=[^\s&]+', 'token=[redacted]', 'g'),
       "data" = ("data" - 'token') || CASE WHEN "data" ? 'url'
         THEN jsonb_build_object('url', regexp_replace("data"->>'url', 'token=[^\s&]+', 'token=[redacted]', 'g'))
         ELSE '{}'::jsonb END
 WHERE "template" IN ('identity.verify_email', 'identity.reset_password', 'identity.invitation');
