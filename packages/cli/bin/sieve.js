#!/usr/bin/env node
// A committed entry point, so npm can link the `sieve` bin before the package is built.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
