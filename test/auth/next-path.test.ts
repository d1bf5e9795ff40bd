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

  it('ignores values that are not strings', () => {
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath(['/account'])).toBe('/');
    expect(safeNextPath({ $gt: '' })).toBe('/');
  });
});
