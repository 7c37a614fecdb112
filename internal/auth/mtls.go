package auth

import (
	"crypto/x509"
	"errors"
)

// mtlsFile says how a verified client certificate (--tls-client-ca) names its principal.
type mtlsFile struct {
	// Principal is "subject" (the subject's common name, the default) or "san" (the first
	// URI SAN, such as a SPIFFE ID, else the first DNS name, else the first email).
	Principal string `yaml:"principal"`
}

type mtlsPrincipal struct{ fromSAN bool }

func compileMTLS(f *mtlsFile) (mtlsPrincipal, error) {
	if f == nil {
		return mtlsPrincipal{}, nil
	}
	switch f.Principal {
	case "", "subject":
		return mtlsPrincipal{}, nil
	case "san":
		return mtlsPrincipal{fromSAN: true}, nil
	}
	return mtlsPrincipal{}, errors.New("mtls.principal is not one of subject, san")
}

// identity returns the identity of a client certificate that the TLS handshake verified
// against --tls-client-ca: its principal as configured, its organizational units as
// groups.
func (m mtlsPrincipal) identity(cert *x509.Certificate) (*Identity, string) {
	principal := cert.Subject.CommonName
	if m.fromSAN {
		switch {
		case len(cert.URIs) > 0:
			principal = cert.URIs[0].String()
		case len(cert.DNSNames) > 0:
			principal = cert.DNSNames[0]
		case len(cert.EmailAddresses) > 0:
			principal = cert.EmailAddresses[0]
		default:
			principal = ""
		}
	}
	if checkName("principal", principal) != nil {
		return nil, "the client certificate names no usable principal"
	}
	id := &Identity{Principal: principal, Method: "mtls"}
	for _, ou := range cert.Subject.OrganizationalUnit {
		if checkName("group", ou) == nil {
			id.Groups = append(id.Groups, ou)
		}
	}
	return id, ""
}
