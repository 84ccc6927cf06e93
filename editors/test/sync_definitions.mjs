// Copies the definitions of request.schema.json into ward_test.schema.json, which repeats
// them because editors resolve no $ref across schema files. Run it after editing the request
// schema; validate.mjs fails while the two differ.
//
//   node editors/test/sync_definitions.mjs

import {readFileSync, writeFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), "..", "vscode", "schemas");
const read = (file) => JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
const request = read("request.schema.json");
const test = read("ward_test.schema.json");
let changed = 0;
for (const [name, definition] of Object.entries(request.definitions)) {
  if (JSON.stringify(test.definitions[name]) !== JSON.stringify(definition)) ++changed;
  test.definitions[name] = definition;
}
writeFileSync(join(schemaDir, "ward_test.schema.json"), JSON.stringify(test, null, 2) + "\n");
console.log(`ward_test.schema.json: ${changed} definition(s) updated from request.schema.json`);
