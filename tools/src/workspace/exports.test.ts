/**
 * One exporter per name (issue 16, point 5): a name exported from a workspace
 * package's public entry points (its package.json `exports`, read through the
 * `@leasehold/source` condition: src/index.ts, ./testing, api's ./client) is
 * exported by that package alone, so an import says which package a thing
 * comes from and two different things never share a name across the
 * workspace. One package may export a name from two of its own entry points
 * (api's ApiClient from `.` and `./client`). The lists are read with the
 * TypeScript parser, not a type check: `export { a, b as c }`,
 * `export type { T }`, `export const|function|class|interface|type|enum`, and
 * `export * from './x.js'` followed into the file it names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** One public entry point: the package, its subpath (`.`, `./testing`) and the source file behind it. */
interface EntryPoint {
  readonly pkg: string;
  readonly subpath: string;
  readonly file: string;
}

/** The entry points of every workspace package (packages/*, tools, harness), from their package.json `exports`. */
function entryPoints(): EntryPoint[] {
  const dirs = readdirSync(join(ROOT, 'packages'))
    .map((name) => join(ROOT, 'packages', name))
    .concat(join(ROOT, 'tools'), join(ROOT, 'harness'))
    .filter((dir) => existsSync(join(dir, 'package.json')));
  return dirs.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, Record<string, string>> };
    return Object.entries(manifest.exports ?? {}).map(([subpath, conditions]) => {
      const source = conditions['@leasehold/source'];
      if (source === undefined) throw new Error(`${manifest.name} exports ${subpath} without a @leasehold/source condition`);
      return { pkg: manifest.name, subpath, file: join(dir, source) };
    });
  });
}

/** The names `file` exports, following `export * from` into relative modules (`.js` read as `.ts`). Pure but for `read`. */
export function exportedNames(file: string, read: (path: string) => string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (clause === undefined) {
        // export * from './x.js': the names of x.
        const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
        if (!specifier.startsWith('.')) throw new Error(`${file}: export * from a package (${specifier}) cannot be listed here`);
        names.push(...exportedNames(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), read, seen));
      } else if (ts.isNamedExports(clause)) {
        names.push(...clause.elements.map((element) => element.name.text));
      } else {
        names.push(clause.name.text); // export * as ns from '...'
      }
      continue;
    }
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) names.push('default');
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      names.push(statement.name.text);
    }
  }
  return names;
}

/** Names exported by more than one package, each with the `package/subpath` entry points that export it, sorted. Pure. */
export function exportClashes(lists: readonly { readonly pkg: string; readonly subpath: string; readonly names: readonly string[] }[]): Record<string, string[]> {
  const byName = new Map<string, { pkgs: Set<string>; where: string[] }>();
  for (const { pkg, subpath, names } of lists) {
    for (const name of new Set(names)) {
      const entry = byName.get(name) ?? { pkgs: new Set<string>(), where: [] };
      entry.pkgs.add(pkg);
      entry.where.push(subpath === '.' ? pkg : `${pkg}/${subpath.slice(2)}`);
      byName.set(name, entry);
    }
  }
  const clashes: Record<string, string[]> = {};
  for (const [name, { pkgs, where }] of [...byName].sort(([a], [b]) => a.localeCompare(b))) if (pkgs.size > 1) clashes[name] = where.sort();
  return clashes;
}

const readSource = (path: string) => readFileSync(path, 'utf8');

describe('exported names across the workspace', () => {
  const lists = entryPoints().map((entry) => ({ ...entry, names: exportedNames(entry.file, readSource) }));

  test('every name exported from a workspace entry point is exported by one package only', () => {
    expect(exportClashes(lists)).toEqual({});
  });

  test('the lists cover every package and entry point and hold what they export', () => {
    const where = (pkg: string, subpath = '.') => lists.find((l) => l.pkg === pkg && l.subpath === subpath);
    for (const pkg of ['protocol', 'journal', 'lease-actor', 'resources', 'scheduler', 'dns-cache', 'agent', 'api', 'server', 'tools', 'harness']) {
      expect(where(`@leasehold/${pkg}`)?.names.length, `@leasehold/${pkg}`).toBeGreaterThan(0);
    }
    expect(where('@leasehold/api', './client')?.names).toContain('ApiClient');
    expect(where('@leasehold/protocol')?.names).toEqual(expect.arrayContaining(['decodeDhcp', 'DhcpMessage', 'NetworkState']));
    expect(where('@leasehold/resources', './testing')?.names).toEqual(['tokenId']);
    for (const { file } of lists) expect(relative(ROOT, file)).toMatch(/^(packages\/[^/]+|tools|harness)\/src\//);
  });
});

describe('the check itself', () => {
  const files: Record<string, string> = {
    '/a/index.ts': [
      "export { one, two as second } from './one.js';",
      "export type { Shape } from './shape.js';",
      "export * from './more.js';",
      'export const three = 3, four = 4;',
      'export function five() {}',
      'export class Six {}',
      'export interface Seven {}',
      'export type Eight = 8;',
      'export enum Nine {}',
      'const hidden = 0;',
      "import { imported } from './one.js';",
    ].join('\n'),
    '/a/more.ts': "export { ten } from './ten.js';\nexport * from './index.js';",
  };
  const read = (path: string) => files[path] ?? '';

  test('an entry point lists values, types, renamed names, declarations and what export * brings in, nothing else', () => {
    expect(exportedNames('/a/index.ts', read).sort()).toEqual(['Eight', 'Nine', 'Shape', 'Six', 'Seven', 'five', 'four', 'one', 'second', 'ten', 'three'].sort());
  });

  test('a name exported by two packages is a clash; one package exporting it from two entry points is not', () => {
    const clashes = exportClashes([
      { pkg: '@x/api', subpath: '.', names: ['ApiClient', 'toEnvelope'] },
      { pkg: '@x/api', subpath: './client', names: ['ApiClient'] },
      { pkg: '@x/lease', subpath: '.', names: ['toEnvelope'] },
    ]);
    expect(clashes).toEqual({ toEnvelope: ['@x/api', '@x/lease'] });
  });

  test('adding a duplicate back to a real entry point is caught', () => {
    // protocol's index with one more line re-exporting a name resources already exports.
    const protocolIndex = join(ROOT, 'packages/protocol/src/index.ts');
    const withDuplicate = (path: string) => (path === protocolIndex ? `${readSource(path)}\nexport const toNetworkEnvelope = 1;\n` : readSource(path));
    const lists = entryPoints().map((entry) => ({ ...entry, names: exportedNames(entry.file, withDuplicate) }));
    expect(exportClashes(lists)).toEqual({ toNetworkEnvelope: ['@leasehold/protocol', '@leasehold/resources'] });
  });
});
