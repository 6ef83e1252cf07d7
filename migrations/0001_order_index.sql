-- The order index (product.md §1, §2): one row per order, written by its Durable Object after its own commits
-- (src/storage/order/projection.ts), never read to decide anything. `version` is the object's audit sequence at the
-- time the row was built: an upsert only replaces a row with a lower version, so a late or repeated write never
-- moves the index backwards. Times are epoch ms; amounts integer minor units.
CREATE TABLE orders (
  gateway TEXT NOT NULL,
  order_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  amount INTEGER,
  currency TEXT,
  -- The order, or one of its refunds, needs a person.
  requires_review INTEGER NOT NULL,
  review_reason TEXT,
  refunds_in_review INTEGER NOT NULL,
  refunded_amount INTEGER NOT NULL,
  gateway_status TEXT,
  sequence INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (gateway, order_id)
);
CREATE INDEX orders_newest ON orders (created_at DESC, gateway DESC, order_id DESC);
CREATE INDEX orders_status ON orders (status, created_at DESC);
CREATE INDEX orders_review ON orders (requires_review, created_at DESC);
