package synctest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

const hookSecret = "sync-test-secret"

// pushHook delivers a signed GitHub push event for main to the daemon. Each delivery has
// its own ID and payload, as a provider's do (the daemon ignores a replayed one).
func pushHook(t testing.TB, d *synctest.Daemon) {
	t.Helper()
	id := fmt.Sprint("delivery-", time.Now().UnixNano())
	body := []byte(`{"ref":"refs/heads/main","delivery":"` + id + `"}`)
	m := hmac.New(sha256.New, []byte(hookSecret))
	m.Write(body)
	req, _ := http.NewRequest(http.MethodPost, d.URL+"/v1/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: HTTP %d", resp.StatusCode)
	}
}

// job reads a job (nil when absent).
func job(t testing.TB, c *nomadbackend.Client, ns, id string) *nomadbackend.LiveJob {
	t.Helper()
	j, err := c.ReadJob(context.Background(), ns, id)
	if err != nil {
		t.Fatalf("read job %s: %v", id, err)
	}
	return j
}

func modifyIndex(t testing.TB, c *nomadbackend.Client, ns, id string) uint64 {
	return nomadbackend.JobModifyIndexOf(job(t, c, ns, id))
}

func running(j *nomadbackend.LiveJob) bool { return j != nil && !nomadbackend.IsStopped(j) }

func nil2(ns string) *api.WriteOptions { return &api.WriteOptions{Namespace: ns} }

func nil2q(ns string) *api.QueryOptions { return &api.QueryOptions{Namespace: ns} }
