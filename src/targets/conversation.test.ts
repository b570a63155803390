import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { spliceConversation } from './conversation.js';
import type { ChatMessage } from './chat.js';

const prompt: ChatMessage[] = [
  { role: 'system', content: 'App rules.' },
  { role: 'user', content: 'Q: last question' },
  { role: 'assistant', content: 'A:' },
];

describe('spliceConversation', () => {
  it('puts the turns before the last user message in front of the {{ input }} message, later ones after it', () => {
    const messages = [
      { role: 'system', content: 'Sample rules.' },
      { role: 'user', content: 'first question' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'first ' },
          { type: 'text', text: 'answer' },
        ],
      },
      { role: 'user', content: 'last question' },
      { role: 'assistant', content: 'prefill', name: 'bot' },
    ];
    expect(spliceConversation(prompt, { input: 'last question', messages }, { inputAt: 1 })).toEqual([
      { role: 'system', content: 'App rules.' },
      { role: 'system', content: 'Sample rules.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'Q: last question' },
      { role: 'assistant', content: 'prefill', name: 'bot' },
      { role: 'assistant', content: 'A:' },
    ]);
  });

  it('leaves the prompt alone without a conversation, or with a lone user turn', () => {
    expect(spliceConversation(prompt, { input: 'x' }, { inputAt: 1 })).toBe(prompt);
    expect(spliceConversation(prompt, { messages: [{ role: 'user', content: 'x' }] }, { inputAt: 1 })).toBe(
      prompt,
    );
    expect(spliceConversation(prompt, { messages: 'not a list' }, { inputAt: 1 })).toBe(prompt);
  });

  it('refuses a messages var that is not a chat list, rather than sending part of it', () => {
    for (const messages of [
      [{ role: 'user', content: 'a' }, 'b'],
      [
        { role: 'tool', content: 'a' },
        { role: 'user', content: 'b' },
      ],
      [
        { role: 'system', content: 3 },
        { role: 'user', content: 'b' },
      ],
    ]) {
      expect(() => spliceConversation(prompt, { messages }, { inputAt: 1 })).toThrow(ConfigError);
    }
  });
});
