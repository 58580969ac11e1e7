// Package spec is ecsgit's model of the desired state: Amazon ECS task definitions and
// service definitions exactly as `aws ecs register-task-definition --cli-input-json` and
// `aws ecs create-service --cli-input-json` take them, plus the repository configuration
// (ecsgit.yaml).
//
// It owns strict decoding with file:line:col positions, normalization (ECS defaults, numbers
// given as strings, cpu/memory units), semantic validation with stable rule IDs, and
// repository discovery. It never imports Nomad: translation lives in nomadbackend, and
// docker-compose conversion lives in package compose, which produces the same types.
package spec
