// Package connecttest holds the real-cluster tests of Service Connect: services deployed
// with ecsgit's engine onto the test cluster, a demo client calling another service by
// its alias through ecsgit's proxy sidecar while that service rolls.
package connecttest
