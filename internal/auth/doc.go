// Package auth is the identity layer of `distlock serve --auth FILE`: it authenticates
// each HTTP request (static bearer tokens, JWTs, client certificates), authorizes each
// call's verb on its resource by the file's rules, and audits what it denies.
//
// # The auth file
//
// A YAML file (flag --auth, variable DISTLOCK_AUTH), reloaded on SIGHUP and when it
// changes; a file that does not load leaves the previous policy in force and says why in
// the log:
//
//	tokens:                      # static bearer tokens: only their SHA-256 is stored
//	  - principal: ci-deploy
//	    groups: [team-a]
//	    sha256: 3b1f…            # from `distlock auth new-token ci-deploy`
//	rules:                       # who may do what where; anything not granted is denied
//	  - groups: [team-a]
//	    verbs: [acquire, read]
//	    resources: ["team-a/"]   # "x/" a prefix, "*" everything, else one exact name
//	  - principals: [oncall]
//	    verbs: [read]
//	    resources: ["*"]
//	endpoints:                   # open | authenticated | off (health is always open)
//	  reflection: authenticated
//	  metrics: authenticated
//	jwt:                         # JWT bearer tokens, verified against a key set
//	  jwks_file: jwks.json       # or jwks_url: https://idp.example/jwks.json
//	  issuer: https://idp.example/
//	  audience: distlock
//	  algorithms: [RS256, ES256] # the default; HS* and none are refused
//	  principal_claim: sub       # the default; groups_claim: groups
//	mtls:                        # client certificates signed by --tls-client-ca
//	  principal: subject         # the subject's CN (default), or san; groups: the OUs
//	quotas:                      # per principal and replica; a zero field takes the default's
//	  default: {max_held: 1000, max_waiting: 100, max_payload_bytes: 4194304, rate: 200, burst: 400}
//	  principals:
//	    ci-deploy: {max_held: 5000, max_ttl: 2m}
//
// Verbs: acquire (Acquire, Extend, Release and Hold of one's own leases, each call of a
// Batch on its own: the lease token is still needed), read (Info, Read, Watch, List: a prefix call needs a rule covering every
// name under the prefix), admin (ForceRelease, audited by the service with the reason). Resource patterns
// are compared on the exact bytes of the name, which the service never normalizes:
// "team-a/../team-b/x" is a resource of team-a/, distinct from team-b/x; "team-a/" does
// not cover "team-ab/x"; a look-alike character is another byte sequence.
//
// # Tokens
//
// A static token is 32 random bytes (256 bits) from crypto/rand, base64url-encoded after
// the prefix "dlt_" (which secret scanners can match). The file stores its SHA-256, not
// the token: a stolen file does not let anyone call. A password hash (bcrypt, argon2)
// would add nothing here: its slowness protects low-entropy secrets from guessing, and
// 2^256 candidates cannot be guessed at any speed, while a slow hash on every call would
// hand an attacker a cheap way to burn the server's CPU. A presented token's hash is
// compared with every entry in constant time (crypto/subtle), with no early exit.
//
// # JWTs and client certificates
//
// A bearer token with three dot-separated parts is a JWT when the file has a jwt
// section; it is verified with github.com/golang-jwt/jwt/v5 against the key set
// (github.com/MicahParks/keyfunc/v3): it must name its key (kid), use an allowed
// asymmetric algorithm matching the key's type (so an RSA public key can never serve as
// an HMAC secret), come from the issuer, be for the audience, carry exp and be within
// exp/nbf (leeway, default 0, at most 5m). A jwks_file is re-read when it changes, a
// jwks_url fetched at load, on SIGHUP and every 15 minutes. With --tls-client-ca, a
// request without an Authorization header may authenticate by a verified client
// certificate. Principals of every method share one name space: the rules and quotas of
// "ci" apply to a token, a JWT subject or a certificate named "ci" alike.
//
// # Quotas
//
// Each principal may hold max_held leases and max_payload_bytes of payload at once, have
// max_waiting Acquires waiting, ask for a TTL up to max_ttl (zero: the server's
// --max-ttl), and make rate calls per second on average with bursts of burst (a token
// bucket; every call counts, denied ones too). Counts are kept by each replica for the
// leases it granted, until they are released or expire ([DefaultQuota] when the file sets
// none). Beyond a quota the call is resource_exhausted and its message names the quota.
//
// # What a denied call gets
//
// A missing, malformed or unknown credential: unauthenticated (HTTP 401), before any
// handler runs. A known caller outside its rules: permission_denied (HTTP 403), before
// the lock service is called, so no Redis key is touched. Each denial logs one line at
// warn (principal, verb, resource, code; never a token) and counts in
// distlock_auth_denied_total{code,group}.
package auth
