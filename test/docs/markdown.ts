// Reading the docs for the doc test: which files in which order, their shell examples with
// the answers written under each command, and their links.
import fs from 'node:fs';
import path from 'node:path';

export const SKIP_MARK = '<!-- doc-test: skip -->';

/**
 * README.md first, then docs/*.md in the order README's "Documentation" section links
 * them (the order a reader meets them), then any other docs/*.md alphabetically.
 */
export function docsInReadingOrder(root: string): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Documentation'));
  const linked = [...section.matchAll(/\]\((docs\/[^)#\s]+\.md)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
  const all = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`).sort();
  const ordered = [...new Set(linked.filter((f) => all.includes(f)))];
  return ['README.md', ...ordered, ...all.filter((f) => !ordered.includes(f))];
}

/** One command of an example and the answer written under it (`# …` lines), if any. */
export interface Step {
  command: string;
  /** The answer lines without their `# ` prefix; undefined when none follow the command. */
  answer: string | undefined;
}

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  skip: boolean;
  steps: Step[];
}

const FENCE = /^```(sh|bash|shell)\s*$/;

/** Lines that continue a command on the next line. */
function continues(line: string): boolean {
  return /(\\|\||&&|\|\|)\s*$/.test(line);
}

/**
 * Splits a shell block into commands. A run of comment lines right under a command's last
 * line is that command's expected answer; comment lines at the start of a block or after a
 * blank line are plain comments. A heredoc's body belongs to its command.
 */
export function parseSteps(body: string[]): Step[] {
  const steps: Step[] = [];
  let command: string[] = [];
  let heredoc: string | undefined;
  let last: Step | undefined;
  for (const line of body) {
    if (heredoc !== undefined) {
      command.push(line);
      if (line.trim() === heredoc) {
        heredoc = undefined;
        last = { command: command.join('\n'), answer: undefined };
        steps.push(last);
        command = [];
      }
      continue;
    }
    if (command.length === 0 && /^\s*#/.test(line)) {
      if (last) {
        const text = line.replace(/^\s*# ?/, '');
        last.answer = last.answer === undefined ? text : `${last.answer}\n${text}`;
      }
      continue;
    }
    if (line.trim() === '') {
      last = undefined;
      continue;
    }
    command.push(line);
    const here = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (here) {
      heredoc = here[1];
      continue;
    }
    if (continues(line)) continue;
    last = { command: command.join('\n'), answer: undefined };
    steps.push(last);
    command = [];
  }
  if (command.length > 0 || heredoc !== undefined) throw new Error(`unfinished command: ${command.join('\n')}`);
  return steps;
}

export function shellBlocks(root: string, file: string): Block[] {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) {
      // Skip over other fenced blocks whole: their content is not markdown.
      if (/^```/.test(lines[i]!)) {
        const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
        if (close > i) i = close;
      }
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (close < 0) throw new Error(`${file}:${i + 1}: a shell block is not closed`);
    const body = lines.slice(i + 1, close);
    blocks.push({ file, line: i + 1, skip: lines[i - 1]?.trim() === SKIP_MARK, steps: parseSteps(body) });
    i = close;
  }
  return blocks;
}

/**
 * Whether the printed output is the written answer. `…` stands for any run of characters
 * (tokens, times, ids, omitted lines); a line break and the indentation around it are
 * ignored on both sides, so a long answer may be wrapped over several `#` lines.
 */
export function answerMatches(written: string, printed: string): boolean {
  const flat = (s: string) => s.trim().replace(/\s*\n\s*/g, '');
  const pattern = flat(written)
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(flat(printed));
}

/** Relative link targets of a markdown file that name no file of the repository. */
export function brokenLinks(root: string, file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    if (!fs.existsSync(path.resolve(path.dirname(path.join(root, file)), target))) broken.push(m[1]!);
  }
  // Paths outside the repository (the spec checkout beside it) do not exist in a clone.
  for (const m of text.matchAll(/`(\.\.\/[^`]+)`/g)) {
    if (!fs.existsSync(path.resolve(path.dirname(path.join(root, file)), m[1]!)) || !path.resolve(path.dirname(path.join(root, file)), m[1]!).startsWith(root)) broken.push(m[1]!);
  }
  // "x.md §N": the cited document must exist in docs/ and have a section numbered N.
  for (const m of text.matchAll(/([\w-]+\.md) §(\d+(?:\.\d+)*)/g)) {
    const cited = path.join(root, 'docs', m[1]!);
    const ok = fs.existsSync(cited) && new RegExp(`^#+ ${m[2]!.replace(/\./g, '\\.')}\\b`, 'm').test(fs.readFileSync(cited, 'utf8'));
    if (!ok) broken.push(`${m[1]} §${m[2]}`);
  }
  return broken;
}
