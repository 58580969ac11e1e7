package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// memstatsEvery is the period of the memstats CSV written with -daemon-profiles.
const memstatsEvery = 15 * time.Second

// memstatsFields are the runtime.MemStats lines of /debug/pprof/heap?debug=1 copied into
// the CSV, in this order.
var memstatsFields = []string{"HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "Sys", "NumGC"}

// profiler saves the daemon's profiles while the soak runs (-daemon-profiles DIR):
//
//	DIR/heap-MMm.pb.gz        heap profile (after a forced GC) every -profile-every, from
//	                          the start of the soak, and one at its end ("heap-end")
//	DIR/goroutine-MMm.txt     goroutine?debug=1 at the same times
//	DIR/memstats.csv          every 15 s: elapsed, VmRSS, the runtime memstats, goroutines
//
// Compare two heap profiles with `go tool pprof -top -base DIR/heap-02m.pb.gz
// DIR/heap-12m.pb.gz` (add -sample_index=inuse_objects for counts).
type profiler struct {
	addr  string // host:port of the daemon's --pprof-listen
	dir   string
	pid   int
	every time.Duration
	start time.Time
}

func (p *profiler) get(path string) ([]byte, error) {
	c := http.Client{Timeout: 60 * time.Second}
	resp, err := c.Get("http://" + p.addr + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// run samples until ctx ends, then saves the final profiles.
func (p *profiler) run(ctx context.Context) {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		log.Printf("daemon profiles: %v", err)
		return
	}
	csv, err := os.Create(filepath.Join(p.dir, "memstats.csv"))
	if err != nil {
		log.Printf("daemon profiles: %v", err)
		return
	}
	defer csv.Close()
	fmt.Fprintf(csv, "elapsed_s,rss_mib,%s,goroutines\n", strings.Join(memstatsFields, ","))
	p.snapshot("00m")
	nextProfile := time.Now().Add(p.every)
	tick := time.NewTicker(memstatsEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.snapshot("end")
			return
		case <-tick.C:
		}
		if err := p.memstats(csv); err != nil {
			log.Printf("daemon profiles: %v", err)
		}
		if time.Now().After(nextProfile) {
			p.snapshot(fmt.Sprintf("%02dm", int(time.Since(p.start).Round(time.Minute).Minutes())))
			nextProfile = nextProfile.Add(p.every)
		}
	}
}

// snapshot writes heap-<tag>.pb.gz and goroutine-<tag>.txt. gc=1 makes the heap profile
// reflect a collection done just before, so inuse is the live heap.
func (p *profiler) snapshot(tag string) {
	if raw, err := p.get("/debug/pprof/heap?gc=1"); err != nil {
		log.Printf("daemon profiles: heap: %v", err)
	} else if err := os.WriteFile(filepath.Join(p.dir, "heap-"+tag+".pb.gz"), raw, 0o644); err != nil {
		log.Printf("daemon profiles: %v", err)
	}
	if raw, err := p.get("/debug/pprof/goroutine?debug=1"); err != nil {
		log.Printf("daemon profiles: goroutine: %v", err)
	} else if err := os.WriteFile(filepath.Join(p.dir, "goroutine-"+tag+".txt"), raw, 0o644); err != nil {
		log.Printf("daemon profiles: %v", err)
	}
	log.Printf("daemon profiles: saved %s", tag)
}

// memstats appends one CSV line. The heap profile in text form ends with the runtime's
// MemStats ("# HeapInuse = 1234"); the goroutine profile starts with the total.
func (p *profiler) memstats(w io.Writer) error {
	heap, err := p.get("/debug/pprof/heap?debug=1")
	if err != nil {
		return err
	}
	stats := parseMemstats(string(heap))
	gr, err := p.get("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return err
	}
	goroutines := ""
	if first, _, _ := strings.Cut(string(gr), "\n"); strings.HasPrefix(first, "goroutine profile: total ") {
		goroutines = strings.TrimPrefix(first, "goroutine profile: total ")
	}
	rss, err := rssMiB(p.pid)
	if err != nil {
		return err
	}
	row := []string{strconv.Itoa(int(time.Since(p.start).Seconds())), strconv.FormatFloat(rss, 'f', 1, 64)}
	for _, f := range memstatsFields {
		row = append(row, stats[f])
	}
	_, err = fmt.Fprintln(w, strings.Join(append(row, goroutines), ","))
	return err
}

// parseMemstats reads the "# Name = value" lines at the end of heap?debug=1.
func parseMemstats(text string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l, ok := strings.CutPrefix(sc.Text(), "# ")
		if !ok {
			continue
		}
		k, v, ok := strings.Cut(l, " = ")
		if ok && !strings.Contains(k, " ") {
			out[k] = v
		}
	}
	return out
}
