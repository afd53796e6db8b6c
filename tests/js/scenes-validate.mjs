// Khronos glTF validator on GLB files: `node scenes-validate.mjs FILE...` prints one JSON
// report per file (a JSON array), as the validator returns it.
import { readFile } from "node:fs/promises";
import validator from "gltf-validator";

const reports = [];
for (const path of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(path));
  const report = await validator.validateBytes(bytes, { maxIssues: 200 });
  reports.push(report);
}
process.stdout.write(JSON.stringify(reports));
