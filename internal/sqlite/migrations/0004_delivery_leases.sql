-- The claim that leased a delivery: write-backs of its attempt are conditional on it, so an
-- engine whose lease ran out cannot touch a delivery that another claim took over.
ALTER TABLE deliveries ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;
