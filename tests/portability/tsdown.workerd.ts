import { defineConfig, type UserConfig } from 'tsdown';

/**
 * The two module workers of workerd.capnp, each one self-contained file (a
 * worker's modules are listed in its config), bundled from core's and the
 * gateway's built `dist`, as Deno and Bun run them. Only `node:` imports stay
 * imports: workerd provides them under its `nodejs_compat` flag.
 */
const worker = (name: string): UserConfig =>
  defineConfig({
    entry: { [name]: `src/${name}.ts` },
    outDir: 'dist/workerd',
    // The two builds share the folder: neither may empty it.
    clean: false,
    format: 'esm',
    platform: 'neutral',
    dts: false,
    fixedExtension: false,
    deps: { neverBundle: [/^node:/], alwaysBundle: [/^@router\//] },
    // An import that does not resolve (a bundle not built) fails here, not in workerd.
    failOnWarn: true,
  });

const workers: UserConfig[] = [worker('worker-cases'), worker('worker-gateway')];

export default workers;
