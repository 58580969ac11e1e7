// Package compose converts docker-compose projects into ecsgit's ECS model (package spec):
// every compose service becomes an ECS service with its own task definition, unless the
// `x-ecsgit: {task: NAME}` extension groups several services into one task.
//
// Loading is compose-go's (interpolation, .env, env_file, extends, include, profiles,
// fragments, merging of several files). This package adds what a GitOps tool needs on top:
// every problem and every translation gap is reported with the file, line, service and key
// it comes from (compose-go's own warnings included, which it otherwise writes to the global
// logrus logger), and every compose key is translated exactly, approximately (with the
// consequence stated) or not at all — never silently dropped. docs/compose.md is the
// user-facing mapping table.
package compose
