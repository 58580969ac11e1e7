// Package eventsink delivers ECS events (package ecsevents) to HTTP webhooks: signed
// with HMAC-SHA256, retried with backoff, through a bounded queue per sink, in order.
// It tells the daemon how far every sink got (Dispatcher.Cursor), which the daemon
// persists so that a restart resumes there: at-least-once delivery (docs/events.md).
package eventsink
