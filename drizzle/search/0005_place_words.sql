-- Words by place: each word of a listing, prefixed with the grid cell (0.1° of latitude by 0.1°
-- of longitude) its location falls in, e.g. '599_107/sofa'. A search near a point asks for its
-- words in the cells its box touches (search-query.ts), so the text index finds the few
-- listings that are both near and match, where the location index found every listing in the
-- box and each had to be read. Computed from the stored document, so the index below covers
-- every listing already indexed: no backfill, no reindex.
CREATE FUNCTION search.place_words(document tsvector, lat double precision, lon double precision) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  select array_to_tsvector(array(
    select floor(lat * 10)::int || '_' || floor(lon * 10)::int || '/' || word from unnest(tsvector_to_array(document)) as word))
$$;--> statement-breakpoint
CREATE INDEX "listing_documents_place_words_idx" ON "search"."listing_documents" USING gin (search.place_words(document, lat, lon)) WHERE status = 'ACTIVE' and lat is not null;--> statement-breakpoint
-- The planner reads no statistics of a partial index's expression; without these it takes every
-- cell word for 0.5 % of the rows (2 % as a prefix) and keeps scanning the whole box.
CREATE STATISTICS "search"."listing_documents_place_words_stats" ON (search.place_words(document, lat, lon)) FROM "search"."listing_documents";--> statement-breakpoint
ANALYZE "search"."listing_documents";
