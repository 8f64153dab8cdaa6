-- Catalog search: unaccent folds Turkish letters (Ç→C, ı/İ→i) so "canta" finds "Çanta"; pg_trgm
-- matches typos and SKU fragments. Both are trusted extensions: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- Stemmed Turkish words with their accents folded: "kutular" → kutu, "ÇANTA" → the stem of canta.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'carsi_turkish') THEN
    CREATE TEXT SEARCH CONFIGURATION carsi_turkish (COPY = pg_catalog.turkish);
    ALTER TEXT SEARCH CONFIGURATION carsi_turkish
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, turkish_stem;
  END IF;
END $$;
--> statement-breakpoint
-- Whole words with their accents folded and no stemming. The Turkish stemmer cuts short words
-- unevenly ("kutu" → kut, but "kutular" → kutu), so documents carry both forms and queries match either.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'carsi_simple') THEN
    CREATE TEXT SEARCH CONFIGURATION carsi_simple (COPY = pg_catalog.simple);
    ALTER TEXT SEARCH CONFIGURATION carsi_simple
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
  END IF;
END $$;
