/**
 * `npm run schema`: regenerates sdk/plugin/schema.json from the TypeScript sources (buildSchema.ts).
 * `npm run schema -- --check` only reports whether the committed file is current (exit 1 when not).
 */
import fs from "node:fs";
import { buildSchema, SCHEMA_FILE, schemaText } from "./buildSchema";

function main(): void {
  const text = schemaText(buildSchema());
  const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
  if (process.argv.includes("--check")) {
    if (current !== text) {
      console.error(`${SCHEMA_FILE} is out of date with the TypeScript docs; run \`npm run schema\`.`);
      process.exitCode = 1;
    }
    return;
  }
  if (current === text) {
    console.log(`${SCHEMA_FILE} is up to date.`);
    return;
  }
  fs.writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE}`);
}

main();
