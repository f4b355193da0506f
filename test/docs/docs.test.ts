/**
 * The README and everything in docs/ stay true: every relative link reaches
 * a file (and a heading, by the anchor GitHub gives it), every `npm run`
 * script named exists, every option given to a pipeline command after `--`
 * is one that command takes (read off the same commander programs the CLIs
 * run), and every file of the repository the text names in backticks or
 * runs with `bash`/`npx tsx` exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';
import type { Command } from 'commander';
import { glob } from 'tinyglobby';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgram } from '../../scripts/cli.ts';
import { createInfraProgram } from '../../infra/cli.ts';
import { repoRoot } from '../helpers/fixture.ts';

const test = suite('README and docs/');

interface Doc {
  file: string;
  links: string[];
  anchors: Set<string>;
  /** Inline code, code blocks and prose, where commands are written. */
  texts: string[];
  codeSpans: string[];
}

const markdown = new MarkdownIt({ html: true });

function readDoc(file: string): Doc {
  const tokens = markdown.parse(readFileSync(path.join(repoRoot, file), 'utf8'), {});
  const slugger = new GithubSlugger();
  const doc: Doc = { file, links: [], anchors: new Set(), texts: [], codeSpans: [] };
  tokens.forEach((token, index) => {
    if (token.type === 'heading_open') {
      const inline = tokens[index + 1]!;
      const text = (inline.children ?? []).map((child) => child.content).join('');
      doc.anchors.add(slugger.slug(text));
    }
    if (token.type === 'fence' || token.type === 'code_block') doc.texts.push(token.content);
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') doc.links.push(child.attrGet('href') ?? '');
      if (child.type === 'code_inline') {
        doc.codeSpans.push(child.content);
        doc.texts.push(child.content);
      }
      if (child.type === 'text') doc.texts.push(child.content);
    }
  });
  return doc;
}

let docs: Doc[] = [];
const packageScripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

test.before(async () => {
  const files = ['README.md', ...(await glob('docs/**/*.md', { cwd: repoRoot }))].sort();
  docs = files.map(readDoc);
});

test('the README links to the editor’s guide, the operator’s guide and the reference, and names nothing outside the repository', () => {
  const readme = docs.find((doc) => doc.file === 'README.md')!;
  for (const target of ['docs/editor-guide.md', 'docs/operator-guide.md', 'docs/infrastructure.md', 'docs/reference/publishing.md']) assert.ok(readme.links.includes(target), target);
  for (const doc of docs) {
    for (const link of doc.links.filter((href) => !/^[a-z]+:/.test(href) && !href.startsWith('#'))) {
      const resolved = path.resolve(repoRoot, path.dirname(doc.file), link.split('#')[0]!);
      assert.ok(resolved.startsWith(repoRoot + path.sep), `${doc.file}: ${link} leaves the repository`);
    }
    assert.not.ok(doc.texts.some((text) => text.includes('../shared/')), `${doc.file} names a file outside the repository`);
  }
});

test('every relative link reaches a file, and every #anchor a heading of it', () => {
  const broken: string[] = [];
  const byFile = new Map(docs.map((doc) => [doc.file, doc]));
  for (const doc of docs) {
    for (const link of doc.links) {
      if (/^[a-z]+:/.test(link)) continue;
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? doc.file : path.relative(repoRoot, path.resolve(repoRoot, path.dirname(doc.file), target));
      if (!existsSync(path.join(repoRoot, file))) {
        broken.push(`${doc.file}: ${link} (no such file)`);
        continue;
      }
      if (anchor === undefined) continue;
      const targetDoc = byFile.get(file) ?? (file.endsWith('.md') ? readDoc(file) : undefined);
      if (!targetDoc?.anchors.has(anchor)) broken.push(`${doc.file}: ${link} (no heading with that anchor in ${file})`);
    }
  }
  assert.equal(broken, []);
});

