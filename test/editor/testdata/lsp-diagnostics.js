// Opens files in the real yaml-language-server (LSP over stdio) and prints,
// as JSON, the diagnostics it publishes for each: {"FILE": [{line, message}]}.
// Usage: node lsp-diagnostics.js NODE_MODULES FILE... (test/editor runs it).
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const modules = process.argv[2];
const srv = spawn(process.execPath, [path.join(modules, 'yaml-language-server', 'bin', 'yaml-language-server'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
let buf = Buffer.alloc(0), id = 0;
const pending = new Map(), diags = new Map();
function send(msg) { const s = JSON.stringify(msg); srv.stdin.write(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`); }
function request(method, params) { const i = ++id; send({ jsonrpc: '2.0', id: i, method, params }); return new Promise(r => pending.set(i, r)); }
srv.stdout.on('data', d => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const h = buf.indexOf('\r\n\r\n'); if (h < 0) return;
    const len = +/Content-Length: (\d+)/.exec(buf.slice(0, h).toString())[1];
    if (buf.length < h + 4 + len) return;
    const msg = JSON.parse(buf.slice(h + 4, h + 4 + len).toString()); buf = buf.slice(h + 4 + len);
    if (msg.id && pending.has(msg.id) && !msg.method) { pending.get(msg.id)(msg.result); pending.delete(msg.id); }
    else if (msg.method === 'textDocument/publishDiagnostics') diags.set(msg.params.uri, msg.params.diagnostics);
    else if (msg.id && msg.method) send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'workspace/configuration' ? (msg.params.items || []).map(() => ({ validate: true })) : null });
  }
});
(async () => {
  const files = process.argv.slice(3).map(f => path.resolve(f));
  await request('initialize', { processId: process.pid, rootUri: pathToFileURL(path.dirname(files[0])).href, capabilities: { workspace: { configuration: true } } });
  send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  send({ jsonrpc: '2.0', method: 'workspace/didChangeConfiguration', params: { settings: { yaml: { validate: true, schemaStore: { enable: false } } } } });
  for (const f of files) send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: pathToFileURL(f).href, languageId: 'yaml', version: 1, text: fs.readFileSync(f, 'utf8') } } });
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && files.some(f => !diags.has(pathToFileURL(f).href))) await new Promise(r => setTimeout(r, 200));
  await new Promise(r => setTimeout(r, 1500)); // a second publish follows once the schema is loaded
  const out = {};
  for (const f of files) {
    const ds = diags.get(pathToFileURL(f).href);
    out[f] = ds === undefined ? null : ds.map(d => ({ line: d.range.start.line + 1, message: d.message }));
  }
  process.stdout.write(JSON.stringify(out));
  srv.kill(); process.exit(0);
})();
