#!/usr/bin/env node
// Runs the compiled CLI. `npm ci` builds dist/ through the `prepare` script.
import { main } from "../dist/cli/main.js";

main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr });
