package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmihailenco/msgpack/v5"
)

// TestReadForward decodes the three event modes of the Fluentd forward protocol as a
// client such as Docker's fluentd log driver encodes them.
func TestReadForward(t *testing.T) {
	rec := map[string]any{"log": []byte("hello"), "container_name": "/app"}
	entry := func(ts any) []any { return []any{ts, rec} }
	var packed bytes.Buffer
	enc := msgpack.NewEncoder(&packed)
	for _, e := range [][]any{entry(int64(1)), entry(int64(2))} {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	et := &eventTime{time.Unix(3, 500).UTC()}
	events := []any{
		[]any{"message", int64(1), rec},
		[]any{"message-eventtime", et, rec, map[string]any{}},
		[]any{"forward", []any{entry(int64(1)), entry(int64(2))}},
		[]any{"packed", packed.Bytes(), map[string]any{"size": 2}},
	}
	var stream bytes.Buffer
	enc = msgpack.NewEncoder(&stream)
	for _, ev := range events {
		if err := enc.Encode(ev); err != nil {
			t.Fatal(err)
		}
	}
	var got []printedRecord
	if err := readForward(&stream, func(r printedRecord) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"log": "hello", "container_name": "/app"}
	r := func(tag string, sec int64, nsec int64) printedRecord {
		return printedRecord{Tag: tag, Time: time.Unix(sec, nsec).UTC(), Record: want}
	}
	expect := []printedRecord{
		r("message", 1, 0), r("message-eventtime", 3, 500),
		r("forward", 1, 0), r("forward", 2, 0), r("packed", 1, 0), r("packed", 2, 0),
	}
	if d := cmp.Diff(expect, got); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
}
