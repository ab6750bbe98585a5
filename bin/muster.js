#!/usr/bin/env node
// Runs the compiled CLI (npm run build writes dist/). main() returns the exit code; only this file exits.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Output is flushed by a natural exit; a handle a library left open must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
