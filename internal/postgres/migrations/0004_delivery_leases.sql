-- The claim that leased a delivery: write-backs of its attempt are conditional on it, so an
-- instance whose lease ran out cannot touch a delivery that another instance took over.
ALTER TABLE deliveries ADD COLUMN lease bigint NOT NULL DEFAULT 0;
