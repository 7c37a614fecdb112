package core_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSeedAPIIsKept holds docs/seed-api.md's claim: every type, field, method, function
// and variable that the seed API declares exists in package core, with the same kind.
func TestSeedAPIIsKept(t *testing.T) {
	doc, err := os.ReadFile("../docs/seed-api.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/seed-api.md has no Go block")
	}
	fset := token.NewFileSet()
	seedFile, err := parser.ParseFile(fset, "seed-api.md", block[1], 0)
	if err != nil {
		t.Fatalf("the seed's Go block does not parse: %v", err)
	}
	seed := declarations([]*ast.File{seedFile})
	core := declarations(parseCore(t, fset))
	if len(seed) < 12 {
		t.Fatalf("found %d declarations in the seed, want its 12", len(seed))
	}
	for name, s := range seed {
		c, ok := core[name]
		if !ok {
			t.Errorf("core does not declare the seed's %s", name)
			continue
		}
		if s.kind != c.kind {
			t.Errorf("%s is a %s in the seed, a %s in core", name, s.kind, c.kind)
		}
		for _, m := range s.members {
			if !c.has(m, core) {
				t.Errorf("core's %s lacks the seed's %s", name, m)
			}
		}
	}
}

// decl is one top-level declaration: its kind and the names of its fields or methods.
type decl struct {
	kind     string   // "var", "func", "struct", "interface" or "func type"
	members  []string // fields of a struct, methods of an interface
	embedded []string // interfaces an interface embeds
}

// has reports whether d, or an interface it embeds, has the member m.
func (d decl) has(m string, all map[string]decl) bool {
	if slices.Contains(d.members, m) {
		return true
	}
	for _, e := range d.embedded {
		if all[e].has(m, all) {
			return true
		}
	}
	return false
}

func declarations(files []*ast.File) map[string]decl {
	out := map[string]decl{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					out[d.Name.Name] = decl{kind: "func"}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							out[n.Name] = decl{kind: "var"}
						}
					case *ast.TypeSpec:
						out[s.Name.Name] = typeDecl(s.Type)
					}
				}
			}
		}
	}
	return out
}

func typeDecl(e ast.Expr) decl {
	switch t := e.(type) {
	case *ast.StructType:
		d := decl{kind: "struct"}
		for _, f := range t.Fields.List {
			for _, n := range f.Names {
				d.members = append(d.members, n.Name)
			}
		}
		return d
	case *ast.InterfaceType:
		d := decl{kind: "interface"}
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				d.embedded = append(d.embedded, m.Type.(*ast.Ident).Name)
			}
			for _, n := range m.Names {
				d.members = append(d.members, n.Name)
			}
		}
		return d
	case *ast.FuncType:
		return decl{kind: "func type"}
	}
	return decl{kind: reflect.TypeOf(e).String()}
}

// parseCore parses package core's own files, tests excluded.
func parseCore(t *testing.T, fset *token.FileSet) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}
