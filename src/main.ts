import { main } from './cli/main.ts';

/** `npm start`: the gateway with config/gateway.yaml, or any `portcullis` command when given. */
const args = process.argv.slice(2);
const code = await main(args.length === 0 ? ['start'] : args, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
