import { describe, expect, it } from 'vitest';
import { dateFormats, formatDate } from '../../src/http/format.js';

describe('formatDate (each instant formatted once, then kept)', () => {
  const intl = (zone: string) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: zone });

  it('says what Intl says for every instant, also once more instants were asked for than it keeps', () => {
    const day = 86_400_000;
    const utc = intl('UTC');
    for (let i = 0; i < 10_050; i++) {
      const at = new Date(Date.UTC(2000, 0, 1) + i * day + (i % 7) * 3_600_000);
      expect(formatDate(at)).toBe(utc.format(at));
    }
    expect(formatDate(new Date('2026-11-24T23:30:00Z'))).toBe('November 24, 2026');
  });

  it('formats a Date by its time now, not by the object it was given before', () => {
    const date = new Date('2026-11-24T10:00:00Z');
    expect(formatDate(date)).toBe('November 24, 2026');
    date.setTime(Date.parse('2027-01-02T10:00:00Z'));
    expect(formatDate(date)).toBe('January 2, 2027');
  });

  it('keeps each zone apart: the same instant is another day in another zone', () => {
    const late = new Date('2026-11-24T23:30:00Z');
    expect(formatDate(late)).toBe('November 24, 2026');
    expect(dateFormats('Asia/Tokyo').formatDate(late)).toBe('November 25, 2026');
    expect(dateFormats('Asia/Tokyo').formatDate(null)).toBe('');
  });
});
