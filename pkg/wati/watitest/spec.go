// Package watitest checks HTTP exchanges with Wati against Wati's own
// OpenAPI description of its v3 API (testdata/wati-api.json, a byte-for-byte
// copy of the file Wati publishes; provenance and licence beside it). It is
// for tests only: nothing outside _test.go files imports it, so neither it
// nor kin-openapi is in the handoff binary.
//
// Two checks, one per side of the wire:
//
//   - CheckRequest: a request the client sends must be one the spec
//     documents: method and path, required and typed parameters, no
//     undocumented query parameter, the Authorization header, the body's
//     content type and schema (additionalProperties: false, required fields).
//   - CheckResponse: a server's answer on a documented operation must match
//     the spec's response for its status (schema and content type); the
//     statuses the spec does not list are refused, except the few named in
//     ExtraStatuses.
//
// How to use them (one line each):
//
//	func TestMain(m *testing.M) { os.Exit(watitest.Main(m)) }
//	    every wati.Client built in the package's tests validates its
//	    requests, and every sandbox.Server started validates what it is
//	    asked and what it answers; any violation fails the package's run
//	    (listed at the end).
//	hc := &http.Client{Transport: watitest.Transport(t, nil)}
//	    one client, its violations reported with t.Errorf.
//	h := watitest.Handler(t, srv)
//	    one server, the same on the server side.
//
// The server-side rule for requests is "refuse what the spec refuses": a
// request the spec says is invalid must get a 4xx (it is not a violation by
// itself, so tests may send bad requests on purpose); a valid one must get a
// documented answer. Deviations lists the spec's own flaws we tolerate, by
// name.
//
// v1 routes (/api/v1/..., /{tenant}/api/v1/...) are not in the spec and are
// not checked here; the sandbox's /_sandbox/ inspection routes neither.
package watitest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// SpecJSON is testdata/wati-api.json, Wati's file as published.
//
//go:embed testdata/wati-api.json
var SpecJSON []byte

// SpecSHA256 is the sha256 of the published file (see testdata/README.md).
const SpecSHA256 = "f23cb157fd8f1d340b2fdb07e4356c57ac5f5334e593e7969d9c6e266acd129e"

// V3Prefix is where the spec's paths start.
const V3Prefix = "/api/ext/v3"

type spec struct {
	doc    *openapi3.T
	router routers.Router
	ops    []string
}

var (
	loadOnce sync.Once
	loaded   *spec
	loadErr  error
)

func load() (*spec, error) {
	loadOnce.Do(func() {
		// The spec accepts text/json bodies (ASP.NET's JSON input types);
		// kin-openapi decodes application/json and +json only.
		openapi3filter.RegisterBodyDecoder("text/json", openapi3filter.JSONBodyDecoder)
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(SpecJSON)
		if err != nil {
			loadErr = fmt.Errorf("wati-api.json: %w", err)
			return
		}
		// Examples are checked by TestSpecExamplesMatchTheirSchemas, which
		// tolerates the named deviation (see Deviations).
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			loadErr = fmt.Errorf("wati-api.json is not a valid OpenAPI document: %w", err)
			return
		}
		if err := patchDeviations(doc); err != nil {
			loadErr = err
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = fmt.Errorf("wati-api.json: router: %w", err)
			return
		}
		s := &spec{doc: doc, router: r}
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				s.ops = append(s.ops, method+" "+path)
			}
		}
		sort.Strings(s.ops)
		loaded = s
	})
	return loaded, loadErr
}

func mustLoad() *spec {
	s, err := load()
	if err != nil {
		panic(err)
	}
	return s
}

// Doc is the parsed spec (shared: do not modify it).
func Doc() *openapi3.T { return mustLoad().doc }

// Operations lists the spec's operations as "METHOD /path", sorted.
func Operations() []string { return append([]string(nil), mustLoad().ops...) }

// Schema returns the named component schema, e.g. "ContactDto".
func Schema(name string) *openapi3.Schema {
	ref := mustLoad().doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		panic("watitest: no schema " + name + " in wati-api.json")
	}
	return ref.Value
}

// Route kinds of a request path.
const (
	KindV3      = "v3"      // under /api/ext/v3: checked
	KindV1      = "v1"      // /api/v1/ or /api/v2/, with or without a tenant: not in the spec
	KindSandbox = "sandbox" // /_sandbox/ inspection routes
	KindOther   = "other"   // anything else: no Wati route
)

// Classify says which kind of route path is, and for v3 the path from
// /api/ext/v3 on (a base URL may put a prefix before it).
func Classify(path string) (kind, v3Path string) {
	switch {
	case strings.HasPrefix(path, "/_sandbox/"):
		return KindSandbox, ""
	}
	if i := strings.Index(path, V3Prefix+"/"); i >= 0 {
		return KindV3, path[i:]
	}
	if strings.HasSuffix(path, V3Prefix) {
		return KindV3, V3Prefix
	}
	if strings.Contains(path, "/api/v1/") || strings.Contains(path, "/api/v2/") {
		return KindV1, ""
	}
	return KindOther, ""
}

// RequestError is a request the spec refuses. Op is the operation
// ("PUT /api/ext/v3/conversations/{target}/operator"), "" when no operation
// matches.
type RequestError struct {
	Method, Path, Op string
	Err              error
	// Undocumented is set when the spec does not forbid the request but
	// does not document it either (an unknown query parameter): a client
	// must not send it, a server may ignore it.
	Undocumented bool
}

