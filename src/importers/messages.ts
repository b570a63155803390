export interface ChatMessage {
  role: string;
  content?: unknown;
}

/**
 * The text of the last user message: what a single-turn prompt (`{{ input }}`) should see.
 * Content may be a string or a list of parts; only text parts count.
 */
export function lastUserText(messages: unknown[], field: string): string {
  for (const m of messages) {
    if (!m || typeof m !== 'object' || typeof (m as ChatMessage).role !== 'string') {
      throw new Error(`'${field}' must be a list of { role, content } messages`);
    }
  }
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') return textOf(m.content);
  }
  throw new Error(`'${field}' has no user message`);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}
