package account

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

const endpointTip = "Give the Wati API host, e.g. --endpoint https://live-mt-server.wati.io (the sandbox: http://127.0.0.1:PORT)."

// Endpoint is a parsed account endpoint.
type Endpoint struct {
	URL      string // scheme://host[:port], no path, no trailing slash
	TenantID string // a tenant id found in a pasted v1 path (/{tenant}/api/v1/...), else ""
}

// NormalizeEndpoint checks an endpoint and returns its canonical form:
// https only (http only for loopback: 127.0.0.0/8, ::1, localhost), host
// lower-cased, default port, trailing slash and a pasted /api/... suffix
// removed. A missing scheme means https.
func NormalizeEndpoint(raw string) (string, error) {
	ep, err := ParseEndpoint(raw)
	return ep.URL, err
}

// tenantPath matches a pasted v1 URL path: /{tenantId}/api/...
var tenantPath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/([0-9]+)/api(/.*)?$`) }) // lazy: nothing compiled at start-up

// ParseEndpoint is NormalizeEndpoint that also returns a tenant id found in
// a pasted v1 path such as https://live-mt-server.wati.io/123456/api/v1/getContacts.
func ParseEndpoint(raw string) (Endpoint, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Endpoint{}, usageErr(endpointTip, "endpoint is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Endpoint{}, usageErr(endpointTip, "endpoint %q is not a URL", raw)
	}
	if u.User != nil {
		// never echo the URL: it may hold a password
		return Endpoint{}, usageErr(endpointTip, "endpoint must not contain a user name or password")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return Endpoint{}, usageErr(endpointTip, "endpoint %q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, usageErr(endpointTip, "endpoint %q must not have a query or fragment", raw)
	}
	switch scheme {
	case "https":
	case "http":
		if !IsLoopback(host) {
			return Endpoint{}, usageErr("Wati is only reachable over https://; plain http:// is allowed for loopback hosts only (the sandbox).",
				"endpoint %q uses plain http to a host that is not loopback", raw)
		}
	default:
		return Endpoint{}, usageErr(endpointTip, "endpoint %q: scheme must be https", raw)
	}
	var ep Endpoint
	path := strings.TrimRight(u.Path, "/")
	switch {
	case path == "":
	case path == "/api" || strings.HasPrefix(path, "/api/"):
	case tenantPath().MatchString(path):
		ep.TenantID = tenantPath().FindStringSubmatch(path)[1]
	default:
		return Endpoint{}, usageErr(endpointTip, "endpoint %q has a path (%s); give the host only", raw, u.Path)
	}
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	h := host
	if strings.Contains(h, ":") { // IPv6 literal
		h = "[" + h + "]"
	}
	if port != "" {
		h += ":" + port
	}
	ep.URL = scheme + "://" + h
	return ep, nil
}

// IsLoopback reports whether host (no port) is localhost, in 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// perTenantHost matches hosts that imply their tenant (live-server-NNNNN.wati.io).
var perTenantHost = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^live-server-[0-9]+\.wati\.io$`) }) // lazy: nothing compiled at start-up

// HostImpliesTenant reports whether a v1 endpoint needs no tenant id because
// its host is a per-tenant host such as https://live-server-12345.wati.io.
func HostImpliesTenant(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	return perTenantHost().MatchString(strings.ToLower(u.Hostname()))
}

// Host returns the host[:port] of an endpoint, or the endpoint itself when it does not parse.
func Host(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return endpoint
	}
	return strings.ToLower(u.Host)
}