func (e *RequestError) Error() string {
	where := e.Op
	if where == "" {
		where = "no operation"
	}
	return fmt.Sprintf("%s %s (%s): %v", e.Method, e.Path, where, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// ErrNoOperation: the spec documents no operation for this method and path.
var ErrNoOperation = errors.New("Wati's spec documents no such operation")

// Checked is a request that passed CheckRequest, for CheckResponse.
type Checked struct {
	Op    string // "METHOD /path"
	input *openapi3filter.RequestValidationInput
}

// CheckRequest validates a request against the spec. body is the request's
// body (r.Body is not read). For a v1, sandbox-inspection or other non-v3
// path it returns (nil, nil): those are not the spec's business, except
// KindOther, which is an error (no Wati route looks like that).
func CheckRequest(r *http.Request, body []byte) (*Checked, error) {
	s := mustLoad()
	kind, v3Path := Classify(r.URL.Path)
	switch kind {
	case KindV1, KindSandbox:
		return nil, nil
	case KindOther:
		return nil, &RequestError{Method: r.Method, Path: r.URL.Path, Err: ErrNoOperation}
	}
	rr := r.Clone(r.Context())
	u := *r.URL
	u.Path = v3Path
	u.RawPath = ""
	if kindRaw, raw := Classify(r.URL.EscapedPath()); kindRaw == KindV3 && raw != v3Path {
		u.RawPath = raw
	}
	rr.URL = &u
	rr.Host = ""
	rr.URL.Host = ""
	rr.URL.Scheme = ""
	rr.Body = io.NopCloser(bytes.NewReader(body))
	rr.ContentLength = int64(len(body))

	route, pathParams, err := s.router.FindRoute(rr)
	if err != nil {
		return nil, &RequestError{Method: r.Method, Path: r.URL.Path, Err: fmt.Errorf("%w (%v)", ErrNoOperation, err)}
	}
	suffixJSONRange(rr, route)
	op := route.Method + " " + route.Path
	fail := func(err error, undocumented bool) (*Checked, error) {
		return nil, &RequestError{Method: r.Method, Path: r.URL.Path, Op: op, Err: err, Undocumented: undocumented}
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    rr,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: bearerAuth,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		return fail(err, false)
	}
	// The spec's request bodies are not marked required, but each schema has
	// required fields, so an absent body cannot be valid (see Deviations).
	if rb := route.Operation.RequestBody; rb != nil && len(bytes.TrimSpace(body)) == 0 {
		return fail(errors.New("no request body: the operation takes one with required fields"), false)
	}
	if route.Operation.RequestBody == nil && len(bytes.TrimSpace(body)) > 0 {
		return fail(errors.New("a request body, but the operation takes none"), false)
	}
	if extra := undocumentedQuery(route, r.URL.Query()); len(extra) > 0 {
		return fail(fmt.Errorf("undocumented query parameter(s) %s", strings.Join(extra, ", ")), true)
	}
	// Validation may have read the body: keep a fresh copy for the answer.
	rr.Body = io.NopCloser(bytes.NewReader(body))
	return &Checked{Op: op, input: input}, nil
}

func undocumentedQuery(route *routers.Route, q url.Values) []string {
	known := map[string]bool{}
	for _, list := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range list {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				known[p.Value.Name] = true
			}
		}
	}
	var extra []string
	for k := range q {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return extra
}

// bearerAuth checks the spec's only security scheme: an apiKey in the
// Authorization header, "Bearer TOKEN" (one "Bearer", a non-empty token).
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	sch := in.SecurityScheme
	if sch == nil || sch.Type != "apiKey" || sch.In != "header" {
		return in.NewError(fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName))
	}
	h := in.RequestValidationInput.Request.Header.Get(sch.Name)
	scheme, tok, ok := strings.Cut(h, " ")
	if h == "" {
		return in.NewError(errors.New("no " + sch.Name + " header"))
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return in.NewError(errors.New(sch.Name + ` header is not "Bearer TOKEN"`))
	}
	return nil
}

// ResponseError is an answer the spec does not allow.
type ResponseError struct {
	Op     string
	Status int
	Err    error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("answer %d to %s: %v", e.Status, e.Op, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// CheckResponse validates an answer to a request that passed CheckRequest.
func CheckResponse(c *Checked, status int, header http.Header, body []byte) error {
	if c == nil {
		return nil
	}
	if reason, extra := ExtraStatuses[status]; extra {
		if err := checkExtra(header, body); err != nil {
			return &ResponseError{Op: c.Op, Status: status, Err: fmt.Errorf("%v (status %d is allowed because %s)", err, status, reason)}
		}
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: c.input,
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return &ResponseError{Op: c.Op, Status: status, Err: err}
	}
	return nil
}

// checkExtra: an extra status carries Wati's error body, or none.
func checkExtra(header http.Header, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	ct := header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("body with Content-Type %q, want application/json", ct)
	}
	var v any
	if err := jsonUnmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	if err := Schema(ErrorSchema).VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("body does not match %s: %v", ErrorSchema, err)
	}
	return nil
}

// suffixJSONRange: the spec lists the media range application/*+json, which
// kin-openapi matches only literally; a request whose type is in that range
// (application/vnd.x+json) is checked as that range.
func suffixJSONRange(r *http.Request, route *routers.Route) {
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil || rb.Value.Content["application/*+json"] == nil {
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || rb.Value.Content[mt] != nil {
		return
	}
	if strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json") {
		r.Header.Set("Content-Type", "application/*+json")
	}
}
