package httpapi

import (
	"encoding"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shiftwire/shiftwire"
)

// obj is a JSON object of the OpenAPI document under construction.
type obj = map[string]any

// schemaRef refers to the component schema name.
func schemaRef(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// schemas derives JSON schemas from the Go types the API renders, as encoding/json renders
// them, so that the document's bodies cannot disagree with the code: a field is required
// unless it is omitempty, a pointer without omitempty may be null, and a named string type
// lists the constants declared for it. Named struct and enum types become components.
type schemas struct {
	components obj
	// names renames the Go types whose own names are unexported or generic.
	names map[reflect.Type]string
	// enums holds the values of the named string types of the root package.
	enums map[string][]string
	// fieldEnums holds, per struct type and JSON field, the values a plain string field
	// accepts, learnt from the collection's decoder.
	fieldEnums map[reflect.Type]map[string][]string
	// fieldFormats holds, per struct type and JSON field, the format of a plain string
	// field: "date" for the fields a decoder reads as dates, "date-time" for times.
	fieldFormats map[reflect.Type]map[string]string
}

var (
	changeVersionType = reflect.TypeFor[shiftwire.ChangeVersion]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()

	externalReferencesType = reflect.TypeFor[shiftwire.ExternalReferences]()
)

// newSchemas returns a generator that knows the enums of the root package at root.
func newSchemas(t *testing.T, root string) *schemas {
	t.Helper()
	return &schemas{
		components:   obj{},
		names:        map[reflect.Type]string{},
		enums:        stringConstants(t, root),
		fieldEnums:   map[reflect.Type]map[string][]string{},
		fieldFormats: map[reflect.Type]map[string]string{},
	}
}

// of returns the schema of values of type t.
func (g *schemas) of(t reflect.Type) obj {
	switch {
	case t == changeVersionType:
		return schemaRef(g.define("ChangeVersion", func() obj {
			return obj{"type": "string", "pattern": "^[0-9A-F]{20}$",
				"description": "The change's place in the tenant's change log: 20 upper-case hex digits, so comparing the strings orders the changes."}
		}))
	case t == rawMessageType:
		return obj{}
	case t == externalReferencesType:
		return schemaRef(g.define("SelectedExternalReferences", func() obj {
			return obj{"type": "object", "additionalProperties": obj{"type": "array", "items": obj{"type": "string"}},
				"description": "The external references chosen, by collection: {\"people\":[\"@badge-number\"]}."}
		}))
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		// Its rendering is its own: it needs a case above.
		panic("openapi: " + t.String() + " renders itself; describe it in schemas.of")
	case t.Kind() == reflect.Pointer:
		return g.of(t.Elem())
	case t.Implements(textMarshalerType):
		return obj{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		if values, ok := g.enums[t.Name()]; ok && t.PkgPath() == shiftwireType.PkgPath() {
			return schemaRef(g.define(t.Name(), func() obj { return obj{"type": "string", "enum": values} }))
		}
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		name := g.nameOf(t)
		if name == "" {
			return g.object(t)
		}
		return schemaRef(g.define(name, func() obj { return g.object(t) }))
	}
	panic("openapi: no schema for " + t.String())
}

// shiftwireType is a type of the root package, for its package path.
var shiftwireType = reflect.TypeFor[shiftwire.Base]()

// nameOf is the component name of the struct type t, "" to inline it.
func (g *schemas) nameOf(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	if t.PkgPath() == shiftwireType.PkgPath() && t.Name() != "" {
		return t.Name()
	}
	return ""
}

// define adds the component name, made by make, unless it exists, and returns name.
func (g *schemas) define(name string, make func() obj) string {
	if _, ok := g.components[name]; !ok {
		g.components[name] = obj{} // a placeholder, so recursive types end
		g.components[name] = make()
	}
	return name
}

// object is the schema of a struct as encoding/json renders it: its fields, those of its
// embedded structs unless a shallower field has the name, no others.
func (g *schemas) object(t reflect.Type) obj {
	props := obj{}
	var required []string
	var walk func(t reflect.Type, depth int)
	seen := map[string]int{}
	walk = func(t reflect.Type, depth int) {
		var embedded []reflect.Type
		for f := range t.Fields() {
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				embedded = append(embedded, f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			if d, ok := seen[name]; ok && d <= depth {
				continue
			}
			seen[name] = depth
			s := g.of(f.Type)
			if format := g.fieldFormats[t][name]; format != "" {
				s = obj{"type": "string", "format": format}
			}
			if values := g.fieldEnums[t][name]; values != nil {
				s = obj{"type": "string", "enum": values}
				if f.Type.Kind() == reflect.Slice {
					s = obj{"type": "array", "items": s}
				}
			}
			omit := strings.Contains(opts, "omitempty")
			if f.Type.Kind() == reflect.Pointer && !omit {
				s = nullable(s)
			}
			props[name] = s
			if !omit {
				required = append(required, name)
			}
		}
		for _, e := range embedded {
			walk(e, depth+1)
		}
	}
	walk(t, 0)
	out := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		slices.Sort(required)
		out["required"] = slices.Compact(required)
	}
	return out
}

// writable returns the schema s as a write body may be: the same members, none of them
// required at any depth (the decoders decide which are, and answer validationErrors), with
// the object components it refers to replaced by their Write versions.
func (g *schemas) writable(s any) any {
	switch s := s.(type) {
	case obj:
		if ref, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			target, _ := g.components[name].(obj)
			if _, isObject := target["properties"]; !isObject {
				return s
			}
			return schemaRef(g.define(name+"Write", func() obj { return g.writable(target).(obj) }))
		}
		out := obj{}
		for k, v := range s {
			switch k {
			case "required":
			case "properties":
				props := obj{}
				for name, p := range v.(obj) {
					props[name] = g.writable(p)
				}
				out[k] = props
			case "items", "additionalProperties":
				out[k] = g.writable(v)
			case "allOf", "anyOf", "oneOf":
				var list []any
				for _, item := range v.([]any) {
					list = append(list, g.writable(item))
				}
				out[k] = list
			default:
				out[k] = v
			}
		}
		return out
	}
	return s
}

// nullable allows null besides s. A reference cannot carry nullable beside it in OpenAPI
// 3.0, so it is wrapped.
func nullable(s obj) obj {
	if _, ok := s["$ref"]; ok {
		return obj{"allOf": []any{s}, "nullable": true}
	}
	s["nullable"] = true
	return s
}

// stringConstants reads the string constants of the package in dir declared with a named
// type: the values of each enum type, in declaration order.
func stringConstants(t *testing.T, dir string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	enums := map[string][]string{}
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			for _, decl := range file.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					typ, ok := vs.Type.(*ast.Ident)
					if !ok {
						continue
					}
					for _, v := range vs.Values {
						if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							enums[typ.Name] = append(enums[typ.Name], s)
						}
					}
				}
			}
		}
	}
	return enums
}

