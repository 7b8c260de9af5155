package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/README.md":      {Data: []byte("not a migration")},
	}
	files, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Version != 2 || files[0].SQL != "A" || files[1].Name != "0010_later.sql" {
		t.Fatalf("Load = %+v", files)
	}
	for name, bad := range map[string]fstest.MapFS{
		"no number":   {"m/x_bad.sql": {}},
		"same number": {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"none":        {},
	} {
		if _, err := Load(bad, "m"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		} else if !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: error %q does not say what is wrong", name, err)
		}
	}
}
