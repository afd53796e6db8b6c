// Reads a GLB on stdin and prints Khronos gltf-validator's JSON report on stdout.
import validator from "gltf-validator";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const bytes = new Uint8Array(Buffer.concat(chunks));
const report = await validator.validateBytes(bytes, { maxIssues: 200 });
process.stdout.write(JSON.stringify(report));
