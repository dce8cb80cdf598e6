#!/usr/bin/env node
// The `portcullis` command. Runs the compiled CLI (npm install builds it into dist/).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
