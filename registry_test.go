package shiftwire

import (
	"strings"
	"testing"
)

// TestRegistry holds every declaration of the registry to checkRegistry.
func TestRegistry(t *testing.T) {
	if err := checkRegistry(collectionTypes); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryFindsIncompleteDeclarations checks that checkRegistry refuses each way of
// declaring a collection in part.
func TestRegistryFindsIncompleteDeclarations(t *testing.T) {
	valid := func() *CollectionType {
		return &CollectionType{
			Name:         "widgets",
			New:          func() Record { return new(widget) },
			DecodeFields: decodeWidget,
			Refs:         []Ref{{Field: "person", Collection: People}},
			Filters:      []ListFilter{IDFilter("person", "person.id")},
			Predefined:   []PredefinedRef{{Name: "@widget-code", Field: "code"}},
			Example:      `{"person":{"id":1},"code":"W-1"}`,
		}
	}
	tests := []struct {
		name   string
		change func(*CollectionType)
		want   string
	}{
		{"no decoder", func(c *CollectionType) { c.DecodeFields = nil }, "no DecodeFields"},
		{"no New", func(c *CollectionType) { c.New = nil }, "no New"},
		{"a reference to an unknown collection", func(c *CollectionType) { c.Refs[0].Collection = "gadgets" }, `unknown collection "gadgets"`},
		{"a reference without a field", func(c *CollectionType) { c.Refs[0].Field = "" }, "a reference without a field"},
		{"a filter without a key", func(c *CollectionType) { c.Filters[0].Field = "" }, "needs a name and the field"},
		{"a filter without a kind", func(c *CollectionType) { c.Filters[0].Kind = 0 }, "has no kind"},
		{"a value filter without values", func(c *CollectionType) { c.Filters = []ListFilter{ValueFilter("kind", "kind")} }, "lists no values"},
		{"a predefined reference without a field", func(c *CollectionType) { c.Predefined[0].Field = "" }, "predefined reference"},
		{"a predefined reference without @", func(c *CollectionType) { c.Predefined[0].Name = "code" }, "predefined reference"},
		{"event references on an unknown collection", func(c *CollectionType) { c.EventRefs = []ReferenceRule{{Collection: "gadgets"}} }, `event references name the unknown collection "gadgets"`},
		{"no example", func(c *CollectionType) { c.Example = "" }, "no Example"},
		{"an example that does not decode", func(c *CollectionType) { c.Example = `{"size":1}` }, "does not decode"},
		{"a shared Go type", func(c *CollectionType) { c.New = func() Record { return new(Person) } }, "the record of people too"},
		{"a bad name", func(c *CollectionType) { c.Name = "Widgets" }, "kebab-case"},
	}
	base := append(collectionTypes[:len(collectionTypes):len(collectionTypes)], valid())
	if err := checkRegistry(base); err != nil {
		t.Fatalf("the valid declaration is refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(c)
			err := checkRegistry(append(collectionTypes[:len(collectionTypes):len(collectionTypes)], c))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("checkRegistry = %v, want a problem with %q", err, tt.want)
			}
		})
	}
	dup := valid()
	if err := checkRegistry(append(collectionTypes[:len(collectionTypes):len(collectionTypes)], valid(), dup)); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Fatalf("a collection declared twice: %v", err)
	}
}

// widget is the record of the test collection.
type widget struct {
	Base
	Person IDRef  `json:"person"`
	Code   string `json:"code,omitempty"`
}

func decodeWidget(f *Fields) Record {
	w := &widget{Code: readText(f, "code", false)}
	if p := readRef(f, "person", true); p != nil {
		w.Person = *p
	}
	return w
}
