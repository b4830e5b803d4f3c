import { describe, expect, it } from 'vitest';
import { CLI_HELP, DEFAULT_CLI_PORT, exposureWarning, parseCliArgs, runCli } from '../../src/cli.ts';
import { DIALECTS } from '../../src/simulator/types.ts';
import { chat } from './helpers.ts';

describe('router-sim arguments', () => {
  it('defaults to 127.0.0.1 on the documented port', () => {
    const { help, options } = parseCliArgs([]);
    expect(help).toBe(false);
    expect(options).toMatchObject({ port: DEFAULT_CLI_PORT, host: '127.0.0.1' });
    expect(CLI_HELP).toContain(`default ${DEFAULT_CLI_PORT}`);
  });

  it('maps every flag to a simulator option', () => {
    const { options } = parseCliArgs(['--port', '0', '--host', '0.0.0.0', '--seed', '7', '--ttft-ms', '25', '--tps', '80', '--reasoning-tokens', '3', '--cold-start-ms', '300', '--plan-units', '8']);
    expect(options).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      seed: 7,
      defaultProfile: { ttftMs: 25, tokensPerSecond: 80, reasoningTokens: 3 },
      mlx: { coldStartMs: 300 },
      featherless: { planUnits: 8 },
    });
  });

  it('names the bad flag', () => {
    expect(() => parseCliArgs(['--port', 'http'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--tps', '0'])).toThrow(/--tps/);
    expect(() => parseCliArgs(['--plan-units', '1.5'])).toThrow(/--plan-units/);
    expect(() => parseCliArgs(['--reasoning-tokens', '-1'])).toThrow(/--reasoning-tokens/);
    expect(() => parseCliArgs(['--nope'])).toThrow(/nope/);
  });
});

describe('runCli', () => {
  it('prints the help without starting anything', async () => {
    const printed: string[] = [];
    expect(await runCli(['--help'], (text) => printed.push(text))).toBeUndefined();
    expect(printed.join('\n')).toContain('Usage: router-sim');
  });

  it('starts every dialect on one port, prints the base URLs and a curl example, and serves requests', async () => {
    const printed: string[] = [];
    const sim = await runCli(['--port', '0', '--seed', '3'], (text) => printed.push(text));
    try {
      expect(sim).toBeDefined();
      const banner = printed.join('\n');
      for (const dialect of DIALECTS) expect(banner).toContain(sim!.baseURL(dialect));
      expect(banner).toContain('curl -N');
      const response = await fetch(`${sim!.baseURL('openai')}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer any-key' },
        body: JSON.stringify(chat()),
      });
      expect(response.status).toBe(200);
      await response.text();
    } finally {
      await sim?.close();
    }
  });
});

describe('router-sim safety', () => {
  it('takes --max-body-bytes and names it in the help', () => {
    expect(parseCliArgs(['--max-body-bytes', '1024']).options.maxBodyBytes).toBe(1024);
    expect(parseCliArgs([]).options.maxBodyBytes).toBeUndefined();
    expect(() => parseCliArgs(['--max-body-bytes', '0'])).toThrow(/--max-body-bytes/);
    expect(CLI_HELP).toContain('--max-body-bytes');
  });

  it('warns when --host reaches beyond loopback', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(exposureWarning(host), host).toBeUndefined();
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'sim.example.test', '::ffff:10.0.0.1']) {
      expect(exposureWarning(host), host).toContain(`--host ${host} is not a loopback address`);
    }
  });

  it('prints the warning to its warning stream before binding, and nothing for the default host', async () => {
    const warnings: string[] = [];
    const quiet = await runCli(['--port', '0'], () => undefined, (text) => warnings.push(text));
    await quiet?.close();
    expect(warnings).toEqual([]);
    // 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes first, then binding fails, so nothing is exposed.
    const failed = await runCli(['--port', '0', '--host', '192.0.2.1'], () => undefined, (text) => warnings.push(text)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(warnings).toEqual([expect.stringContaining('--host 192.0.2.1 is not a loopback address')]);
  });
});
