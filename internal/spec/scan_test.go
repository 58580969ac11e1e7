package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// scanAgrees checks that the scanner and the Decoder-based parser agree on src: the same
// tree (kinds, values, raw text, every position) when src is valid JSON, and both refuse
// it when it is not.
func scanAgrees(t *testing.T, src []byte) {
	t.Helper()
	want, err := parseJSONDecoder("f.json", src)
	got, ok := scanJSON("f.json", src)
	if (err == nil) != ok {
		t.Fatalf("decoder error %v, scanner ok %v, for %q", err, ok, truncate(src))
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("trees differ for %q:\nscanner %s\ndecoder %s", truncate(src), dumpNode(got), dumpNode(want))
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func dumpNode(n *node) string {
	var b strings.Builder
	var walk func(n *node, ind string)
	walk = func(n *node, ind string) {
		b.WriteString(sprintf("%s%s %s %q raw=%q\n", ind, n.kind, n.pos, n.str, n.raw))
		for _, m := range n.members {
			b.WriteString(sprintf("%s  key %q %s\n", ind, m.key, m.keyPos))
			walk(m.val, ind+"    ")
		}
		for _, e := range n.elems {
			walk(e, ind+"  ")
		}
	}
	walk(n, "")
	return b.String()
}

// TestScanAgreesWithDecoder runs both parsers over every JSON file of the repository's
// examples and test data (valid and broken ones) and over edge cases of the grammar.
func TestScanAgreesWithDecoder(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../../examples/*/*.json", "../../examples/*/*/*.json", "../../examples/*/*/*/*.json", "testdata/*/*.json", "testdata/*/*/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d JSON files found: the globs are wrong", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f, func(t *testing.T) { scanAgrees(t, src) })
	}
	cases := []string{
		``, ` `, `{}`, `[]`, `{ }`, "[\n]", `null`, `true`, `false`, `0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+5`, `-12.5E-3`,
		`1x`, `{} {}`, `{},`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{"a":}`, `{1:2}`, `"abc`, `"a\"b"`, `"a\\"`,
		`"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\x"`, "\"a\tb\"", "\"é\"", "\"\xff\"", `"\/"`, `tru`, `nul`, `nulls`,
		"{\r\n  \"a\": [1,\n 2, {\"b\": \"c\"}],\n\t\"d\": null\n}\n", `{"a":1,"a":2}`, `[[[[]]]]`,
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	}
	for _, c := range cases {
		scanAgrees(t, []byte(c))
	}
}

// FuzzScanAgrees: on any input the two parsers agree (scanAgrees).
func FuzzScanAgrees(f *testing.F) {
	addSeeds(f)
	f.Add([]byte(`{"a":[1,"\u00e9",true,null,{"b":-1.5e3}]}`))
	f.Fuzz(func(t *testing.T, src []byte) { scanAgrees(t, src) })
}

// BenchmarkParseJSON compares the two parsers on the example repository's task definition.
func BenchmarkParseJSON(b *testing.B) {
	src, err := os.ReadFile("../../examples/gitops/api/taskdef.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct {
		name  string
		parse func(string, []byte) (*node, error)
	}{{"decoder", parseJSONDecoder}, {"scanner", parseJSON}} {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse("b.json", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
