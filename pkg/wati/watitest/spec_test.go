package watitest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

func TestSpecCopyIsWatisFile(t *testing.T) {
	for _, b := range [][]byte{watitest.SpecJSON, mustRead(t, "testdata/wati-api.json")} {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != watitest.SpecSHA256 {
			t.Fatalf("testdata/wati-api.json has sha256 %s, want %s (Wati's published file, see testdata/README.md): restore it, never edit it", got, watitest.SpecSHA256)
		}
	}
	for _, f := range []string{"testdata/LICENSE", "testdata/README.md"} {
		if b := mustRead(t, f); len(b) == 0 {
			t.Fatalf("%s is empty", f)
		}
	}
	if !strings.Contains(string(mustRead(t, "testdata/README.md")), watitest.SpecSHA256) {
		t.Fatal("testdata/README.md does not record the sha256")
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpecHas25Operations(t *testing.T) {
	ops := watitest.Operations()
	if len(ops) != 25 {
		t.Fatalf("%d operations, want 25 (Wati's file says so):\n%s", len(ops), strings.Join(ops, "\n"))
	}
	if watitest.Doc().OpenAPI != "3.0.4" {
		t.Fatalf("openapi %q", watitest.Doc().OpenAPI)
	}
}

// Every example in the spec matches its own schema, except the named
// deviations: proof that the checks read the file as Wati meant it, and that
// the list of tolerated flaws is complete and short.
func TestSpecExamplesMatchTheirSchemas(t *testing.T) {
	var flawed []string
	doc := watitest.Doc()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			check := func(where string, mts openapi3.Content) {
				for mt, m := range mts {
					if m.Example == nil || m.Schema == nil {
						continue
					}
					// round-trip so that numbers are float64 as from a body
					b, _ := json.Marshal(m.Example)
					var v any
					_ = json.Unmarshal(b, &v)
					if err := m.Schema.Value.VisitJSON(v); err != nil {
						flawed = append(flawed, fmt.Sprintf("%s %s %s %s: %v", method, path, where, mt, firstLine(err)))
					}
				}
			}
			if op.RequestBody != nil {
				check("request", op.RequestBody.Value.Content)
			}
			for code, r := range op.Responses.Map() {
				check("response "+code, r.Value.Content)
			}
		}
	}
	sort.Strings(flawed)
	// each flawed example, by the deviation that names it
	named := map[string]string{
		"GET /api/ext/v3/contacts response 200 application/json: Error at \"/contact_list/0/is_broadcast_limit_reached\"": "contact-example-broadcast-limit-bool",
		"PUT /api/ext/v3/contacts response 200 application/json: Error at \"/contact_list/0/is_broadcast_limit_reached\"": "contact-example-broadcast-limit-bool",
		"POST /api/ext/v3/contacts response 200 application/json: Error at \"/is_broadcast_limit_reached\"":               "contact-example-broadcast-limit-bool",
		"GET /api/ext/v3/contacts/{target} response 200 application/json: Error at \"/is_broadcast_limit_reached\"":       "contact-example-broadcast-limit-bool",
		"POST /api/ext/v3/conversations/messages/file request multipart/form-data: Error at \"/file\"":                    "file-upload-example-object",
	}
	var unnamed []string
	seen := map[string]bool{}
	for _, f := range flawed {
		matched := false
		for prefix, name := range named {
			if strings.HasPrefix(f, prefix) {
				if !watitest.Tolerated(name) {
					t.Errorf("%s: deviation %q is not in watitest.Deviations", f, name)
				}
				matched, seen[prefix] = true, true
			}
		}
		if !matched {
			unnamed = append(unnamed, f)
		}
	}
	if len(unnamed) > 0 {
		t.Errorf("examples that break their schema and no deviation names:\n%s", strings.Join(unnamed, "\n"))
	}
	if len(seen) != len(named) {
		t.Errorf("%d named flaws, %d found: a deviation no longer applies, remove it", len(named), len(seen))
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func req(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:8089"+target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer sandbox-token")
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func TestCheckRequest(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		auth                       string // "" = the default Bearer header; "-" = none
		op                         string // want this operation, or
		bad                        string // want an error containing this
	}{
		{name: "channels", method: "GET", target: "/api/ext/v3/channels?page_number=1&page_size=100", op: "GET /api/ext/v3/channels"},
		{name: "channels without paging", method: "GET", target: "/api/ext/v3/channels", bad: "page_number"},
		{name: "channels without page size", method: "GET", target: "/api/ext/v3/channels?page_number=1", bad: "page_size"},
		{name: "channels page not a number", method: "GET", target: "/api/ext/v3/channels?page_number=x&page_size=1", bad: "page_number"},
		{name: "undocumented query", method: "GET", target: "/api/ext/v3/chatbots?page_number=1&page_size=1&sort=name", bad: "undocumented query parameter(s) sort"},
		{name: "contact count is its own operation", method: "GET", target: "/api/ext/v3/contacts/count", op: "GET /api/ext/v3/contacts/count"},
		{name: "contact", method: "GET", target: "/api/ext/v3/contacts/Support:14155552671", op: "GET /api/ext/v3/contacts/{target}"},
		{name: "prefix before the v3 path", method: "GET", target: "/proxy/api/ext/v3/contacts/14155552671", op: "GET /api/ext/v3/contacts/{target}"},
		{name: "operator", method: "PUT", target: "/api/ext/v3/conversations/14155552671/operator", body: `{"assignee_email":"a@b.c"}`, op: "PUT /api/ext/v3/conversations/{target}/operator"},
		{name: "operator null email", method: "PUT", target: "/api/ext/v3/conversations/14155552671/operator", body: `{"assignee_email":null}`, op: "PUT /api/ext/v3/conversations/{target}/operator"},
		{name: "operator without the key", method: "PUT", target: "/api/ext/v3/conversations/14155552671/operator", body: `{}`, bad: "assignee_email"},
		{name: "operator with an extra field", method: "PUT", target: "/api/ext/v3/conversations/14155552671/operator", body: `{"assignee_email":null,"note":"x"}`, bad: "note"},
		{name: "operator without a body", method: "PUT", target: "/api/ext/v3/conversations/14155552671/operator", bad: "no request body"},
		{name: "chatbot start", method: "POST", target: "/api/ext/v3/chatbots/start", body: `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`, op: "POST /api/ext/v3/chatbots/start"},
		{name: "chatbot start without id", method: "POST", target: "/api/ext/v3/chatbots/start", body: `{"target":"14155552671"}`, bad: "chatbot_id"},
		{name: "teams as a string", method: "PUT", target: "/api/ext/v3/contacts/teams", body: `{"target":"14155552671","teams":"Billing"}`, bad: "teams"},
		{name: "no token", method: "GET", target: "/api/ext/v3/contacts/count", auth: "-", bad: "Authorization"},
		{name: "token without Bearer", method: "GET", target: "/api/ext/v3/contacts/count", auth: "sandbox-token", bad: "Bearer"},
		{name: "wrong method", method: "DELETE", target: "/api/ext/v3/contacts/14155552671", bad: "no such operation"},
		{name: "unknown route", method: "GET", target: "/api/ext/v3/operators", bad: "no such operation"},
		{name: "v1 is not the spec's", method: "POST", target: "/100001/api/v1/assignOperator?email=a@b.c&whatsappNumber=14155552671"},
		{name: "sandbox inspection", method: "GET", target: "/_sandbox/state"},
		{name: "no Wati route", method: "GET", target: "/", bad: "no such operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := req(c.method, c.target, c.body)
			switch c.auth {
			case "-":
				r.Header.Del("Authorization")
			case "":
			default:
				r.Header.Set("Authorization", c.auth)
			}
			got, err := watitest.CheckRequest(r, []byte(c.body))
			switch {
			case c.bad != "":
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Fatalf("error %v, want one about %q", err, c.bad)
				}
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.op == "" && got != nil:
				t.Fatalf("checked as %s, want not checked", got.Op)
			case c.op != "" && (got == nil || got.Op != c.op):
				t.Fatalf("operation %+v, want %s", got, c.op)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	check := func(method, target, body string, status int, ct, answer string) error {
		t.Helper()
		c, err := watitest.CheckRequest(req(method, target, body), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		return watitest.CheckResponse(c, status, h, []byte(answer))
	}
	const js = "application/json; charset=utf-8"
	const ch = "/api/ext/v3/channels?page_number=1&page_size=10"
	for _, c := range []struct {
		name   string
		status int
		ct     string
		body   string
		bad    string
	}{
		{"channels", 200, js, `{"channels":[{"id":"x","name":"Sales","channel":"Whatsapp"}]}`, ""},
		{"channels null", 200, js, `{"channels":null}`, ""},
		{"channels extra field", 200, js, `{"channels":[],"total":1}`, "total"},
		{"channel number is not a field", 200, js, `{"channels":[{"id":"x","name":"Sales","number":"852"}]}`, "number"},
		{"channels as text", 200, "text/plain", `{}`, "Content-Type"},
		{"error 400", 400, js, `{"code":400,"message":"bad","timestamp":"2026-01-01T00:00:00Z"}`, ""},
		{"error 400 without message", 400, js, `{"code":400}`, "message"},
		{"401 without body", 401, "", ``, ""},
		{"404 extra", 404, js, `{"code":404,"message":"Contact not found"}`, ""},
		{"409 extra", 409, js, `{"code":409,"message":"several channels"}`, ""},
		{"404 extra with a wrong body", 404, js, `{"error":"nope"}`, "InvalidRequestResponse"},
		{"undocumented status", 418, js, `{}`, "status is not supported"},
		{"405 is undocumented", 405, js, `{"code":405,"message":"x"}`, "status is not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := check("GET", ch, "", c.status, c.ct, c.body)
			switch {
			case c.bad == "" && err != nil:
				t.Fatalf("unexpected: %v", err)
			case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
				t.Fatalf("error %v, want one about %q", err, c.bad)
			}
		})
	}
}

type record struct{ got []string }

func (r *record) Errorf(f string, a ...any) { r.got = append(r.got, fmt.Sprintf(f, a...)) }

// The checks can fail: a test-only fake client that drops a required
// parameter is reported by the transport, and a fake server that accepts it
// is reported by the handler.
func TestADroppedRequiredParameterIsAViolation(t *testing.T) {
	lenient := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"channels":[]}`))
	})
	server := &record{}
	srv := httptest.NewServer(watitest.Handler(server, lenient))
	defer srv.Close()
	client := &record{}
	hc := &http.Client{Transport: watitest.Transport(client, nil)}

	send := func(query string) {
		r, _ := http.NewRequest("GET", srv.URL+"/api/ext/v3/channels"+query, nil)
		r.Header.Set("Authorization", "Bearer t")
		resp, err := hc.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("?page_number=1&page_size=100")
	if len(client.got)+len(server.got) != 0 {
		t.Fatalf("a valid exchange was reported: %q %q", client.got, server.got)
	}
	send("?page_number=1") // page_size dropped
	if len(client.got) != 1 || !strings.Contains(client.got[0], "page_size") {
		t.Fatalf("client side: %q, want the missing page_size", client.got)
	}
	if len(server.got) != 1 || !strings.Contains(server.got[0], "answered 200 to a request the spec refuses") {
		t.Fatalf("server side: %q, want the lenient 200", server.got)
	}
}

func TestErrorsUnwrap(t *testing.T) {
	_, err := watitest.CheckRequest(req("GET", "/api/ext/v3/nothing", ""), nil)
	if !errors.Is(err, watitest.ErrNoOperation) {
		t.Fatalf("%v", err)
	}
}
