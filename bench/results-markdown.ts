// Prints a results file as the Markdown tables of docs/performance.md:
//   node --import tsx bench/results-markdown.ts [bench/results/latest.json]
import fs from 'node:fs';
import { formatMarkdown } from './report.ts';
import type { BenchReport } from './types.ts';

const file = process.argv[2] ?? new URL('results/latest.json', import.meta.url).pathname;
process.stdout.write(`${formatMarkdown(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport)}\n`);
