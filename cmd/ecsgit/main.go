// Command ecsgit validates ECS task/service definitions and docker-compose files held in
// Git, plans what would change, and reconciles them onto a HashiCorp Nomad cluster.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
