import { describe, expect, it } from 'vitest';
import { classifyRefusal } from './refusal.js';

describe('classifyRefusal', () => {
  it.each([
    ["I'm sorry, but I can't help with that.", 'refusal'],
    ['I cannot assist with creating malware.', 'refusal'],
    ['I won’t provide instructions for that.', 'refusal'],
    ['Sorry — I must decline this request.', 'refusal'],
    ["I'm not allowed to share other customers' details.", 'refusal'],
    ['As an AI, I cannot browse the internet.', 'refusal'],
    ["I don't know.", 'abstention'],
    ["I don't have enough information in the help centre to answer that.", 'abstention'],
    ['The provided documents do not mention a student discount.', 'abstention'],
    ['I could not find any information about that plan.', 'abstention'],
  ])('%s → %s', (text, kind) => {
    expect(classifyRefusal(text)).toBe(kind);
  });

  it.each([
    'Refunds are issued within 5 business days [refunds].',
    'To kill a stuck export job, open Settings → Exports and press Cancel.',
    'You can reset your password from the sign-in page.',
    '',
    // A refusal phrase deep inside a long answer is not a refusal of the request.
    `${'Here is the full procedure. '.repeat(20)} Note: I cannot guarantee delivery dates.`,
  ])('answers are not refusals: %s', (text) => {
    expect(classifyRefusal(text)).toBeNull();
  });
});
