package auth

// A Policy is one compiled auth file: who may authenticate, and what each may do. It is
// immutable; a reload builds a new one.
type Policy struct {
	tokens    []staticToken
	rules     []rule
	endpoints Endpoints
	// groups are the group names the file mentions: the only values the metrics' group
	// label takes, whatever groups a credential claims.
	groups map[string]bool
	// defaultQuota and quotas bound what each principal may use.
	defaultQuota Quota
	quotas       map[string]Quota
	// jwt verifies JWT bearer tokens, if the file configures them; jwksURL and
	// jwksFile say where its keys came from, for refreshes.
	jwt               *jwtVerifier
	jwksURL, jwksFile string
	// mtls names the principal of a verified client certificate.
	mtls mtlsPrincipal
}

// Allowed reports whether the policy lets id use verb on resource.
func (p *Policy) Allowed(id *Identity, verb, resource string) bool {
	return id != nil && allowed(p.rules, id, verb, resource)
}

// metricGroup is the group label of id's calls: its first group that the file names,
// "none" if it has none, "unauthenticated" without an identity. Credentials cannot add
// label values, so the counters' cardinality is bounded by the file.
func (p *Policy) metricGroup(id *Identity) string {
	if id == nil {
		return "unauthenticated"
	}
	for _, g := range id.Groups {
		if p.groups[g] {
			return g
		}
	}
	return "none"
}
