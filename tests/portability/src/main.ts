/**
 * Runs the portable cases on whichever runtime runs this file (`deno run`,
 * `bun`, or `node`) and ends with a `runtime: N passed, N failed` line; the
 * exit code is 1 when any case failed.
 */
import { portableCases } from './cases.ts';
import { gatewayCases, portableGateway } from './gateway-cases.ts';
import { runCases } from './harness.ts';

interface RuntimeGlobals {
  Deno?: { version: { deno: string }; exit(code: number): never };
  Bun?: { version: string };
  process?: { version: string; exit(code: number): never };
}

const globals = globalThis as RuntimeGlobals;
const runtime = globals.Deno
  ? `deno ${globals.Deno.version.deno}`
  : globals.Bun
    ? `bun ${globals.Bun.version}`
    : `node ${globals.process?.version ?? '?'}`;

console.log(`@router/core and @router/gateway portability on ${runtime}`);
const { passed, failed } = await runCases([...portableCases, ...gatewayCases(portableGateway())], (line) => console.log(line));
console.log(`${runtime.split(' ')[0]}: ${passed} passed, ${failed} failed`);
if (failed > 0) (globals.Deno ?? globals.process)?.exit(1);
