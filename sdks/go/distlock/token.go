package distlock

import (
	"context"
	"fmt"
	"regexp"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
)

// A TokenSource returns the bearer token of the next request. It is called before every
// request, renewals and the Hold and Watch streams included, and its answer is never
// kept, so that it decides when a token is refreshed (a JWT that expires, a rotated
// secret); one that is slow to produce a token should cache it. It must be safe for
// concurrent use.
type TokenSource func(ctx context.Context) (string, error)

// WithToken makes every call carry "Authorization: Bearer token", as a service started
// with --auth wants. A token that is not an RFC 7235 token68 (letters, digits and
// -._~+/, then any '=', at most 4096 bytes; a line break read from a file is the usual
// mistake) makes [New] return [driver.ErrInvalidArgument], whose message does not quote
// it. Default: no token.
func WithToken(token string) Option {
	return func(o *options) {
		o.tokenErr = tokenProblem(token)
		o.token = func(context.Context) (string, error) { return token, nil }
	}
}

// WithTokenSource makes every call carry "Authorization: Bearer " and the token src
// returns for it. When src fails, or returns no usable token, that call fails with
// [ErrUnauthenticated], whose message names only the type of src's error (which might
// quote a secret): renewal retries it until the lock's validity ends, as it does the
// service's own refusal. Default: no token.
func WithTokenSource(src TokenSource) Option {
	return func(o *options) { o.token, o.tokenErr = src, nil }
}

// maxTokenBytes is the longest token the service accepts (internal/auth).
const maxTokenBytes = 4096

// token68 is RFC 7235's token68, as the service accepts it.
var token68 = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

// tokenProblem says what is wrong with token as a bearer token, without quoting it, or
// returns nil.
func tokenProblem(token string) error {
	switch {
	case len(token) > maxTokenBytes:
		return fmt.Errorf("a bearer token is at most %d bytes, and this one has %d", maxTokenBytes, len(token))
	case !token68.MatchString(token):
		return fmt.Errorf("a bearer token is one or more of the characters A-Z a-z 0-9 - . _ ~ + / "+
			"followed by any '=', and this one (%d bytes) is not (a space or a line break read from a file?)", len(token))
	}
	return nil
}

// authorization returns the Authorization header value for the source's current token,
// or an unauthenticated Connect error that names no secret.
func authorization(ctx context.Context, src TokenSource) (string, error) {
	token, err := src(ctx)
	if err != nil {
		return "", connect.NewError(connect.CodeUnauthenticated, fmt.Errorf("the token provider failed (%T)", err))
	}
	if p := tokenProblem(token); p != nil {
		return "", connect.NewError(connect.CodeUnauthenticated, fmt.Errorf("the token provider returned no usable token: %w", p))
	}
	return "Bearer " + token, nil
}

// checkToken returns the construction error of a static token, as [New] reports it.
func checkToken(o *options) error {
	if o.tokenErr == nil {
		return nil
	}
	return fmt.Errorf("%w: token: %w", driver.ErrInvalidArgument, o.tokenErr)
}

// bearerInterceptor sets the Authorization header of every request, unary or stream,
// from src.
type bearerInterceptor struct{ src TokenSource }

func (b bearerInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		value, err := authorization(ctx, b.src)
		if err != nil {
			return nil, err
		}
		req.Header().Set("Authorization", value)
		return next(ctx, req)
	}
}

func (b bearerInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		value, err := authorization(ctx, b.src)
		if err != nil {
			return &failedConn{StreamingClientConn: conn, err: err}
		}
		conn.RequestHeader().Set("Authorization", value)
		return conn
	}
}

func (b bearerInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// failedConn is a stream whose credentials could not be had: its first Send fails, so
// the call returns err before any byte goes out.
type failedConn struct {
	connect.StreamingClientConn
	err error
}

func (f *failedConn) Send(any) error { return f.err }

func (f *failedConn) Receive(any) error { return f.err }
