ALTER TABLE "product_pages" ADD COLUMN "slug" text;--> statement-breakpoint
CREATE INDEX "product_pages_slug_idx" ON "product_pages" USING btree ("tenant_id","slug","locale");