// Validates SARIF logs against the official SARIF 2.1.0 schema (draft-04)
// with ajv, formats asserted by ajv-formats (uri, uri-reference: RFC 3986).
//
//   node judge.js AJV_NODE_MODULES < {"schema": {...}, "logs": [...]}
//
// answer: {"errors": [[...messages of log 0], [...], ...]}
const path = require('path');
const fs = require('fs');
const modules = process.argv[2];
const AjvDraft04 = require(path.join(modules, 'ajv-draft-04'));
const addFormats = require(path.join(modules, 'ajv-formats'));

const req = JSON.parse(fs.readFileSync(0, 'utf8'));
// strict is off: the strictness of OASIS's schema is not ours to judge.
const ajv = new AjvDraft04({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
const validate = ajv.compile(req.schema);
const errors = req.logs.map((log) => {
  if (validate(log)) return [];
  return validate.errors.map((e) => `${e.instancePath} ${e.message} (${JSON.stringify(e.params)})`);
});
process.stdout.write(JSON.stringify({ errors }));
