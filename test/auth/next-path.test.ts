import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/auth/next-path.js';

describe('safeNextPath', () => {
  it('keeps same-site paths with their query and fragment', () => {
    expect(safeNextPath('/account')).toBe('/account');
    expect(safeNextPath('/posts/hello-world?x=1#comments')).toBe('/posts/hello-world?x=1#comments');
    expect(safeNextPath('/search?q=a%2Fb')).toBe('/search?q=a%2Fb');
  });

  it('replaces anything that could leave the site with /', () => {
    const evil = [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\/evil.example',
      '/\\/evil.example',
      'https://evil.example',
      'http:evil.example',
      'javascript:alert(1)',
      'evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/ /evil.example',
      '',
      '/a'.repeat(1500),
    ];
    for (const candidate of evil) expect(safeNextPath(candidate), JSON.stringify(candidate)).toBe('/');
  });

  it('decides on the normalised URL: dot segments and encodings that resolve to another host give /', () => {
    const evil = [
      '/././/evil.example',
      '/./\\/evil.example',
      '/a/..//evil.example',
      '/a/b/../..//evil.example',
      '/..//evil.example',
      '/.//evil.example',
      '/%2e%2e//evil.example',
      '/%2E%2E//evil.example',
      '/%2e//evil.example',
      '/a/%2e%2e//evil.example',
      '/.%2e//evil.example',
      '/%2e.//evil.example',
      '/a/.%2E/.%2e//evil.example',
      '/./\tevil.example',
      '/.\t/.//evil.example',
      '/./\n/evil.example',
      '/.\r\n//evil.example',
      '/\\evil.example',
      '/.\\evil.example',
      '/%5c%5cevil.example/..',
    ];
    for (const candidate of evil) expect(safeNextPath(candidate), JSON.stringify(candidate)).toBe('/');
  });

  it('keeps normalised same-site paths, and encoded slashes stay encoded (one path segment, never a host)', () => {
    expect(safeNextPath('/a/../account')).toBe('/account');
    expect(safeNextPath('/./account?x=1')).toBe('/account?x=1');
    expect(safeNextPath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(safeNextPath('/%2f/evil.example')).toBe('/%2f/evil.example');
  });

  it('ignores values that are not strings', () => {
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath(['/account'])).toBe('/');
    expect(safeNextPath({ $gt: '' })).toBe('/');
  });
});
