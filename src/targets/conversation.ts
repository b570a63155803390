import { ConfigError } from '../config/errors.js';
import type { ChatMessage, ChatRole } from './chat.js';

/**
 * An imported chat sample keeps its conversation on an `openai` target.
 *
 * Importers (OpenAI Evals, Inspect) set two vars from a sample's chat list: `input`, the text
 * of its last user message (what a prompt's `{{ input }}` shows), and `messages`, the whole
 * conversation. A prompt that renders only `{{ input }}` would send the last user turn alone
 * and drop the sample's system message and earlier turns. So when a prompt uses `{{ input }}`
 * and never `{{ messages }}`, the conversation's other messages are spliced around the prompt
 * message that holds `{{ input }}`: the turns before the last user message go in front of
 * it, any after it follow it. The prompt's own messages stay where they are, as Inspect puts a
 * task's system message in front of a sample's conversation. A prompt that renders
 * `{{ messages }}` itself has placed the conversation and is left alone.
 */
export interface ConversationSplice {
  /** Index of the prompt message holding `{{ input }}`. */
  inputAt: number;
}

const ROLES: readonly string[] = ['system', 'developer', 'user', 'assistant'];

/**
 * `rendered` with the conversation in `vars.messages` spliced around message `inputAt`.
 * Unchanged when `vars.messages` is not a chat list, or holds only its last user turn.
 */
export function spliceConversation(
  rendered: ChatMessage[],
  vars: Record<string, unknown>,
  { inputAt }: ConversationSplice,
): ChatMessage[] {
  const conversation = vars.messages;
  if (!Array.isArray(conversation) || conversation.length < 2) return rendered;
  const messages = conversation.map(chatMessage);
  if (messages.some((m) => m === undefined)) {
    throw new ConfigError(
      "var 'messages' must be a list of { role, content } chat messages (role system, developer, user or assistant)",
    );
  }
  const list = messages as ChatMessage[];
  let last = -1;
  for (let i = list.length - 1; i >= 0 && last < 0; i--) if (list[i]!.role === 'user') last = i;
  if (last < 0) return rendered;
  return [
    ...rendered.slice(0, inputAt),
    ...list.slice(0, last),
    rendered[inputAt]!,
    ...list.slice(last + 1),
    ...rendered.slice(inputAt + 1),
  ];
}

/** A message as the request sends it; undefined when it is not a chat message. */
function chatMessage(raw: unknown): ChatMessage | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { role, content, name } = raw as Record<string, unknown>;
  if (typeof role !== 'string' || !ROLES.includes(role)) return undefined;
  const text = textOf(content);
  if (text === undefined) return undefined;
  const message: ChatMessage = { role: role as ChatRole, content: text };
  if (typeof name === 'string') message.name = name;
  return message;
}

/** A string, or the text parts of a content list (images and audio are not carried). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) =>
      part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}
