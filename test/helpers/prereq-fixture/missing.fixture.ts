/** Run by test/helpers/prereq.test.ts in a vitest of its own: one missing and one present prerequisite. */
import { expect, it } from 'vitest';
import { describeWith, itWith, prerequisite } from '../prereq.js';

const missing = prerequisite(
  'the frobnicator tests',
  'frobnicator is not installed',
  'apt-get install frobnicator',
);
const present = prerequisite('the widget tests', undefined, 'nothing to do');

describeWith(missing)('frobnication', () => {
  it('frobs', () => expect(1).toBe(1));
});
itWith(missing)('frobs alone', () => expect(1).toBe(1));
describeWith(present)('widgets', () => {
  it('works', () => expect(1).toBe(1));
});
