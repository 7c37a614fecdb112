package connectsvc

import "connectrpc.com/connect"

// WithInterceptors runs interceptors around every call of the lock service, unary and
// streaming, outside the service's own logging and metrics (the first one given is the
// outermost), for example otelconnect's tracing, whose span then covers the whole call
// and whose context reaches the lock service. Default: none.
func WithInterceptors(interceptors ...connect.Interceptor) Option {
	return optionFunc(func(c *config) { c.interceptors = append(c.interceptors, interceptors...) })
}
