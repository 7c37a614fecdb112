package connectsvc

import (
	"context"
	"errors"
	"log/slog"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// VerbAdmin is the verb of operator calls (ForceRelease) a [Guard] is asked about.
const VerbAdmin = "admin"

// MaxReasonLen bounds ForceRelease's reason, which goes into the audit log.
const MaxReasonLen = 1024

const (
	msgNoList  = "this server's lock backend cannot list locks"
	msgNoBreak = "this server's lock backend cannot force-release locks"
)

// List returns one page of the held locks under a prefix; see the proto for the rules.
// The guard is asked about the prefix as Watch asks about a prefix watch: only a rule
// covering every name under it allows the call.
func (s *Service) List(ctx context.Context, req *connect.Request[distlockv1.ListRequest]) (*connect.Response[distlockv1.ListResponse], error) {
	sel := driver.Selector{Name: req.Msg.GetPrefix(), Prefix: true}
	if err := sel.Validate(); err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err := s.authorize(ctx, VerbRead, watchSubject(sel)); err != nil {
		return nil, err
	}
	l, ok := s.lessor.(driver.Lister)
	if !ok {
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New(msgNoList))
	}
	size := driver.ListPageSize(int(min(req.Msg.GetPageSize(), driver.MaxListPage)))
	page, err := l.List(ctx, sel.Name, size, req.Msg.GetPageToken())
	if err != nil {
		return nil, s.fail(ctx, "List", err, msgFree)
	}
	out := &distlockv1.ListResponse{NextPageToken: page.Next,
		Locks: make([]*distlockv1.ListedLock, 0, len(page.Locks))}
	for _, lk := range page.Locks {
		out.Locks = append(out.Locks, &distlockv1.ListedLock{
			Resource:     lk.Resource,
			Owner:        ownerLabel(lk.Owner),
			LockTime:     timestamppb.New(lk.LockTime),
			ExpireTime:   timestamppb.New(lk.ExpireTime),
			FencingToken: lk.FencingToken,
			Waiters:      uint32(max(lk.Waiters, 0)),
		})
	}
	return connect.NewResponse(out), nil
}

// ForceRelease breaks a lock whatever its token, for the admin verb. Every call the
// guard allows is audited in one log line, whatever its outcome; a denied call is
// audited by the guard.
func (s *Service) ForceRelease(ctx context.Context, req *connect.Request[distlockv1.ForceReleaseRequest]) (*connect.Response[distlockv1.ForceReleaseResponse], error) {
	resource, reason := req.Msg.GetResource(), req.Msg.GetReason()
	if err := checkResource(resource); err != nil {
		return nil, err
	}
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, VerbAdmin, resource); err != nil {
		return nil, err
	}
	fr, ok := s.lessor.(driver.ForceReleaser)
	if !ok {
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New(msgNoBreak))
	}
	broken, err := fr.ForceRelease(ctx, resource)
	var cerr *connect.Error
	if err != nil {
		cerr = s.fail(ctx, "ForceRelease", err, msgFree)
	}
	s.audit(ctx, resource, reason, broken, cerr)
	if cerr != nil {
		return nil, cerr
	}
	return connect.NewResponse(&distlockv1.ForceReleaseResponse{
		Owner:                ownerLabel(broken.Owner),
		FencingToken:         broken.FencingToken,
		AdvancedFencingToken: broken.Advanced,
	}), nil
}

func checkReason(reason string) error {
	switch {
	case reason == "":
		return invalidArgument("reason is empty: say why the lock is broken, for the audit log")
	case len(reason) > MaxReasonLen:
		return invalidArgument("reason is %d bytes, the limit is %d", len(reason), MaxReasonLen)
	case !utf8.ValidString(reason):
		return invalidArgument("reason is not valid UTF-8")
	}
	return nil
}

// A Principals guard names the caller of a context, for the audit of operator calls.
// internal/auth's Authority is one; without it the principal is logged as "".
type Principals interface {
	Principal(ctx context.Context) (principal, method string)
}

// audit writes the one log line of a ForceRelease the guard allowed.
func (s *Service) audit(ctx context.Context, resource, reason string, broken driver.Broken, cerr *connect.Error) {
	principal, method := "", ""
	if p, ok := s.cfg.guard.(Principals); ok {
		principal, method = p.Principal(ctx)
	}
	outcome := "ok"
	if cerr != nil {
		outcome = cerr.Code().String()
	}
	s.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "audit: force release",
		slog.String("principal", principal), slog.String("auth_method", method),
		slog.String("verb", VerbAdmin), slog.String("resource", resource),
		slog.String("reason", reason), slog.String("outcome", outcome),
		slog.String("owner", ownerLabel(broken.Owner)),
		slog.Uint64("fencing_token", broken.FencingToken),
		slog.Uint64("advanced_fencing_token", broken.Advanced))
}
