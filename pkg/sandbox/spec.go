package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// SpecOperations lists the operations of Wati's OpenAPI description (v3,
// "METHOD /path") that the sandbox serves, and those it answers 404 because
// it does not implement them. Together they are the spec's 25 operations (a
// test holds them to the file).
//
// To implement one, add its route (anywhere in the table): an implemented
// route is preferred to the stub of the same operation, which then drops
// out of notServed.
func SpecOperations() (implemented, notServed []string) {
	served := map[string]bool{}
	for _, rt := range routes {
		if !rt.v1 && !rt.stub {
			op := rt.method + " /" + strings.Join(rt.path, "/")
			if !served[op] {
				served[op] = true
				implemented = append(implemented, op)
			}
		}
	}
	for _, rt := range routes {
		if op := rt.method + " /" + strings.Join(rt.path, "/"); !rt.v1 && rt.stub && !served[op] {
			notServed = append(notServed, op)
		}
	}
	return implemented, notServed
}

// notImplemented answers a documented operation the sandbox does not serve.
func notImplemented(_ *Server, w http.ResponseWriter, r *apiRequest) {
	writeError(w, http.StatusNotFound, "The sandbox does not implement "+r.r.Method+" "+r.r.URL.Path)
}

// jsonMediaType: the request content types Wati's spec lists for its JSON
// bodies (ASP.NET's: application/json, application/json-patch+json,
// text/json, application/*+json).
func jsonMediaType(mt string) bool {
	mt = strings.ToLower(mt)
	switch {
	case mt == "application/json", mt == "text/json":
		return true
	case strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return true
	}
	return false
}

// v3ContactCount answers GET contacts/count: the number of contacts,
// created from date_from and until date_to when given (RFC 3339 or
// 2006-01-02).
func (s *Server) v3ContactCount(w http.ResponseWriter, r *apiRequest) {
	q := r.r.URL.Query()
	var bounds [2]time.Time
	for i, name := range []string{"date_from", "date_to"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "The "+name+" field is not a date.")
			return
		}
		bounds[i] = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.ws.contacts {
		if !bounds[0].IsZero() && c.created.Before(bounds[0]) || !bounds[1].IsZero() && c.created.After(bounds[1]) {
			continue
		}
		n++
	}
	writeJSON(w, http.StatusOK, map[string]int{"contact_count": n})
}