/** `npm run NAME -- ARGS`, with ARGS up to a comment, a pipe or the end of the line. */
function npmRuns(text: string): Array<{ script: string; args: string[]; family: boolean }> {
  const runs: Array<{ script: string; args: string[]; family: boolean }> = [];
  for (const match of text.matchAll(/npm run (?:--silent |-s )?([\w:.-]+)(<[\w-]+>)?((?: --(?: [^\s#|&;`)]+)*)?)/g)) {
    const args = (match[3] ?? '').trim().replace(/^--\s*/, '');
    // `npm run dev:<site>` names a family of scripts.
    runs.push({ script: match[1]!, args: args === '' ? [] : args.split(/\s+/), family: match[2] !== undefined });
  }
  return runs;
}

function commandFor(script: string, args: string[]): { command: Command; rest: string[]; label: string } | undefined {
  const definition = packageScripts[script];
  const cli = /^tsx (scripts\/cli\.ts|infra\/cli\.ts)(?: (\S+))?/.exec(definition ?? '');
  if (!cli) return undefined;
  const program = cli[1] === 'infra/cli.ts' ? createInfraProgram() : createProgram();
  const name = cli[2] ?? args.find((arg) => !arg.startsWith('-'));
  const rest = cli[2] ? args : args.slice(args.indexOf(name ?? '') + 1);
  const command = program.commands.find((candidate) => candidate.name() === name);
  if (!command) return undefined;
  return { command, rest, label: `npm run ${script}${cli[2] ? '' : ` -- ${name}`}` };
}

test('every npm script the docs name exists, and every option after -- is one its command takes', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const doc of docs) {
    for (const text of doc.texts) {
      for (const run of npmRuns(text)) {
        if (run.family) {
          if (!Object.keys(packageScripts).some((name) => name.startsWith(run.script))) problems.push(`${doc.file}: no npm script starts with ${run.script}`);
          continue;
        }
        if (!(run.script in packageScripts)) {
          problems.push(`${doc.file}: npm run ${run.script} is not a script in package.json`);
          continue;
        }
        const found = commandFor(run.script, run.args);
        if (!found) continue;
        const known = new Set(['--help', ...found.command.options.map((option) => option.long).filter((long): long is string => Boolean(long))]);
        for (const arg of found.rest.filter((each) => /^--[a-z]/.test(each))) {
          checked++;
          const flag = arg.split('=')[0]!;
          if (!known.has(flag)) problems.push(`${doc.file}: ${found.label} has no option ${flag} (it takes ${[...known].join(', ')})`);
        }
      }
    }
  }
  assert.equal(problems, []);
  assert.ok(checked > 20, `options were checked (${checked})`);
});

test('infra commands the docs name are commands of npm run infra', () => {
  const problems: string[] = [];
  const names = new Set(createInfraProgram().commands.map((command) => command.name()));
  for (const doc of docs) {
    for (const text of doc.texts) {
      for (const run of npmRuns(text).filter((each) => each.script === 'infra' && each.args.length > 0)) {
        const name = run.args[0]!;
        if (!names.has(name)) problems.push(`${doc.file}: npm run infra -- ${name} is not a command (commands: ${[...names].join(', ')})`);
      }
    }
  }
  assert.equal(problems, []);
});

test('every repository file the docs name in backticks, or run with bash or npx tsx, exists', () => {
  const missing: string[] = [];
  const repoPath = /^(?:scripts|test|infra|shared-layouts|widgets|patches|docs|\.github|\.ci)\/[\w./-]*[\w]$/;
  for (const doc of docs) {
    const named = new Set<string>();
    for (const span of doc.codeSpans) if (repoPath.test(span)) named.add(span);
    for (const text of doc.texts) for (const match of text.matchAll(/(?:bash|npx tsx) ((?:scripts|test|infra)\/[\w./-]+)/g)) named.add(match[1]!);
    for (const file of named) if (!existsSync(path.join(repoRoot, file))) missing.push(`${doc.file}: ${file}`);
  }
  assert.equal(missing, []);
});

test.run();
