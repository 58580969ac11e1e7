package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The router mode is a FireLens log router that runs here: it speaks the Fluentd
// forward protocol (what Docker's fluentd log driver sends) and prints every record it
// receives to stdout as one JSON line, {"tag": ..., "time": ..., "record": {...}}, so a
// test can read what an app container logged through FireLens with `nomad alloc logs`.

// eventTime is the forward protocol's EventTime (ext type 0: seconds and nanoseconds,
// big-endian), sent when the client asks for sub-second precision.
type eventTime struct{ time.Time }

func (e *eventTime) MarshalMsgpack() ([]byte, error) {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, uint32(e.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(e.Nanosecond()))
	return b, nil
}

func (e *eventTime) UnmarshalMsgpack(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("EventTime: %d bytes, want 8", len(b))
	}
	e.Time = time.Unix(int64(binary.BigEndian.Uint32(b)), int64(binary.BigEndian.Uint32(b[4:]))).UTC()
	return nil
}

func init() { msgpack.RegisterExt(0, (*eventTime)(nil)) }

// printedRecord is one output line.
type printedRecord struct {
	Tag    string         `json:"tag"`
	Time   time.Time      `json:"time"`
	Record map[string]any `json:"record"`
}

func runRouter(ctx context.Context) error {
	addr := ":" + envOr("FLUENT_PORT", "24224")
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Printf("router version %s: Fluentd forward protocol on %s", version, addr)
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	out := &recordPrinter{w: bufio.NewWriter(os.Stdout)}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			if err := readForward(conn, out.print); err != nil {
				log.Printf("connection from %s: %v", conn.RemoteAddr(), err)
			}
		}()
	}
}

// recordPrinter serialises output lines from concurrent connections.
type recordPrinter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (p *recordPrinter) print(r printedRecord) {
	b, err := json.Marshal(r)
	if err != nil {
		log.Printf("record of tag %q: %v", r.Tag, err)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w.Write(append(b, '\n'))
	p.w.Flush()
}

// readForward decodes forward-protocol events from r until EOF. An event is an array
// [tag, time, record, option?] (Message mode), [tag, [[time, record], ...], option?]
// (Forward mode) or [tag, bin/str of concatenated [time, record], option?]
// (PackedForward mode).
func readForward(r io.Reader, emit func(printedRecord)) error {
	dec := msgpack.NewDecoder(bufio.NewReader(r))
	for {
		v, err := dec.DecodeInterface()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		ev, ok := v.([]any)
		if !ok || len(ev) < 2 {
			return fmt.Errorf("event is %T, want an array [tag, ...]", v)
		}
		tag, _ := ev[0].(string)
		switch entries := ev[1].(type) {
		case []any: // Forward mode
			for _, e := range entries {
				pair, ok := e.([]any)
				if !ok || len(pair) < 2 {
					return fmt.Errorf("forward entry is %T, want [time, record]", e)
				}
				emit(toRecord(tag, pair[0], pair[1]))
			}
		case string, []byte: // PackedForward mode
			var packed []byte
			if s, ok := entries.(string); ok {
				packed = []byte(s)
			} else {
				packed = entries.([]byte)
			}
			inner := msgpack.NewDecoder(bytes.NewReader(packed))
			for {
				var pair []any
				if err := inner.Decode(&pair); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					return fmt.Errorf("packed entry: %w", err)
				}
				if len(pair) >= 2 {
					emit(toRecord(tag, pair[0], pair[1]))
				}
			}
		default: // Message mode
			if len(ev) < 3 {
				return fmt.Errorf("message event has %d elements, want [tag, time, record]", len(ev))
			}
			emit(toRecord(tag, ev[1], ev[2]))
		}
	}
}

func toRecord(tag string, t, rec any) printedRecord {
	out := printedRecord{Tag: tag, Record: map[string]any{}}
	switch v := t.(type) {
	case *eventTime:
		out.Time = v.Time
	case eventTime:
		out.Time = v.Time
	case int64:
		out.Time = time.Unix(v, 0).UTC()
	case uint64:
		out.Time = time.Unix(int64(v), 0).UTC()
	case int8, int16, int32, uint8, uint16, uint32:
		out.Time = time.Unix(toInt64(v), 0).UTC()
	}
	if m, ok := rec.(map[string]any); ok {
		for k, v := range m {
			if b, ok := v.([]byte); ok {
				v = string(b) // Docker sends the log line as raw bytes
			}
			out.Record[k] = v
		}
	}
	return out
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	}
	return 0
}

// runPause holds a network namespace: the Nomad docker driver's infra ("pause")
// container of bridge-mode allocations (ECS awsvpc). It does nothing until stopped.
func runPause(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
