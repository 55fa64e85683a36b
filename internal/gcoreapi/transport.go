package gcoreapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// NeverReachedAPI reports whether a failed call never reached the API: no
// connection was made (the host's name did not resolve, the connection was
// refused) or the server's certificate did not verify. Such a call cannot
// have been counted in a rate limit. Any other failure, a reset or a timeout
// once the request may have been sent included, may have been counted, and
// carried out.
func NeverReachedAPI(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return (errors.As(err, &opErr) && opErr.Op == "dial") || errors.As(err, &dnsErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || certificateRejected(err)
}

// CannotHeal reports whether a failed call will fail the same way however
// often it is retried, until base_url or the machine's trusted certificates
// change: the host does not exist, or its certificate does not verify.
func CannotHeal(err error) bool {
	var dnsErr *net.DNSError
	return (errors.As(err, &dnsErr) && dnsErr.IsNotFound) || certificateRejected(err)
}

// certificateRejected reports whether the server's certificate did not
// verify: unknown authority, wrong host name, expired, and so on.
func certificateRejected(err error) bool {
	var verifyErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	return errors.As(err, &verifyErr) || errors.As(err, &authorityErr) ||
		errors.As(err, &hostErr) || errors.As(err, &invalidErr)
}

// transportCause names, in words a user acts on, why a call that cannot
// heal failed; "" for any other failure, whose own message says enough.
func transportCause(err error, host string) string {
	switch {
	case certificateRejected(err):
		return "the TLS certificate of " + host + " does not verify"
	case CannotHeal(err):
		return "the host " + host + " does not exist (its name does not resolve)"
	}
	return ""
}
