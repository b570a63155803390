import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai.js';
import { tempDir } from '../../test/helpers/tmp.js';

const real = resolve(import.meta.dirname, '../../test/fixtures/importers/real');
const SYSTEM = 'How many characters are in the following sentence?  Please answer with just the count.';

/**
 * End to end: an imported OpenAI Evals file, `evalgate run`, the official `openai` SDK and a
 * loopback Chat Completions server. What the server received is the conversation the sample
 * holds, system message included.
 */
describe('an imported chat sample reaches an openai target as its whole conversation', () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI({ script: () => ({ content: '80' }) });
  });
  afterAll(() => server.close());

  async function run(prompt: string, dataset = 'character-counts.samples.jsonl') {
    const dir = tempDir('evalgate-conversation-');
    const files: Record<string, string> = {
      'evalgate.yml': `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompts/bot.md\n    model: models/bot.yaml\nsuites: [suites/*.yml]\nretries: 0\n`,
      'prompts/bot.md': prompt,
      'models/bot.yaml': 'model: gpt-4o-mini\ntemperature: 0\n',
      'suites/imported.yml': `id: imported\ndataset: { format: openai-evals, file: ${dataset} }\n`,
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    copyFileSync(join(real, dataset), join(dir, 'suites', dataset));
    const before = server.requests.length;
    let stderr = '';
    const code = await main(['run', '--no-cache'], {
      stdout: () => {},
      stderr: (t) => void (stderr += t),
      cwd: dir,
      env: { PATH: process.env.PATH, TEST_KEY: 'sk-test' },
      isTTY: false,
    });
    // Imported cases are not blockers: wrong answers fail cases, not the run.
    expect(code, stderr).toBe(0);
    return server.requests.slice(before).map((r) => r.body.messages);
  }

  it('a prompt of {{ input }} alone sends exactly the sample: system message, then user', async () => {
    const sent = await run('{{ input }}\n');
    expect(sent).toHaveLength(3);
    expect(sent).toContainEqual([
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: 'Build a smart financial future!  Learn how personal loans can be a key strategy.',
      },
    ]);
  });

  it("the prompt's own system message leads; the sample's follows; the {{ input }} message wraps the last user turn", async () => {
    const sent = await run('[system]\nYou are evaluated.\n[user]\nSentence: {{ input }}\n');
    expect(sent).toContainEqual([
      { role: 'system', content: 'You are evaluated.' },
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Sentence: Personal loan rates are rising. Here’s what to expect in 2023.' },
    ]);
  });

  it('a prompt that renders {{ messages }} itself has placed the conversation: nothing is added', async () => {
    const sent = await run('[user]\nInput: {{ input }}\nTranscript: {{ messages }}\n');
    for (const messages of sent) {
      expect(messages).toHaveLength(1);
      expect(messages![0]!.role).toBe('user');
      expect(String(messages![0]!.content)).toContain(`"content":"${SYSTEM}"`);
    }
  });

  it('a legacy {prompt, completion} sample is one user turn, sent as it is', async () => {
    const sent = await run('{{ input }}\n', 'unfamiliar-chinese-character.samples.jsonl');
    expect(sent).toContainEqual([
      {
        role: 'user',
        content: 'left-right structure, with 军 on the left and 皮 on the right. What is this character?',
      },
    ]);
  });
});
