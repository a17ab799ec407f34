// Judges strings and documents the way editors do: the schema compiled by
// ajv in strict mode (draft 2020-12), its patterns run by the JavaScript
// engine. Reads one JSON request on stdin, writes one JSON answer on stdout.
//
//   node judge.js AJV_NODE_MODULES < request.json
//
// request: {schema, patterns: [..], strings: [..], fields: [{ref, values}], docs: [..]}
// answer:  {patterns: [[bool]] (u flag), patternsPlain: [[bool]] (no flag),
//           fields: [[bool]], docs: [bool]}; exit 1 with a message when the
//           schema does not compile in strict mode.
const path = require('path');
const fs = require('fs');
const modules = process.argv[2];
const Ajv2020 = require(path.join(modules, 'ajv/dist/2020')).default;
const addFormats = require(path.join(modules, 'ajv-formats'));

const req = JSON.parse(fs.readFileSync(0, 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(req.schema);
} catch (e) {
  console.error('strict compile: ' + e.message);
  process.exit(1);
}
const id = req.schema.$id;
const out = { patterns: [], patternsPlain: [], fields: [], docs: [] };
for (const p of req.patterns || []) {
  const u = new RegExp(p, 'u');
  const plain = new RegExp(p);
  out.patterns.push(req.strings.map((s) => u.test(s)));
  out.patternsPlain.push(req.strings.map((s) => plain.test(s)));
}
for (const f of req.fields || []) {
  const v = ajv.compile({ $ref: id + f.ref });
  out.fields.push(f.values.map((s) => v(s)));
}
for (const d of req.docs || []) {
  out.docs.push(validate(d));
}
process.stdout.write(JSON.stringify(out));
