import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGlobWithin, matchesGlob, parseGlob, type Glob } from '../../src/domain/globs';

function glob(source: string): Glob {
  const parsed = parseGlob(source);
  assert.ok(parsed.ok, `${source}: ${parsed.ok ? '' : parsed.reason}`);
  return parsed.glob;
}
const matches = (source: string, path: string) => matchesGlob(glob(source), path);
const within = (inner: string, ...outers: string[]) => isGlobWithin(glob(inner), outers.map(glob));

describe('glob matching', () => {
  it('anchors globs at the workspace root and keeps * and ? within one segment', () => {
    assert.ok(matches('*.md', 'README.md'));
    assert.ok(!matches('*.md', 'docs/guide.md'));
    assert.ok(matches('src/?.ts', 'src/a.ts'));
    assert.ok(!matches('src/?.ts', 'src/ab.ts'));
    assert.ok(!matches('src/*', 'src/lib/a.ts'));
  });

  it('lets ** span any number of segments, none included', () => {
    assert.ok(matches('**', 'a/b/c.ts'));
    assert.ok(matches('src/**', 'src/a.ts'));
    assert.ok(matches('src/**/*.ts', 'src/a.ts'));
    assert.ok(matches('src/**/*.ts', 'src/lib/deep/a.ts'));
    assert.ok(!matches('src/**/*.ts', 'test/a.ts'));
    assert.ok(matches('**/*.test.ts', 'test/unit/x.test.ts'));
  });

  it('matches names that start with a dot, as the default "**" must reach .github and .gitignore', () => {
    assert.ok(matches('**', '.github/workflows/ci.yml'));
    assert.ok(matches('*', '.gitignore'));
  });

  it('expands braces, nested and across segments', () => {
    assert.ok(matches('{src,test/unit}/**', 'test/unit/a.ts'));
    assert.ok(matches('**/*.{ts,tsx}', 'web/app.tsx'));
    assert.ok(matches('a{b,c{d,e}}', 'ace'));
    assert.ok(!matches('{src,test}/**', 'docs/a.md'));
  });

  it('reads character classes, ranges and negated classes', () => {
    assert.ok(matches('v[0-9].txt', 'v7.txt'));
    assert.ok(!matches('v[0-9].txt', 'vx.txt'));
    assert.ok(matches('[!.]*', 'src'));
    assert.ok(!matches('[^.]*', '.env'));
    assert.ok(matches('a[*]', 'a*'), 'a class matches a special character literally');
  });

  it('is case-sensitive, as git paths are', () => {
    assert.ok(!matches('docs/**', 'Docs/a.md'));
  });

  it('refuses what it does not support, with the reason', () => {
    const refused: Array<[string, RegExp]> = [
      ['', /empty/],
      ['/etc/**', /absolute/],
      ['!src/**', /negation/],
      ['src\\*.ts', /backslash/],
      ['src/[a', /no closing "\]"/],
      ['src/{a,b', /no closing "}"/],
      ['src/a}', /no opening "{"/],
      ['+(a|b)', /not supported/],
      ['[[:alpha:]]', /POSIX/],
      ['a**b', /whole segment/],
      ['src//a', /empty segment/],
      ['src/', /empty segment/],
      ['../x', /".." segments/],
      ['[z-a]', /reversed/],
      ['a/[/]', /cannot hold "\/"/],
      ['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}', /expand to over 64/],
      ['a\u0000b', /control/],
    ];
    for (const [source, reason] of refused) {
      const parsed = parseGlob(source);
      assert.ok(!parsed.ok, `${JSON.stringify(source)} was accepted`);
      assert.match(parsed.reason, reason, JSON.stringify(source));
    }
  });
});

describe('glob containment', () => {
  it('finds narrower globs within wider ones', () => {
    assert.ok(within('docs/**', '**'));
    assert.ok(within('docs/*.md', 'docs/**'));
    assert.ok(within('src/lib/*.ts', 'src/**/*.ts'));
    assert.ok(within('src/**/x.ts', 'src/**/*.ts'));
    assert.ok(within('src/a.ts', 'src/*'));
    assert.ok(within('{src,test}/**', 'src/**', 'test/**'), 'each alternative may lie in a different glob');
    assert.ok(within('v[0-3]', 'v[0-9]'));
    assert.ok(within('v[0-3]', 'v?'));
    assert.ok(within('v[a-c]', 'v[!x-z]'));
    assert.ok(within('docs/**', 'docs/**'), 'a glob is within itself');
  });

  it('refuses globs that reach outside, including the traps of comparing glob text as a path', () => {
    assert.ok(!within('src/**', 'docs/**'));
    assert.ok(!within('**', 'docs/**'));
    assert.ok(!within('docs/**', 'docs/*'), '"docs/**" read as a path matches docs/*, yet it reaches docs/a/b');
    assert.ok(!within('src/*', 'src/?'), '"*" read as a path is one character, yet it matches many');
    assert.ok(!within('src/**/*.ts', 'src/*/*.ts'));
    assert.ok(!within('v[0-9]', 'v[0-3]'));
    assert.ok(!within('v[!a]', 'v[b-z]'));
    assert.ok(!within('{src,docs}/**', 'src/**'));
  });

  it('stays conservative where equal sets are spelt differently', () => {
    assert.ok(!within('v[ab]', 'v{a,b}'), 'true in fact, refused by the symbol-by-symbol rule');
  });
});

describe('glob containment, checked against matching', () => {
  /** A small seeded generator (mulberry32), so a failure replays. */
  function random(seed: number): (n: number) => number {
    let s = seed;
    return (n) => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
  }

  it('never calls a glob within another when a path matches the first and not the second', () => {
    const rnd = random(2024);
    const pick = (xs: readonly string[]) => xs[rnd(xs.length)]!;
    const times = (n: number, make: () => string) => Array.from({ length: n }, make);
    const atoms = ['a', 'b', '.', '*', '?', '[ab]', '[!a]', '[a-c]', '{a,b}', '{a,b/a}'];
    const segment = () => (rnd(4) === 0 ? '**' : times(1 + rnd(3), () => pick(atoms)).join(''));
    const globs = times(600, () => times(1 + rnd(3), segment).join('/')).flatMap((source) => {
      const parsed = parseGlob(source);
      return parsed.ok ? [parsed.glob] : [];
    });
    const name = () => times(1 + rnd(3), () => pick(['a', 'b', 'c', '.'])).join('');
    const paths = times(300, () => times(1 + rnd(4), name).join('/')).filter(
      (p) => !p.split('/').some((s) => s === '.' || s === '..'),
    );
    let checked = 0;
    for (let i = 0; i < 4000; i++) {
      const [inner, outer] = [globs[rnd(globs.length)]!, globs[rnd(globs.length)]!];
      if (!isGlobWithin(inner, [outer])) continue;
      checked++;
      for (const path of paths) {
        if (matchesGlob(inner, path))
          assert.ok(matchesGlob(outer, path), `${inner.source} in ${outer.source}: ${path}`);
      }
    }
    assert.ok(checked > 100, `only ${checked} pairs were within each other`);
  });
});
