#!/usr/bin/env node
// A committed entry point, so npm can link the `sieve` bin before the package is built.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) {
    throw error;
  }
  process.stderr.write('sieve: @sieve/cli is not built yet: run npm install (or npm run build)\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
