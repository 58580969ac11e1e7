package nomadjob

import (
	"path/filepath"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
)

// SpecHash without a translation must be the translation's: the daemon's plan memo keys
// an earlier translation on it, and a different hash would reuse a stale one or none.
func TestSpecHashIsTranslationsHash(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			d := repotest.Load(t, filepath.Join("testdata", "translate", tc.name))
			opts := TranslateOptions{Source: "github.com/example/repo"}
			tr, err := Translate(d, d.Services[0], opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SpecHash(d, d.Services[0], opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tr.SpecHash {
				t.Errorf("SpecHash = %s, Translate's = %s", got, tr.SpecHash)
			}
			opts.Source = "another/repo"
			if other, _ := SpecHash(d, d.Services[0], opts); other == got {
				t.Errorf("SpecHash ignores the source")
			}
		})
	}
}
