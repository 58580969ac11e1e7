// Package syncloop is the daemon of `ecsgit sync`: the reconcile loop (Loop: fetch,
// decide, checkout, plan, apply, one pass at a time), the triggers that wake it (poll,
// webhook, fsnotify, Nomad's event stream via DriftWatcher), leadership with an HA lock,
// the read cache between passes, the /v1/status view (SyncStatus) and the metrics.
//
// Dependency direction: syncloop → reconcile (the engine: every pass is
// reconcile.Pipeline.Plan then the engine's apply, the very code `ecsgit plan` and
// `ecsgit apply` run) → {plan, nomadbackend, source, spec}. reconcile never imports
// syncloop; HTTP stays in syncserver, which imports syncloop for the status types.
package syncloop
