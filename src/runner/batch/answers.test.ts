import { describe, expect, it } from 'vitest';
import { answerOfLine, readAnswerLines, type Answer } from './answers.js';

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: '2 + 2 = 4' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 24, completion_tokens: 15, total_tokens: 39 },
};
const line = (response: unknown, error: unknown = null) => ({
  id: 'batch_req_1',
  custom_id: 'r7',
  response,
  error,
});
const errorOf = (a: Answer | undefined) => (a && 'error' in a ? a.error : undefined);

describe('a batch output line', () => {
  it('a 200 is read as a live completion is: text, usage, model, request id', () => {
    const read = answerOfLine(line({ status_code: 200, request_id: 'req_c187b3', body: completion }));
    expect(read).toEqual({
      customId: 'r7',
      answer: {
        output: {
          output: '2 + 2 = 4',
          usage: { prompt: 24, completion: 15, total: 39 },
          model: 'gpt-4o-mini-2024-07-18',
          finishReason: 'stop',
          requestId: 'req_c187b3',
        },
      },
    });
  });

  it('anything else is an error that is never retried', () => {
    const http = errorOf(
      answerOfLine(
        line({ status_code: 400, request_id: 'req_2', body: { error: { message: 'Invalid model' } } }),
      )?.answer,
    );
    expect(http).toMatchObject({
      kind: 'http',
      message: '400 Invalid model (request req_2)',
      retryable: false,
    });
    expect(http?.options.status).toBe(400);
    expect(errorOf(answerOfLine(line({ status_code: 429, body: {} }))?.answer)).toMatchObject({
      kind: 'rate_limit',
    });
    const expired = errorOf(
      answerOfLine(
        line(null, {
          code: 'batch_expired',
          message: 'This request could not be executed before the completion window expired.',
        }),
      )?.answer,
    );
    expect(expired).toMatchObject({ kind: 'timeout', retryable: false });
    expect(expired?.message).toContain('batch_expired');
    const empty = errorOf(
      answerOfLine(line({ status_code: 200, body: { ...completion, choices: [] } }))?.answer,
    );
    expect(empty).toMatchObject({ kind: 'empty', retryable: false });
    expect(errorOf(answerOfLine(line(null))?.answer)).toMatchObject({ kind: 'malformed' });
    expect(answerOfLine({ response: null })).toBeUndefined();
  });

  it('a file: blank lines skipped, unreadable ones counted, an answer wins over an error line', () => {
    const into = new Map<string, Answer>();
    const ok = JSON.stringify(line({ status_code: 200, body: completion }));
    const bad = JSON.stringify(line({ status_code: 500, body: {} }));
    expect(readAnswerLines(`${bad}\n\n{not json\n${ok}\n`, into)).toEqual({ unreadable: 1 });
    expect(into.get('r7')).toHaveProperty('output');
  });
});
