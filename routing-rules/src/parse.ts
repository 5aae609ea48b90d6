import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { compileRules } from './compile.ts';
import { locate } from './positions.ts';
import type { RuleProblem, RulesResult } from './types.ts';
import { type RulesDocument, validateDocument } from './validate.ts';

/** Parses, validates and compiles routes.yaml text; every problem is reported with its position. */
export function parseRules(text: string, source?: string): RulesResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { message: error.message.split('\n')[0], path: '', line, column: col, source };
      }),
    };
  }
  const data = doc.toJS() as unknown;
  const problems: RuleProblem[] = validateDocument(data).map((problem) => ({
    message: problem.message,
    path: problem.path,
    ...locate(doc, lines, problem.path, problem.atKey),
    source,
  }));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rules: compileRules(data as RulesDocument, source) };
}

export function loadRulesFile(path: string): RulesResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problems: [{ message: `cannot read: ${(error as Error).message}`, path: '', source: path }],
    };
  }
  return parseRules(text, path);
}

/** `file:line:column: message`, the format editors and terminals link. */
export function formatProblem(problem: RuleProblem): string {
  const where = [problem.source ?? '<rules>', problem.line, problem.column].filter((p) => p !== undefined);
  return `${where.join(':')}: ${problem.message}${problem.path ? ` (at ${problem.path})` : ''}`;
}
