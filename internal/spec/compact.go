package spec

import (
	"reflect"
	"strings"
)

// compactStrings gives the strings in *doc (a decoded document a FileCache keeps) one
// buffer of their own. The JSON scanner takes every string value as a substring of one
// copy of its file (scanJSON), so a single kept value pins the whole file's text,
// whitespace and member names included: at 5,000 services that was 11 MB of the
// cache. The strings of map keys and values are copied one by one (a map's entries
// cannot be written in place).
//
// It writes into the document's values, which the Load in progress shares: only the
// strings' storage changes, never their contents, and no other goroutine reads the
// document before loadFile returns it.
func compactStrings(doc any) {
	var c stringCompactor
	c.walk(reflect.ValueOf(doc))
	var b strings.Builder
	b.Grow(c.size)
	for _, s := range c.strs {
		b.WriteString(*s)
	}
	buf, off := b.String(), 0
	for _, s := range c.strs {
		n := len(*s)
		*s = buf[off : off+n]
		off += n
	}
}

type stringCompactor struct {
	strs []*string
	size int
}

func (c *stringCompactor) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			c.walk(v.Elem())
		}
	case reflect.String:
		if v.Len() > 0 && v.CanAddr() && v.CanSet() {
			s := v.Addr().Interface().(*string)
			c.strs = append(c.strs, s)
			c.size += len(*s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				c.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if k := v.Type().Elem().Kind(); k == reflect.Uint8 || isScalar(k) {
			return // bytes (json.RawMessage: its own copy), numbers, booleans
		}
		for i := range v.Len() {
			c.walk(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() || !v.CanSet() || v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k := reflect.ValueOf(strings.Clone(it.Key().String())).Convert(v.Type().Key())
			e := reflect.ValueOf(strings.Clone(it.Value().String())).Convert(v.Type().Elem())
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

func isScalar(k reflect.Kind) bool {
	return k >= reflect.Bool && k <= reflect.Complex128
}
