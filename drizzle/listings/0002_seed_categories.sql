-- The categories a listing can be filed under, with fixed ids so demo data and clients can
-- rely on them, and the attribute keys each allows.
INSERT INTO "listings"."categories" ("id", "slug", "name", "allowed_attributes", "position") VALUES
  ('0c5e0001-0000-4000-8000-000000000001', 'furniture',   'Furniture',            ARRAY['material', 'color', 'width_cm', 'height_cm', 'depth_cm'], 1),
  ('0c5e0001-0000-4000-8000-000000000002', 'electronics', 'Electronics',          ARRAY['brand', 'model', 'year', 'power_source', 'color'], 2),
  ('0c5e0001-0000-4000-8000-000000000003', 'books',       'Books',                ARRAY['author', 'isbn', 'language', 'format', 'year'], 3),
  ('0c5e0001-0000-4000-8000-000000000004', 'clothing',    'Clothing',             ARRAY['size', 'brand', 'color', 'material', 'fit'], 4),
  ('0c5e0001-0000-4000-8000-000000000005', 'kids',        'Kids & baby',          ARRAY['age_range', 'brand', 'size', 'color'], 5),
  ('0c5e0001-0000-4000-8000-000000000006', 'garden',      'Garden',               ARRAY['material', 'brand', 'power_source', 'color'], 6),
  ('0c5e0001-0000-4000-8000-000000000007', 'tools',       'Tools',                ARRAY['brand', 'model', 'power_source'], 7),
  ('0c5e0001-0000-4000-8000-000000000008', 'sports',      'Sports & outdoors',    ARRAY['brand', 'size', 'sport', 'color'], 8),
  ('0c5e0001-0000-4000-8000-000000000009', 'kitchen',     'Kitchen',              ARRAY['brand', 'material', 'capacity', 'color'], 9),
  ('0c5e0001-0000-4000-8000-00000000000a', 'other',       'Other',                ARRAY['brand', 'color', 'material'], 10)
ON CONFLICT ("slug") DO NOTHING;
