package auth

import (
	"fmt"
	"strings"
)

// Access is who may reach an endpoint other than the LockService.
type Access string

// Accesses an endpoint may have.
const (
	Open          Access = "open"          // anyone, without credentials
	Authenticated Access = "authenticated" // any caller with a valid credential
	Off           Access = "off"           // nobody: 404
)

// Endpoints says who reaches server reflection and /metrics. Health is always open: a
// load balancer checks it without credentials.
type Endpoints struct {
	Reflection, Metrics Access
}

func (e endpointsFile) withDefaults() Endpoints {
	out := Endpoints(e)
	if out.Reflection == "" {
		out.Reflection = Authenticated
	}
	if out.Metrics == "" {
		out.Metrics = Authenticated
	}
	return out
}

func (e Endpoints) check() error {
	for name, a := range map[string]Access{"reflection": e.Reflection, "metrics": e.Metrics} {
		switch a {
		case Open, Authenticated, Off:
		default:
			return fmt.Errorf("endpoints.%s is not one of open, authenticated, off", name)
		}
	}
	return nil
}

// Paths of the endpoints that are not the LockService.
const (
	healthPrefix     = "/grpc.health.v1.Health/"
	livenessPath     = "/healthz" // connectsvc.LivenessPath
	readinessPath    = "/readyz"  // connectsvc.ReadinessPath
	reflectionPrefix = "/grpc.reflection."
	metricsPath      = "/metrics"
)

// access returns who may reach path: health is open, reflection and metrics as
// configured, everything else (the LockService) needs a credential.
func (e Endpoints) access(path string) Access {
	switch {
	case strings.HasPrefix(path, healthPrefix), path == livenessPath, path == readinessPath:
		return Open
	case strings.HasPrefix(path, reflectionPrefix):
		return e.Reflection
	case path == metricsPath:
		return e.Metrics
	}
	return Authenticated
}
