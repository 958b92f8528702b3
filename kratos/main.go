// Command kratos is Ory Kratos v1.3.1, built from the Go module proxy.
package main

import "github.com/ory/kratos/cmd"

func main() {
	cmd.Execute()
}