// learnEnums finds the plain string fields of collection ct whose writes accept only some
// values, by writing its example with each string field set to a value no rule accepts:
// the decoder names the values it accepts ("must be A, B or C; got ..."), or says the field
// is a date. The schema then lists what the decoder allows, whatever the Go type says.
func (g *schemas) learnEnums(t *testing.T, ct *shiftwire.CollectionType) {
	t.Helper()
	typ := reflect.TypeOf(ct.New()).Elem()
	var example map[string]any
	if err := json.Unmarshal([]byte(ct.Example), &example); err != nil {
		t.Fatalf("%s: the example: %v", ct.Name, err)
	}
	const bogus = "\u00a7not-a-value"
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		elem := f.Type
		if elem.Kind() == reflect.Slice {
			elem = elem.Elem()
		}
		if name == "" || name == "-" || elem.Kind() != reflect.String || elem.Name() != "string" {
			continue
		}
		body := map[string]any{}
		for k, v := range example {
			body[k] = v
		}
		var value any = bogus
		field := name
		if f.Type.Kind() == reflect.Slice {
			value, field = []string{bogus}, name+"[0]"
		}
		body[name] = value
		data, _ := json.Marshal(body)
		_, err := ct.Decode(data, 0)
		var verrs shiftwire.ValidationErrors
		if err == nil || !asValidation(err, &verrs) {
			continue
		}
		for _, v := range verrs {
			if v.Field == field && f.Type.Kind() == reflect.String && strings.HasPrefix(v.Message, "must be a date written YYYY-MM-DD") {
				g.setFormat(typ, name, "date")
				continue
			}
			list, ok := strings.CutPrefix(v.Message, "must be ")
			list, _, found := strings.Cut(list, "; got ")
			if v.Field != field || !ok || !found {
				continue
			}
			values := []string{list}
			if head, last, ok := strings.Cut(list, " or "); ok {
				values = append(strings.Split(head, ", "), last)
			}
			if slices.ContainsFunc(values, func(v string) bool { return v == "" || strings.ContainsAny(v, " ,'\"") }) {
				continue // a rule's sentence, not a list of values
			}
			if g.fieldEnums[typ] == nil {
				g.fieldEnums[typ] = map[string][]string{}
			}
			g.fieldEnums[typ][name] = values
		}
	}
}

// setFormat records that field name of struct type typ is a string of format.
func (g *schemas) setFormat(typ reflect.Type, name, format string) {
	if g.fieldFormats[typ] == nil {
		g.fieldFormats[typ] = map[string]string{}
	}
	g.fieldFormats[typ][name] = format
}

// asValidation reports whether err holds ValidationErrors, and sets *v to them.
func asValidation(err error, v *shiftwire.ValidationErrors) bool {
	if ve, ok := err.(shiftwire.ValidationErrors); ok {
		*v = ve
		return true
	}
	return false
}
