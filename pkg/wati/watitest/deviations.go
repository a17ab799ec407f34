package watitest

import (
	"encoding/json"
	"errors"

	"github.com/getkin/kin-openapi/openapi3"
)

// ErrorSchema is the spec's error body ({"code", "message", "timestamp"}),
// which the extra statuses carry too.
const ErrorSchema = "InvalidRequestResponse"

// ExtraStatuses are the answers Wati gives that its OpenAPI file does not
// list (it lists 200, 400, 401, 403, 429 and 500 on every operation). This
// is the one place that allows them; each carries Wati's error body or none.
var ExtraStatuses = map[int]string{
	404: "Wati's API docs pages document 404 for an unknown contact, conversation, chatbot, channel or team",
	409: "Wati's API docs pages document 409 for a phone or contact open on several channels",
	503: "a gateway answer, not the API's: the sandbox's --fail-rate injects it (nothing applied) to test retries",
}

// Deviation is a known flaw of wati-api.json that the checks tolerate.
type Deviation struct {
	Name    string // stable name, used by the tests that tolerate it
	Where   string // the part of the spec
	What    string // the flaw
	Reading string // what the client, the sandbox and these checks do about it
}

// Deviations is the short, named list of the spec's flaws we tolerate. A
// check that tolerates one says which, by name; nothing else is skipped.
var Deviations = []Deviation{
	{
		Name:    "contact-example-broadcast-limit-bool",
		Where:   "the ContactDto examples (GET, POST and PUT contacts, GET contacts/{target}), is_broadcast_limit_reached",
		What:    "the examples give the boolean false, the schema (ContactDto) says a nullable string",
		Reading: "the client does not read the field, so either form decodes (tested); the sandbox does not send it",
	},
	{
		Name:    "message-events-are-messages",
		Where:   "GetMessagesByConversationIdResponse.message_list and SendTextResponse.message",
		What:    "items are typed ConversationEventDto (id, created, conversation_id, ticket_id, event_type, additionalProperties false) although the examples, and Wati, send messages with text, owner, operator_name, assigned_id...: the subtype MessageDto was lost",
		Reading: "ConversationEventDto is read as MessageDto, its superset (patched in memory when the spec is loaded)",
	},
	{
		Name:    "file-upload-example-object",
		Where:   "POST /api/ext/v3/conversations/messages/file, multipart example, file",
		What:    "the example's file is a .NET IFormFile object, the schema says a binary string",
		Reading: "nothing: handoff never uploads files; only the examples test meets it",
	},
	{
		Name:    "request-body-not-required",
		Where:   "every operation with a requestBody",
		What:    "requestBody has no required: true although its schema has required properties",
		Reading: "an absent body is invalid (the client always sends one; the sandbox answers 400)",
	},
}

// patchDeviations applies, to the loaded document, the deviations that are
// read differently from the letter of the file.
func patchDeviations(doc *openapi3.T) error {
	ev, msg := doc.Components.Schemas["ConversationEventDto"], doc.Components.Schemas["MessageDto"]
	if ev == nil || ev.Value == nil || msg == nil || msg.Value == nil {
		return errors.New("message-events-are-messages: ConversationEventDto or MessageDto is missing")
	}
	*ev.Value = *msg.Value // every reference shares this value
	return nil
}

// Tolerated reports whether a deviation of this name is in Deviations.
func Tolerated(name string) bool {
	for _, d := range Deviations {
		if d.Name == name {
			return true
		}
	}
	return false
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
