// The `lcm` command runs its TypeScript sources as one JavaScript bundle built by esbuild
// (dependencies stay external). A serving process then holds no TypeScript loader: tsx
// keeps a loader thread and the transformed modules in memory, about 60 MB of a server's
// footprint. The bundle is rebuilt whenever a source changes (its name carries a hash of
// every source) and kept in node_modules/.cache/lcm/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'src/cli/lcm.ts');
const CACHE = path.join(ROOT, 'node_modules/.cache/lcm');

function sources(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return sources(p);
      return /\.(ts|js|cjs|mjs|json)$/.test(e.name) ? [p] : [];
    });
}

/** The bundle of the current sources, built if missing: its file URL; undefined when it cannot be written. */
export async function bundledEntry() {
  const hash = crypto.createHash('sha256');
  for (const file of [...sources(path.join(ROOT, 'src')), path.join(ROOT, 'package.json')]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  const out = path.join(CACHE, `lcm-${hash.digest('hex').slice(0, 16)}.mjs`);
  if (!fs.existsSync(out)) {
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      fs.accessSync(CACHE, fs.constants.W_OK);
    } catch (err) {
      if (['EACCES', 'EROFS', 'EPERM'].includes(err?.code)) return undefined;
      throw err;
    }
    const { build } = await import('esbuild');
    // Written aside and renamed: processes starting together never run a half-written file.
    const tmp = `${out}.${process.pid}.tmp.mjs`;
    await build({
      entryPoints: [ENTRY],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'error',
    });
    fs.renameSync(`${tmp}.map`, `${out}.map`);
    fs.writeFileSync(tmp, fs.readFileSync(tmp, 'utf8').replace(/sourceMappingURL=.*$/m, `sourceMappingURL=${path.basename(out)}.map`));
    fs.renameSync(tmp, out);
    // Bundles of earlier sources: kept a while for processes of that version still starting.
    for (const name of fs.readdirSync(CACHE)) {
      const old = path.join(CACHE, name);
      if (!old.startsWith(out) && Date.now() - fs.statSync(old).mtimeMs > 10 * 60_000) fs.rmSync(old, { force: true });
    }
  }
  return pathToFileURL(out).href;
}
