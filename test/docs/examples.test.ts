// The doc test: every shell example of README.md and docs/*.md runs, in the order a reader
// meets them (README first, then the docs in the order README's "Documentation" section
// links them, then any other docs alphabetically), against a fresh server started the way
// the README says (`npm start` on an empty database: demo data), and each command's output
// must be the answer written under it as `# …` lines, where `…` stands for anything that
// changes per run (tokens, times, ids). The docs then cannot drift from the code.
//
// Conventions (also in README's "Documentation"): a block whose fence is right under
// `<!-- doc-test: skip -->` is not run (outside infrastructure, minutes of load, the quick
// start itself); the doc's text says why. Blocks run in one bash, `set -e`, so a variable
// exported by one (TOKEN) serves the next.
//
// What the test substitutes, and why: the server listens on a free port, not 8080 (others
// run tests on this machine), so `127.0.0.1:8080` and `localhost:8080` in commands and
// answers become that port. Everything runs in a scratch directory laid out as a checkout
// (package.json, bin, src and node_modules link to this one), so `npm start`'s default
// database ./data/lcm.sqlite is fresh, `npx lcm` resolves as in a checkout, and the files
// the examples write (fixtures.json, clients.csv) land there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ROOT } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { answerMatches, brokenLinks, docsInReadingOrder, parseSteps, shellBlocks } from './markdown.ts';
import type { Block } from './markdown.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MARK = '@@LCM-DOC-STEP';

/** The environment of the server and the examples: none of the caller's LCM_ settings. */
function cleanEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LCM_') && !k.startsWith('npm_')) env[k] = v;
  return { ...env, LCM_PORT: String(port), LCM_LOG_LEVEL: 'warn' };
}

describe('the docs', () => {
  it('reading order: README, then what README links, then the rest', () => {
    const order = docsInReadingOrder(ROOT);
    assert.equal(order[0], 'README.md');
    const all = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    assert.equal(order.length, all.length + 1, 'every docs/*.md is read');
  });

  it('the answer matcher: `…` is any run, wrapping is ignored, anything else must be equal', () => {
    assert.ok(answerMatches('{"access_token":"eyJ…","expires_in":115200}', '{"access_token":"eyJhbGciOi.x.y","expires_in":115200}'));
    assert.ok(answerMatches('{"a":1,\n "b":2}', '{"a":1,"b":2}\n'));
    assert.ok(answerMatches('{\n  "Client": 1,\n…\n}', '{\n  "Client": 1,\n  "Name": "x"\n}\n'));
    assert.equal(answerMatches('{"ErrorCode":0}', '{"ErrorCode":7}'), false);
    assert.equal(answerMatches('{"ErrorCode":0}', '{"ErrorCode":0}x'), false);
  });

  it('the step parser: answers are the comment lines right under a command', () => {
    const steps = parseSteps(['# a comment', 'X=$(curl a \\', '  | node)', 'curl b', '# {"b":1}', '#  "c"', '', '# another comment', "cat > f <<'EOF'", '# not an answer', 'EOF', 'ls  # trailing']);
    assert.deepEqual(steps, [
      { command: 'X=$(curl a \\\n  | node)', answer: undefined },
      { command: 'curl b', answer: '{"b":1}\n "c"' },
      { command: "cat > f <<'EOF'\n# not an answer\nEOF", answer: undefined },
      { command: 'ls  # trailing', answer: undefined },
    ]);
  });

  it('every relative link (and cited section) names something in the repository', () => {
    const broken = docsInReadingOrder(ROOT).flatMap((file) => brokenLinks(ROOT, file).map((link) => `${file}: ${link}`));
    assert.deepEqual(broken, []);
  });

  describe('every shell example, in reading order, on a fresh `npm start`', () => {
    let scratch: string;
    let server: ChildProcess;
    let port: number;
    let serverOut = '';
    before(async () => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-docs-'));
      for (const entry of ['package.json', 'bin', 'src', 'node_modules']) fs.symlinkSync(path.join(ROOT, entry), path.join(scratch, entry));
      port = await freePort();
      server = spawn('npm', ['start'], { cwd: scratch, env: cleanEnv(port), detached: true });
      server.stdout!.on('data', (d: Buffer) => (serverOut += d.toString()));
      server.stderr!.on('data', (d: Buffer) => (serverOut += d.toString()));
      const deadline = Date.now() + 120_000;
      while (!serverOut.includes('lcm serving ')) {
        assert.ok(server.exitCode === null && Date.now() < deadline, `npm start did not serve:\n${serverOut}`);
        await sleep(100);
      }
    });
    after(async () => {
      // npm runs the server in a child of its own: stop the whole group.
      if (server.pid && server.exitCode === null) {
        process.kill(-server.pid, 'SIGTERM');
        await new Promise((resolve) => server.once('exit', resolve));
      }
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    it('the first start prints the demo password, as the README says', () => {
      assert.match(serverOut, /^Demo data created\. Manager login: demo {2}password: \S+$/m);
    });

    it('each answer is what the command printed', async () => {
      const here = (text: string) => text.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`).replaceAll('localhost:8080', `127.0.0.1:${port}`);
      const blocks: Block[] = docsInReadingOrder(ROOT).flatMap((file) => shellBlocks(ROOT, file)).filter((b) => !b.skip);
      const steps = blocks.flatMap((block) => block.steps.map((step) => ({ block, step })));
      assert.ok(steps.length > 10, 'the docs have examples');
      const script = ['set -e -o pipefail', 'exec 2>&1'];
      steps.forEach(({ step }, i) => script.push(here(step.command), `printf '\\n${MARK} %d@@\\n' ${i}`));
      const run = spawn('bash', ['-c', script.join('\n')], { cwd: scratch, env: cleanEnv(port) });
      let out = '';
      run.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => run.on('close', resolve));

      // Output of step i: from the end of marker i-1 to the start of marker i.
      const printed: string[] = [];
      let rest = out;
      for (let i = 0; i < steps.length; i++) {
        const at = rest.indexOf(`\n${MARK} ${i}@@\n`);
        if (at < 0) break;
        printed.push(rest.slice(0, at));
        rest = rest.slice(at + `\n${MARK} ${i}@@\n`.length);
      }
      const failures: string[] = [];
      if (printed.length < steps.length) {
        const { block, step } = steps[printed.length]!;
        failures.push(`${block.file}:${block.line}: exit ${code} at\n${step.command}\nprinted:\n${rest}`);
      }
      printed.forEach((text, i) => {
        const { block, step } = steps[i]!;
        if (step.answer !== undefined && !answerMatches(here(step.answer), text)) {
          failures.push(`${block.file}:${block.line}:\n${step.command}\nwritten:\n${step.answer}\nprinted:\n${text}`);
        }
      });
      assert.deepEqual(failures, []);
    });
  });
});
