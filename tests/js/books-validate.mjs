// Khronos glTF-Validator over one GLB read from stdin; prints the validator's JSON report.
// Used by tests/book_renderer until the shared `gltf_validate` fixture lands.
import validator from 'gltf-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const bytes = new Uint8Array(Buffer.concat(chunks));
const report = await validator.validateBytes(bytes, { maxIssues: 200 });
process.stdout.write(JSON.stringify(report));
