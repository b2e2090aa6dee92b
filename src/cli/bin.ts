// Process entry for the `exprgrad` command: wires main() to the real process streams and exit status.
import { main } from './main.js';

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (status) => {
    process.exitCode = status;
  },
  (err) => {
    process.stderr.write(`exprgrad: internal error: ${(err as Error)?.message ?? err}\n`);
    process.exitCode = 70;
  },
);
