// Entry point of the source-based plugin (PulumiPlugin.yaml): the same provider as ../bin/pulumi-resource-runpod-ssh.
// It exports no component class on purpose, so Pulumi's run-plugin serves this explicit provider (schema, custom
// resources and components) instead of inferring a components-only one.
"use strict";
const path = require("node:path");
const entry = path.join(__dirname, "..", "dist", "sdk", "plugin", "main.js");
require(entry)
  .servePlugin(process.argv.slice(2))
  .catch((e) => {
    console.error(`The runpod-ssh plugin could not start: ${e && e.message}`);
    process.exit(1);
  });
