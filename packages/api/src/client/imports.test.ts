// The client entry point (@leasehold/api/client) must never pull in the server: a caller that
// only sends requests loads the wire contract, not the service, its handlers, the read model or
// the journal. Checked on the source: every file reachable from src/client/ by its imports.
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages a client must not load: the journal (JetStream, the server's store) and the micro-service framework. */
const FORBIDDEN_PACKAGES = ['@leasehold/journal', '@nats-io/services'];

/** Modules of the server, by path under src/. */
function serverPart(path: string): string | undefined {
  if (path === 'service.ts') return 'the service';
  if (path.endsWith('handlers.ts')) return 'a handlers module';
  if (path.startsWith('read-model/')) return 'the read model';
  return undefined;
}

/** Every specifier a file imports or re-exports, types included, and dynamic imports. */
function specifiers(source: string): string[] {
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && c.endsWith('.ts'));
  if (!found) throw new Error(`${from} imports ${spec}, which is no file`);
  return found;
}

interface Graph {
  /** Files reachable from the entry files, relative to the source root. */
  readonly files: string[];
  /** What is wrong: `client/client.ts imports service.ts (the service)`. */
  readonly violations: string[];
}

/** Walks the relative imports from every non-test .ts file in `root`/`entryDir`. */
function clientImportGraph(root: string, entryDir = 'client'): Graph {
  const entries = readdirSync(join(root, entryDir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(root, entryDir, f));
  const seen = new Set<string>();
  const violations: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const name = relative(root, file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        const part = serverPart(relative(root, target));
        if (part) violations.push(`${name} imports ${relative(root, target)} (${part})`);
        queue.push(target);
      } else if (FORBIDDEN_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        violations.push(`${name} imports ${spec}`);
      }
    }
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), violations };
}

describe('the client entry point', () => {
  test('loads nothing of the service, the handlers, the read model or the journal', () => {
    expect(clientImportGraph(SRC).violations).toStrictEqual([]);
  });

  test('loads only the wire contract: src/client/, src/wire/ and errors.ts', () => {
    const outside = clientImportGraph(SRC).files.filter((f) => !f.startsWith('client/') && !f.startsWith('wire/') && f !== 'errors.ts');
    expect(outside).toStrictEqual([]);
  });

  describe('the check itself', () => {
    const root = mkdtempSync(join(tmpdir(), 'api-client-imports-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    test('finds an import of the service, a handlers module, the read model or the journal, also through another module', () => {
      write('service.ts', 'export const x = 1;\n');
      write('network/handlers.ts', 'export const x = 1;\n');
      write('read-model/read-model.ts', 'export const x = 1;\n');
      write('wire/codec.ts', "import { x } from '../service.js';\nexport { x };\n");
      write('client/client.ts', "import type { x } from '../network/handlers.js';\nimport { Journal } from '@leasehold/journal';\nimport { y } from '../wire/codec.js';\n");
      write('client/index.ts', "export { ReadModel } from '../read-model/read-model.js';\nexport * from './client.js';\n");
      write('client/client.test.ts', "import { startApiService } from '../service.js';\n");
      expect(clientImportGraph(root).violations.sort()).toStrictEqual([
        'client/client.ts imports @leasehold/journal',
        'client/client.ts imports network/handlers.ts (a handlers module)',
        'client/index.ts imports read-model/read-model.ts (the read model)',
        'wire/codec.ts imports service.ts (the service)',
      ]);
    });
  });
});
