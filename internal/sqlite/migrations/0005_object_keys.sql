-- Object keys: the values list filters and external reference lookups select objects by,
-- kept in one table whatever the collection, so that no collection or filter needs a
-- migration of its own. The person_id, date and kind columns of objects become keys.

CREATE TABLE object_keys (
	tenant_id  INTEGER NOT NULL,
	collection TEXT    NOT NULL,
	name       TEXT    NOT NULL, -- a list filter's field ("date") or a predefined reference ("@badge-number")
	value      TEXT    NOT NULL, -- compared as text, byte by byte
	object_id  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, collection, name, value, object_id)
) WITHOUT ROWID;

-- An object's keys, to replace and delete them, to read them with the object, and to check
-- one object against a filter.
CREATE INDEX object_keys_by_object ON object_keys (tenant_id, collection, object_id, name, value);

INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT tenant_id, collection, 'person', CAST(person_id AS TEXT), id FROM objects WHERE person_id IS NOT NULL;
INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT tenant_id, collection, 'date', date, id FROM objects WHERE date IS NOT NULL AND date <> '';
INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT tenant_id, collection, 'kind', kind, id FROM objects WHERE kind IS NOT NULL AND kind <> '';

DROP INDEX objects_by_date;
DROP INDEX objects_by_person;
ALTER TABLE objects DROP COLUMN person_id;
ALTER TABLE objects DROP COLUMN date;
ALTER TABLE objects DROP COLUMN kind;

-- Absence definitions take Protime's field name code (it was absenceCode), in the objects
-- and in the change log. data is the JSON text Go's encoder wrote: a quote inside a string
-- is escaped, and no nested member has that name (translations are keyed by language
-- code), so the text "absenceCode": can only be the member's name.
UPDATE objects SET data = CAST(replace(CAST(data AS TEXT), '"absenceCode":', '"code":') AS BLOB)
	WHERE collection = 'absence-definitions' AND instr(data, CAST('"absenceCode":' AS BLOB)) > 0;
UPDATE changes SET data = CAST(replace(CAST(data AS TEXT), '"absenceCode":', '"code":') AS BLOB)
	WHERE collection = 'absence-definitions' AND data IS NOT NULL AND instr(data, CAST('"absenceCode":' AS BLOB)) > 0;

-- The predefined external references of the objects there are: the non-empty strings of
-- their fields.
WITH r (collection, name, path) AS (VALUES
		('people', '@badge-number', '$.badgeNumber'),
		('people', '@employee-number', '$.employeeNumber'),
		('terminals', '@external-code', '$.externalCode'),
		('activity-definitions', '@data-entry-code', '$.dataEntryCode'),
		('activity-definitions', '@external-reference', '$.externalReference'),
		('absence-definitions', '@absence-code', '$.code'))
INSERT OR IGNORE INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT o.tenant_id, o.collection, r.name, json_extract(CAST(o.data AS TEXT), r.path), o.id
	FROM objects o JOIN r ON r.collection = o.collection
	WHERE json_type(CAST(o.data AS TEXT), r.path) = 'text' AND json_extract(CAST(o.data AS TEXT), r.path) <> '';
