-- Object keys: the values list filters and external reference lookups select objects by,
-- kept in one table whatever the collection, so that no collection or filter needs a
-- migration of its own. The person_id, date and kind columns of objects become keys.

CREATE TABLE object_keys (
	tenant_id  bigint NOT NULL,
	collection text   NOT NULL,
	name       text   COLLATE "C" NOT NULL, -- a list filter's field ("date") or a predefined reference ("@badge-number")
	value      text   COLLATE "C" NOT NULL, -- compared byte by byte, as SQLite does
	object_id  bigint NOT NULL,
	PRIMARY KEY (tenant_id, collection, name, value, object_id)
);

-- An object's keys, to replace and delete them, to read them with the object, and to check
-- one object against a filter without visiting the table.
CREATE INDEX object_keys_by_object ON object_keys (tenant_id, collection, object_id, name, value);

INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT tenant_id, collection, 'person', person_id::text, id FROM objects WHERE person_id IS NOT NULL
	UNION ALL
	SELECT tenant_id, collection, 'date', date, id FROM objects WHERE date IS NOT NULL AND date <> ''
	UNION ALL
	SELECT tenant_id, collection, 'kind', kind, id FROM objects WHERE kind IS NOT NULL AND kind <> '';

DROP INDEX objects_by_date;
DROP INDEX objects_by_person;
ALTER TABLE objects DROP COLUMN person_id, DROP COLUMN date, DROP COLUMN kind;

-- Absence definitions take Protime's field name code (it was absenceCode), in the objects
-- and in the change log. data is the JSON text Go's encoder wrote: a quote inside a string
-- is escaped, and no nested member has that name (translations are keyed by language
-- code), so the text "absenceCode": can only be the member's name. The text is replaced
-- in the escape form of the bytes, which keeps every other byte as it is, whatever the
-- database's encoding: the form only escapes backslashes, zero bytes and bytes from 0x80, and
-- the text replaced has none of them.
UPDATE objects SET data = decode(replace(encode(data, 'escape'), '"absenceCode":', '"code":'), 'escape')
	WHERE collection = 'absence-definitions' AND position('"absenceCode":'::bytea IN data) > 0;
UPDATE changes SET data = decode(replace(encode(data, 'escape'), '"absenceCode":', '"code":'), 'escape')
	WHERE collection = 'absence-definitions' AND data IS NOT NULL AND position('"absenceCode":'::bytea IN data) > 0;

-- The predefined external references of the objects there are: the non-empty strings of
-- their fields. Each is found in the text as its member, "name":"...", for the reason above,
-- and only that string is read as JSON: a document may hold a \u0000 escape, which
-- PostgreSQL's JSON functions refuse, and a value holding one cannot be a key of text anyway.
INSERT INTO object_keys (tenant_id, collection, name, value, object_id)
	SELECT m.tenant_id, m.collection, m.name, ('"' || m.raw || '"')::json #>> '{}', m.id
	FROM (SELECT o.tenant_id, o.collection, o.id, r.name,
			substring(convert_from(o.data, 'UTF8') FROM '"' || r.field || '":"((?:[^"\\]|\\.)*)"') AS raw
		FROM objects o JOIN (VALUES
			('people', '@badge-number', 'badgeNumber'),
			('people', '@employee-number', 'employeeNumber'),
			('terminals', '@external-code', 'externalCode'),
			('activity-definitions', '@data-entry-code', 'dataEntryCode'),
			('activity-definitions', '@external-reference', 'externalReference'),
			('absence-definitions', '@absence-code', 'code')
		) AS r (collection, name, field) ON r.collection = o.collection) m
	WHERE m.raw <> '' AND m.raw !~ '(^|[^\\])(\\\\)*\\u0000'
	ON CONFLICT DO NOTHING;
