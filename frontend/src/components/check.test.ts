import { describe, expect, it } from 'vitest';
import { describeSchedule } from './check';

describe('describeSchedule', () => {
  it('says the specs people use in words, and the rest as they are', () => {
    expect(describeSchedule('0 3 * * *')).toBe('Every day at 03:00 UTC');
    expect(describeSchedule('0 * * * *')).toBe('Every hour, on the hour');
    expect(describeSchedule('0 8 * * 1')).toBe('Every Monday at 08:00 UTC');
    expect(describeSchedule('30 17 * * 0')).toBe('Every Sunday at 17:30 UTC');
    expect(describeSchedule('*/5 * * * 1-5')).toBe('Custom: */5 * * * 1-5 (UTC)');
  });
});
